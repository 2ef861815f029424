// When each producer of a worker next has something to do (a record falls due, a partial batch's linger ends,
// the oldest waiting record expires), kept in a binary min-heap: the worker's one timer visits only producers
// that are due, so a thousand producers sending twenty records a second each cost twenty visits a second
// apiece, not one per tick. Acks do not need it: a completion services its producer directly.

/** What the queue orders: the time it wakes and its own place in the heap (-1 when not queued). */
export interface Wakeable {
  wakeAt: number;
  heapIndex: number;
}

export class WakeQueue<T extends Wakeable> {
  private readonly heap: T[] = [];

  get length(): number {
    return this.heap.length;
  }

  /** Queues `item` to wake at `at` (epoch ms), or takes it out when `at` is Infinity (or NaN: nothing to do). */
  set(item: T, at: number): void {
    if (!(at < Infinity)) {
      this.remove(item);
      return;
    }
    const i = item.heapIndex;
    item.wakeAt = at;
    if (i < 0) {
      item.heapIndex = this.heap.length;
      this.heap.push(item);
      this.up(item.heapIndex);
    } else {
      this.up(i);
      this.down(item.heapIndex);
    }
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const last = this.heap.pop()!;
    item.heapIndex = -1;
    item.wakeAt = Infinity;
    if (last === item) return;
    this.heap[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  /**
   * Takes every item due by `now` out of the queue into `out` (cleared first). The caller services them; each
   * queues itself again, so one that is still due waits for the next visit instead of looping here.
   */
  takeDue(now: number, out: T[]): T[] {
    out.length = 0;
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.wakeAt <= now) {
      const top = heap[0]!;
      this.remove(top);
      out.push(top);
    }
    return out;
  }

  private up(i: number): void {
    const heap = this.heap;
    const item = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.wakeAt <= item.wakeAt) break;
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.wakeAt < heap[child]!.wakeAt) child++;
      const c = heap[child]!;
      if (c.wakeAt >= item.wakeAt) break;
      heap[i] = c;
      c.heapIndex = i;
      i = child;
    }
    heap[i] = item;
    item.heapIndex = i;
  }
}
