// What the producer and consumer metrics of a worker share: counters and histograms split by warm-up, so
// totals can exclude it exactly, and the report that encodes and resets both halves.
import { HistogramSet, type HistogramBytes } from '../metrics/histogram-set.js';
import type { TopicCounts } from './protocol.js';

export interface WindowReport<C, K extends string> {
  /** Everything since the previous report. */
  window: C;
  /** The part of `window` after warm-up. */
  measured: C;
  /** Uncompressed (no zlib, no base64): the main thread decodes them at once. */
  histograms: HistogramBytes<K>;
  /** Histograms of the measured part; 'window' when nothing in the window belonged to warm-up. */
  measuredHistograms: HistogramBytes<K> | 'window';
  /** `measured` split by topic, for the topics whose shares counted anything; absent when none did. */
  byTopic?: TopicCounts<C>[];
}

/** Zeroes a counter set in place (references to it stay valid): numbers to 0, maps (errorsByCode) emptied. */
function zero<C>(c: C): void {
  const r = c as Record<string, unknown>;
  for (const [k, v] of Object.entries(r)) r[k] = typeof v === 'number' ? 0 : {};
}

function counted<C>(c: C): boolean {
  return Object.values(c as Record<string, unknown>).some((v) => (typeof v === 'number' ? v !== 0 : Object.keys(v as object).length > 0));
}

/**
 * One topic's counts inside a worker's metrics (many-topic runs): members of that topic count here, their
 * latencies go to the worker's histograms, and each report folds the shares into the worker's counters.
 */
export class TopicShare<C> {
  readonly measured: C;
  readonly warmup: C;

  constructor(
    readonly topic: string,
    empty: () => C,
    private readonly owner: { markWarmup(): void },
  ) {
    this.measured = empty();
    this.warmup = empty();
  }

  counters(isMeasured: boolean): C {
    if (isMeasured) return this.measured;
    this.owner.markWarmup();
    return this.warmup;
  }
}

export class WarmupMetrics<C, K extends string> {
  /** Events after warm-up. */
  measured: C;
  /** Events of warm-up. */
  warmup: C;
  protected readonly m: HistogramSet<K>;
  protected readonly w: HistogramSet<K>;
  private sawWarmup = false;
  private readonly shares = new Map<string, TopicShare<C>>();

  constructor(
    keys: readonly K[],
    private readonly emptyCounters: () => C,
    private readonly addCounters: (into: C, from: C) => void,
  ) {
    this.measured = emptyCounters();
    this.warmup = emptyCounters();
    this.m = new HistogramSet(keys);
    this.w = new HistogramSet(keys);
  }

  counters(isMeasured: boolean): C {
    if (isMeasured) return this.measured;
    this.sawWarmup = true;
    return this.warmup;
  }

  markWarmup(): void {
    this.sawWarmup = true;
  }

  /** The share of `topic`, made on first use; `make` builds it (a subclass adds its recording methods). */
  protected topicShare<S extends TopicShare<C>>(topic: string, make: () => S): S {
    let share = this.shares.get(topic);
    if (!share) this.shares.set(topic, (share = make()));
    return share as S;
  }

  /** Adds every topic share into the worker's counters and zeroes it; returns the measured part by topic. */
  private foldShares(): TopicCounts<C>[] {
    const out: TopicCounts<C>[] = [];
    for (const share of this.shares.values()) {
      if (counted(share.measured)) {
        const measured = this.emptyCounters();
        this.addCounters(measured, share.measured);
        out.push({ topic: share.topic, measured });
        this.addCounters(this.measured, share.measured);
        zero(share.measured);
      }
      if (counted(share.warmup)) {
        this.addCounters(this.warmup, share.warmup);
        zero(share.warmup);
      }
    }
    return out;
  }

  /** Encodes and resets everything recorded since the previous report. */
  protected take(): WindowReport<C, K> {
    const byTopic = this.foldShares();
    const window = this.emptyCounters();
    this.addCounters(window, this.measured);
    this.addCounters(window, this.warmup);
    const measured = this.measured;
    let histograms: HistogramBytes<K>;
    let measuredHistograms: HistogramBytes<K> | 'window';
    // A warm-up latency comes with a warm-up count, but the histograms are checked too: nothing recorded is lost.
    if (!this.sawWarmup && !this.w.keys.some((k) => this.w.has(k))) {
      histograms = this.m.encodeBytes();
      measuredHistograms = 'window';
    } else {
      measuredHistograms = this.m.encodeBytes();
      this.m.add(this.w);
      histograms = this.m.encodeBytes();
    }
    this.m.reset();
    this.w.reset();
    this.measured = this.emptyCounters();
    this.warmup = this.emptyCounters();
    this.sawWarmup = false;
    return { window, measured, histograms, measuredHistograms, ...(byTopic.length > 0 ? { byTopic } : {}) };
  }

  destroy(): void {
    this.m.destroy();
    this.w.destroy();
  }
}
