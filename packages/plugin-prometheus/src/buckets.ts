// Bucket arithmetic: Prometheus bucket bounds, bucket counts of one interval from an encoded HDR histogram
// or from a percentile summary, and histogram_quantile() as Prometheus computes it.
import hdr from 'hdr-histogram-js';
import type { LatencySummary } from '@loadhouse/core';

/**
 * Latency bucket upper bounds in seconds, 0.5 ms … 10 s. Adjacent bounds differ by at most 1.5x (2x at
 * the ends) so histogram_quantile(), which interpolates linearly inside a bucket, stays within one
 * bucket of the true value where load-test latencies live (1 ms - 1 s).
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
  0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
];

/** Records per ProduceBatch: 1 … 10000. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/** One interval's worth of observations, already bucketed. */
export interface BucketDelta {
  /** Non-cumulative counts: `counts[i]` falls in (bounds[i-1], bounds[i]]; the last entry is above the last bound (+Inf). */
  counts: number[];
  /** Sum of the observed values, in the bucket unit. */
  sum: number;
  count: number;
}

/** Index of the first bound >= value, or bounds.length for the +Inf bucket. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid]! >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** All observations at one value (e.g. every batch of the interval at its mean size). */
export function bucketsFromConstant(bounds: readonly number[], value: number, count: number): BucketDelta {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  if (count > 0) counts[bucketIndex(bounds, value)] = count;
  return { counts, sum: value * count, count };
}

/**
 * Approximates an interval's bucket counts from its percentile summary (milliseconds) when the sample carries
 * no encoded histogram: a piecewise-linear CDF through (0, 0), (p50, .5), (p95, .95), (p99, .99), (p99.9, .999),
 * (max, 1). Each quantile the summary names lands in the right bucket, so histogram_quantile() of those
 * quantiles stays within its bucket; the shape below p50 is a guess (linear from zero).
 */
export function bucketsFromSummary(bounds: readonly number[], summary: LatencySummary, scale = 1 / 1000): BucketDelta {
  const count = Math.max(0, Math.round(summary.count));
  const counts = new Array<number>(bounds.length + 1).fill(0);
  if (count === 0) return { counts, sum: 0, count: 0 };
  const points: Array<[number, number]> = [[0, 0]];
  const push = (v: number, q: number): void => {
    if (!Number.isFinite(v)) return;
    const x = Math.max(v * scale, points[points.length - 1]![0]);
    points.push([x, q]);
  };
  push(summary.p50, 0.5);
  push(summary.p95, 0.95);
  push(summary.p99, 0.99);
  push(summary.p999, 0.999);
  push(summary.max, 1);
  const cdf = (x: number): number => {
    for (let i = 1; i < points.length; i++) {
      const [x1, q1] = points[i]!;
      if (x < x1) {
        const [x0, q0] = points[i - 1]!;
        return x1 === x0 ? q1 : q0 + ((q1 - q0) * (x - x0)) / (x1 - x0);
      }
    }
    return 1;
  };
  let previous = 0;
  for (let i = 0; i < bounds.length; i++) {
    // Integer, non-decreasing cumulative counts: rounding a monotone function keeps it monotone.
    const cumulative = Math.min(count, Math.round(count * cdf(bounds[i]!)));
    counts[i] = cumulative - previous;
    previous = cumulative;
  }
  counts[bounds.length] = count - previous;
  return { counts, sum: summary.mean * scale * count, count };
}

/**
 * Exact bucket counts from an encoded (compressed base64) HDR histogram. `scale` converts recorded values to
 * the bucket unit (loadhouse records microseconds; buckets are seconds: 1e-6).
 */
export function bucketsFromEncodedHdr(bounds: readonly number[], encoded: string, scale = 1e-6): BucketDelta {
  const histogram = hdr.decodeFromCompressedBase64(encoded, 32, false) as InstanceType<typeof hdr.JsHistogram>;
  const counts = new Array<number>(bounds.length + 1).fill(0);
  const iterator = histogram.recordedValuesIterator;
  iterator.reset();
  while (iterator.hasNext()) {
    const v = iterator.next();
    // An HDR bucket covers [lowestEquivalent, highestEquivalent]; its low end decides which Prometheus bucket it counts in.
    const value = histogram.lowestEquivalentValue(v.valueIteratedTo) * scale;
    counts[bucketIndex(bounds, value)]! += v.countAtValueIteratedTo;
  }
  const count = histogram.totalCount;
  return { counts, sum: histogram.mean * scale * count, count };
}

/** Adds `b` into `a` (same bounds). */
export function addBuckets(a: BucketDelta, b: BucketDelta): void {
  for (let i = 0; i < a.counts.length; i++) a.counts[i]! += b.counts[i] ?? 0;
  a.sum += b.sum;
  a.count += b.count;
}

/**
 * histogram_quantile() as Prometheus computes it: linear interpolation inside the bucket that holds the rank;
 * the lowest bucket starts at 0; a rank in +Inf returns the highest finite bound. NaN when there is no observation.
 * `cumulative[i]` is the count of observations <= bounds[i]; `total` includes the +Inf bucket.
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[], total: number): number {
  if (!(total > 0) || bounds.length === 0) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const rank = q * total;
  let i = 0;
  while (i < bounds.length && cumulative[i]! < rank) i++;
  if (i === bounds.length) return bounds[bounds.length - 1]!;
  const upper = bounds[i]!;
  const lower = i === 0 ? 0 : bounds[i - 1]!;
  const below = i === 0 ? 0 : cumulative[i - 1]!;
  const inBucket = cumulative[i]! - below;
  if (inBucket <= 0) return upper;
  return lower + ((upper - lower) * (rank - below)) / inBucket;
}

/** Cumulative counts from non-cumulative ones (dropping the +Inf entry). */
export function cumulate(counts: readonly number[], bounds: readonly number[]): number[] {
  const out: number[] = [];
  let running = 0;
  for (let i = 0; i < bounds.length; i++) {
    running += counts[i] ?? 0;
    out.push(running);
  }
  return out;
}
