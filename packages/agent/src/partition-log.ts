// One partition's log: dense offsets, the open segment (rolled by size or age), sealed segments waiting to be
// stored (still served from memory), and the index of stored segments. Uploads run in order, retried with backoff.
import type { Counter } from 'prom-client';
import type { ProduceRecord } from '@loadhouse/core/wire';
import { sleep } from './faults.js';
import type { Faults } from './faults.js';
import { Segment, segmentKey, type ChunkPool } from './segment.js';
import type { ObjectStore } from './storage/object-store.js';

/** A segment in storage: [baseOffset, endOffset). */
export interface StoredSegment {
  baseOffset: number;
  endOffset: number;
  key: string;
  /** When this agent stored it, or found it in storage at start-up (epoch ms): retention counts from here. */
  storedAtMs: number;
}

/** What every partition log of an agent shares. */
export interface LogContext {
  store: ObjectStore;
  faults: Faults;
  segmentMaxBytes: number;
  segmentMaxAgeMs: number;
  sink: boolean;
  uploads: Semaphore;
  chunks: ChunkPool;
  log: (line: string) => void;
}

/** How long a stored segment's memory stays untouched before its chunks are reused: reads in flight finish first. */
const RELEASE_GRACE_MS = 200;

/** A bound on concurrent storage writes across partitions. */
export class Semaphore {
  private free: number;
  private readonly queue: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A sealed segment waiting for storage. Durable producers wait on it; it serves reads until stored. */
class PendingSegment {
  waiters: Waiter[];
  constructor(
    readonly segment: Segment,
    readonly key: string,
    readonly bytes: readonly Buffer[],
    waiters: Waiter[],
  ) {
    this.waiters = waiters;
  }
  settle(err?: unknown): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) err === undefined ? w.resolve() : w.reject(err);
  }
}

/** Linger before a durable produce rolls the open segment, so concurrent durable batches share one upload. */
const DURABLE_LINGER_MS = 5;
const MAX_BACKOFF_MS = 2_000;

export class PartitionLog {
  /** Next offset to assign: the high watermark (records are readable once appended). */
  nextOffset = 0;
  /** Records appended since this agent started (drop-every-N and corrupt-every-N count these). */
  appended = 0;
  /** Batches appended since this agent started (ack-offset-shift-every-N counts these). */
  batches = 0;
  /** Records the lose-tail fault acknowledged beyond the log's end without keeping them. */
  private lostTail = 0;
  readonly stored: StoredSegment[] = [];
  /** Where the last read of this partition ended: a read starting there is sequential. */
  lastReadEnd = -1;
  private open: Segment | undefined;
  private openWaiters: Waiter[] = [];
  private rollTimer: NodeJS.Timeout | undefined;
  private durableTimer: NodeJS.Timeout | undefined;
  private readonly pending: PendingSegment[] = [];
  private uploading: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly orgPrefix: string,
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: LogContext,
    private readonly writes: Counter.Internal,
    private readonly flushes: Counter.Internal,
  ) {}

  /**
   * Appends a batch; returns the first offset to acknowledge: the first one assigned, but one higher for the
   * batches the ack-offset-shift fault picks. Records with no timestamp get `now`.
   * `batchBytes` (record headers, keys, values) decides whether the open segment rolls first.
   */
  append(records: readonly ProduceRecord[], batchBytes: number, now: number): number {
    const n = records.length;
    const tailFrom = this.ctx.faults.current.loseTailFrom;
    if (tailFrom > 0 && this.appended + 1 >= tailFrom) {
      // A lost tail, as after a crash that lost unflushed data: acknowledged at offsets past the log's end, never
      // kept, and the log's end (the high watermark consumers read to) does not move.
      const at = this.nextOffset + this.lostTail;
      this.lostTail += n;
      this.appended += n;
      this.batches++;
      return at;
    }
    const first = this.nextOffset;
    const shiftEvery = this.ctx.faults.current.ackOffsetShiftEvery;
    this.batches++;
    const acked = shiftEvery > 0 && this.batches % shiftEvery === 0 ? first + 1 : first;
    if (this.ctx.sink) {
      this.nextOffset += n;
      this.appended += n;
      return acked;
    }
    let seg = this.open;
    if (seg && seg.bodyBytes + batchBytes > this.ctx.segmentMaxBytes) {
      this.roll();
      seg = undefined;
    }
    if (!seg) seg = this.openSegment();
    seg.reserve(n);
    const { dropEvery, corruptEvery } = this.ctx.faults.current;
    let offset = first;
    for (let i = 0; i < n; i++, offset++) {
      const r = records[i]!;
      this.appended++;
      if (dropEvery > 0 && this.appended % dropEvery === 0) continue;
      const value = corruptEvery > 0 && this.appended % corruptEvery === 0 ? flipLastByte(r.value) : r.value;
      seg.append(offset, r.timestamp || now, r.key, value);
    }
    this.nextOffset = offset;
    seg.endOffset = offset;
    this.writes.inc();
    return acked;
  }

  private openSegment(): Segment {
    const seg = new Segment(this.nextOffset, this.ctx.chunks);
    this.open = seg;
    this.rollTimer = setTimeout(() => this.roll(), this.ctx.segmentMaxAgeMs);
    this.rollTimer.unref();
    return seg;
  }

  /**
   * Resolves once the segment holding the records appended last is stored; rejects with the storage error
   * if its first upload attempt fails (the upload is still retried). Call right after append().
   */
  durable(): Promise<void> {
    if (this.ctx.sink || !this.open) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    if (!this.durableTimer) {
      this.durableTimer = setTimeout(() => this.roll(), DURABLE_LINGER_MS);
    }
    return p;
  }

  /** Seals the open segment and queues it for storage. */
  roll(): void {
    clearTimeout(this.rollTimer);
    clearTimeout(this.durableTimer);
    this.rollTimer = undefined;
    this.durableTimer = undefined;
    const seg = this.open;
    if (!seg) return;
    this.open = undefined;
    const bytes = seg.seal();
    const key = segmentKey(this.orgPrefix, this.topic, this.partition, seg.baseOffset);
    this.pending.push(new PendingSegment(seg, key, bytes, this.openWaiters));
    this.openWaiters = [];
    if (!this.uploading) this.uploading = this.uploadLoop();
  }

  private async uploadLoop(): Promise<void> {
    let attempt = 0;
    while (!this.closed && this.pending.length > 0) {
      const p = this.pending[0]!;
      await this.ctx.uploads.acquire();
      let failed: unknown;
      try {
        await this.ctx.store.put(p.key, p.bytes);
      } catch (err) {
        failed = err;
      } finally {
        this.ctx.uploads.release();
      }
      if (this.closed) break;
      if (failed !== undefined) {
        // Durable producers hear about the failure now; the buffered records stay in memory and are retried.
        p.settle(failed);
        attempt++;
        if (attempt === 1 || attempt % 20 === 0)
          this.ctx.log(`segment ${p.key}: store failed (attempt ${attempt}), retrying: ${(failed as Error).message}`);
        await sleep(Math.min(MAX_BACKOFF_MS, 25 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2));
        continue;
      }
      attempt = 0;
      this.pending.shift();
      this.stored.push({ baseOffset: p.segment.baseOffset, endOffset: p.segment.endOffset, key: p.key, storedAtMs: Date.now() });
      this.flushes.inc();
      p.settle();
      setTimeout(() => p.segment.release(), RELEASE_GRACE_MS).unref();
    }
    this.uploading = undefined;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }

  /** Rolls the open segment and resolves once everything appended so far is stored (or the log is closed). */
  flush(): Promise<void> {
    this.roll();
    if (!this.uploading && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Closes the log and waits for an upload attempt under way, so nothing is written after this resolves. */
  async shutdown(reason: Error): Promise<void> {
    const loop = this.uploading;
    this.close(reason);
    await loop;
  }

  /**
   * Takes the stored segments stored before `cutoffMs` out of the index, oldest first, and returns them for
   * deletion. Reads of their offsets then start at the oldest record kept. The newest segment stays while
   * nothing newer is in memory, so a partition never empties and a consumer can always read to its end.
   */
  expire(cutoffMs: number): StoredSegment[] {
    const keep = this.open === undefined && this.pending.length === 0 ? 1 : 0;
    let n = 0;
    while (n < this.stored.length - keep && this.stored[n]!.storedAtMs < cutoffMs) n++;
    return n === 0 ? [] : this.stored.splice(0, n);
  }

  /** Index in `stored` of the stored segment starting at `baseOffset`, or -1 (not stored, or expired). */
  storedIndex(baseOffset: number): number {
    const i = this.storedFloor(baseOffset);
    return i >= 0 && this.stored[i]!.baseOffset === baseOffset ? i : -1;
  }

  /** Index of the last stored segment with baseOffset <= `offset`, or -1 when the offset is older than all. */
  private storedFloor(offset: number): number {
    let lo = 0;
    let hi = this.stored.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.stored[mid]!.baseOffset <= offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  /** Segments not yet stored. */
  get unstoredSegments(): number {
    return this.pending.length + (this.open ? 1 : 0);
  }

  /**
   * The source holding `offset`: an in-memory segment (open or waiting for storage), the index of a stored
   * segment, or undefined when nothing at or after `offset` is readable.
   */
  locate(offset: number): Segment | number | undefined {
    if (offset >= this.nextOffset) return undefined;
    if (this.open && offset >= this.open.baseOffset) return this.open;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const seg = this.pending[i]!.segment;
      if (offset >= seg.baseOffset) return offset < seg.endOffset ? seg : undefined;
    }
    const stored = this.stored;
    // Nothing stored (yet, or any more after retention): the oldest segment still in memory.
    if (stored.length === 0) return this.pending.length > 0 ? this.pending[0]!.segment : this.open;
    // Last stored segment with baseOffset <= offset (or the first one, when the offset is older than all).
    return Math.max(0, this.storedFloor(offset));
  }

  /** Stops timers and uploads; waiters of unstored segments are failed with `reason`. */
  close(reason: Error): void {
    this.closed = true;
    clearTimeout(this.rollTimer);
    clearTimeout(this.durableTimer);
    for (const w of this.openWaiters) w.reject(reason);
    this.openWaiters = [];
    for (const p of this.pending) p.settle(reason);
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }
}

/** A copy of `value` with its last byte inverted (the fault that stores other bytes than were acked). */
function flipLastByte(value: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(value);
  if (copy.length > 0) copy[copy.length - 1]! ^= 0xff;
  return copy;
}
