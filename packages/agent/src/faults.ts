// Runtime fault state: produce latency, the stall window, storage errors and latency, record drops, memory growth.
import { performance } from 'node:perf_hooks';
import { MAX_TIMER_MS } from '@loadhouse/core';
import { MEMORY_GROWTH_MAX_MIB, resolveFaults, type AgentFaults, type ResolvedFaults } from './options.js';

const MiB = 1024 * 1024;
/** The memory-growth fault allocates this often: a steady slope to the resource monitor and the scrapes. */
const GROWTH_TICK_MS = 100;

export class Faults {
  current: ResolvedFaults;
  /** performance.now() of the first produce request; the stall window is measured from it. */
  private firstProduceAt: number | undefined;
  /** What the memory-growth fault keeps, and its timer. */
  private leaked: Buffer[] = [];
  private leakedBytes = 0;
  private growth: NodeJS.Timeout | undefined;
  /** performance.now() at which the capacity fault's single server is free again. */
  private capacityFreeAt = 0;
  /** ProduceBatch calls stored while loseAckEvery was on. */
  private storedBatches = 0;
  /** CommitOffset calls while commitDropEvery was on. */
  private commits = 0;

  constructor(initial: ResolvedFaults) {
    this.current = initial;
  }

  set(partial: AgentFaults): void {
    this.current = resolveFaults(partial, this.current);
    if (this.current.memoryGrowthMibPerSecond === 0) this.stopGrowth();
    else if (this.firstProduceAt !== undefined) this.startGrowth();
  }

  /** Stops the memory growth and frees what it kept (on `set` to 0, and when the agent stops). */
  stopGrowth(): void {
    if (this.growth) clearInterval(this.growth);
    this.growth = undefined;
    this.leaked = [];
    this.leakedBytes = 0;
  }

  private startGrowth(): void {
    if (this.growth) return;
    this.growth = setInterval(() => {
      const bytes = Math.round((this.current.memoryGrowthMibPerSecond * MiB * GROWTH_TICK_MS) / 1000);
      if (bytes <= 0 || this.leakedBytes + bytes > MEMORY_GROWTH_MAX_MIB * MiB) return;
      // Filled, not just allocated: untouched pages would not count in the RSS.
      this.leaked.push(Buffer.alloc(bytes, 1));
      this.leakedBytes += bytes;
    }, GROWTH_TICK_MS).unref();
  }

  /**
   * Milliseconds to hold a produce call of `records` records that arrives now (0: serve at once). Notes the
   * first produce request.
   */
  produceDelayMs(records = 1): number {
    const now = performance.now();
    if (this.firstProduceAt === undefined) {
      this.firstProduceAt = now;
      if (this.current.memoryGrowthMibPerSecond > 0) this.startGrowth();
    }
    const f = this.current;
    let delay = 0;
    const [lo, hi] = f.produceLatencyMs;
    if (hi > 0) delay = lo + Math.random() * (hi - lo);
    if (f.stall) {
      const t = (now - this.firstProduceAt) / 1000;
      if (t >= f.stall[0] && t < f.stall[1]) delay += this.firstProduceAt + f.stall[1] * 1000 - now;
    }
    if (f.capacity > 0) {
      // One FIFO server: a call waits for every record queued before it, then for its own service time.
      this.capacityFreeAt = Math.max(now, this.capacityFreeAt) + (records / f.capacity) * 1000;
      delay = Math.max(delay, this.capacityFreeAt - now);
    }
    return delay;
  }

  /** True when the ack of the batch just stored is to be lost (every loseAckEvery-th stored ProduceBatch). */
  loseAck(): boolean {
    const n = this.current.loseAckEvery;
    if (n <= 0) return false;
    this.storedBatches++;
    return this.storedBatches % n === 0;
  }

  /** True when a producer's `nth` CommitTransaction (1, 2, ...) is to be answered success with its records discarded. */
  loseCommit(nth: number): boolean {
    const from = this.current.loseCommitsFrom;
    return from > 0 && nth >= from;
  }

  /** True when a producer's `nth` AbortTransaction (1, 2, ...) is to be answered success with its records appended. */
  exposeAbort(nth: number): boolean {
    const from = this.current.exposeAbortsFrom;
    return from > 0 && nth >= from;
  }

  /** True when the CommitOffset just received is to be acknowledged but not stored (every commitDropEvery-th). */
  dropCommit(): boolean {
    const n = this.current.commitDropEvery;
    if (n <= 0) return false;
    this.commits++;
    return this.commits % n === 0;
  }

  /** True when this storage request should fail with an injected 503 SlowDown. */
  storageFails(): boolean {
    const r = this.current.s3ErrorRate;
    return r > 0 && (r >= 1 || Math.random() < r);
  }
}

/**
 * Calls `fn` no earlier than `ms` from now: setTimeout may fire up to a millisecond early against the monotonic
 * clock, and holds at most MAX_TIMER_MS (a longer delay fires at once), so long waits go in chunks.
 */
export function after(ms: number, fn: () => void): void {
  const until = performance.now() + ms;
  const tick = (): void => {
    const left = until - performance.now();
    if (left > 0) setTimeout(tick, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(left)))).unref();
    else fn();
  };
  // Unref'd: a held call must not keep a stopped agent's process alive (the servers keep a running one alive).
  setTimeout(tick, Math.min(MAX_TIMER_MS, Math.ceil(ms))).unref();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => after(ms, resolve));
}
