// The calls in flight of one load worker, all its producers together, at most `cap` (CALLS_PER_CONNECTION per
// connection). Without a bound, a target that falls behind holds producers x maxInFlight calls open (16,000 at
// 1,000 producers): as many HTTP/2 streams, request buffers and batch slots, hundreds of MB, and a worker busy
// making them instead of sending. At the cap the model stays open: a producer that has a batch to send waits in
// a queue, its records keep their intended times (their lateness is schedule lag), they are dropped after
// dropAfterMs like any late record, and a record that joins a waiting backlog goes out in the same call as the
// ones before it (a batch still holds at most batchSize records). Each time a producer has to wait counts in
// `waits`: the worker reports them and the sampler flags the window as the generator's saturation.

/**
 * Calls in flight per connection, at most, of one worker's producers, by default (`options.maxCallsPerConnection`,
 * `--max-calls-per-connection`; HTTP/2 servers commonly allow 100-256 streams per connection).
 */
export const CALLS_PER_CONNECTION = 256;

/** A producer waiting for room: called once room is free (it then sends what it can, or waits again). */
export interface BudgetWaiter {
  awaitingBudget: boolean;
  budgetFreed(now: number): void;
}

export class CallBudget {
  inFlight = 0;
  /** Times a producer had a batch to send and found the budget full, since the last `takeWaits()`. */
  private waits = 0;
  /** The most calls in flight at once since the last `takeWaits()`. */
  private peak = 0;
  private readonly queue: BudgetWaiter[] = [];
  private head = 0;

  /** `cap`: Infinity for no bound. */
  constructor(readonly cap: number) {}

  get full(): boolean {
    return this.inFlight >= this.cap;
  }

  /** Producers waiting for room now. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  take(): void {
    if (++this.inFlight > this.peak) this.peak = this.inFlight;
  }

  /** `calls` calls ended: the producers that waited longest get the room first, in order. */
  give(now: number, calls = 1): void {
    this.inFlight -= calls;
    const q = this.queue;
    while (this.inFlight < this.cap && this.head < q.length) {
      const w = q[this.head]!;
      q[this.head++] = undefined as unknown as BudgetWaiter;
      if (this.head === q.length) {
        q.length = 0;
        this.head = 0;
      }
      w.awaitingBudget = false;
      w.budgetFreed(now);
    }
  }

  /** Queues `w` (once) until room is free. */
  wait(w: BudgetWaiter): void {
    if (w.awaitingBudget) return;
    w.awaitingBudget = true;
    this.waits++;
    this.queue.push(w);
  }

  /** Waits and the peak of calls in flight since the previous call (for the worker's report). */
  takeWaits(): { waits: number; peak: number } {
    const out = { waits: this.waits, peak: this.peak };
    this.waits = 0;
    this.peak = this.inFlight;
    return out;
  }
}
