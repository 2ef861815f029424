// What the producer and consumer metrics of a worker share: counters and histograms split by warm-up, so
// totals can exclude it exactly, and the report that encodes and resets both halves.
import { HistogramSet, type HistogramBytes } from '../metrics/histogram-set.js';

export interface WindowReport<C, K extends string> {
  /** Everything since the previous report. */
  window: C;
  /** The part of `window` after warm-up. */
  measured: C;
  /** Uncompressed (no zlib, no base64): the main thread decodes them at once. */
  histograms: HistogramBytes<K>;
  /** Histograms of the measured part; 'window' when nothing in the window belonged to warm-up. */
  measuredHistograms: HistogramBytes<K> | 'window';
}

export class WarmupMetrics<C, K extends string> {
  /** Events after warm-up. */
  measured: C;
  /** Events of warm-up. */
  warmup: C;
  protected readonly m: HistogramSet<K>;
  protected readonly w: HistogramSet<K>;
  private sawWarmup = false;

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

  /** Encodes and resets everything recorded since the previous report. */
  protected take(): WindowReport<C, K> {
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
    return { window, measured, histograms, measuredHistograms };
  }

  destroy(): void {
    this.m.destroy();
    this.w.destroy();
  }
}
