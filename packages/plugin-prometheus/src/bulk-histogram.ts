// A Prometheus histogram that takes whole intervals of bucket counts at once. prom-client's Histogram only
// observes one value at a time, and loadhouse never does per-record work on the main thread, so this small
// metric type keeps cumulative bucket/sum/count per label set and hands them to prom-client's registry.
import type { Registry } from 'prom-client';
import type { BucketDelta } from './buckets.js';

interface Series {
  labels: Record<string, string>;
  /** Non-cumulative, bounds.length + 1 entries (the last is +Inf). */
  counts: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export interface BulkHistogramOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  buckets: readonly number[];
  registers?: Registry[];
}

export class BulkHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(options: BulkHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.buckets = [...options.buckets].sort((a, b) => a - b);
    if (this.labelNames.includes('le')) throw new Error('"le" is reserved for histogram buckets');
    for (const registry of options.registers ?? []) registry.registerMetric(this as never);
  }

  /** Adds one interval's bucket counts to the series of `labels`. */
  add(labels: Record<string, string>, delta: BucketDelta): void {
    if (delta.counts.length !== this.buckets.length + 1) {
      throw new Error(`${this.name}: expected ${this.buckets.length + 1} bucket counts, got ${delta.counts.length}`);
    }
    const key = this.key(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: this.pick(labels), counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < s.counts.length; i++) s.counts[i]! += delta.counts[i]!;
    s.sum += delta.sum;
    s.count += delta.count;
  }

  /** Cumulative bucket counts (per bound, without +Inf), sum and count of one series, if it exists. */
  snapshot(labels: Record<string, string>): { cumulative: number[]; sum: number; count: number } | undefined {
    const s = this.series.get(this.key(labels));
    if (!s) return undefined;
    const cumulative: number[] = [];
    let running = 0;
    for (let i = 0; i < this.buckets.length; i++) cumulative.push((running += s.counts[i]!));
    return { cumulative, sum: s.sum, count: s.count };
  }

  remove(labels: Record<string, string>): void {
    this.series.delete(this.key(labels));
  }

  reset(): void {
    this.series.clear();
  }

  /** The shape prom-client's Registry reads (`metric.get()`), the same as its own Histogram returns. */
  get(): { name: string; help: string; type: 'histogram'; values: MetricValue[]; aggregator: 'sum' } {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let running = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        running += s.counts[i]!;
        values.push({ value: running, labels: { ...s.labels, le: this.buckets[i]! }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: s.count, labels: { ...s.labels, le: '+Inf' }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: s.labels, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: s.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }

  private pick(labels: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of this.labelNames) {
      const v = labels[name];
      if (v !== undefined) out[name] = v;
    }
    return out;
  }

  private key(labels: Record<string, string>): string {
    return this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
  }
}
