import { describe, expect, it } from 'vitest';
import hdr from 'hdr-histogram-js';
import {
  LATENCY_BUCKETS_SECONDS,
  bucketIndex,
  bucketsFromConstant,
  bucketsFromEncodedHdr,
  bucketsFromSummary,
  cumulate,
  histogramQuantile,
} from './buckets.js';

const B = LATENCY_BUCKETS_SECONDS;

describe('bucket arithmetic', () => {
  it('places values by upper bound (le is inclusive)', () => {
    expect(bucketIndex(B, 0.0001)).toBe(0);
    expect(bucketIndex(B, 0.0005)).toBe(0);
    expect(bucketIndex(B, 0.00051)).toBe(1);
    expect(bucketIndex(B, 10)).toBe(B.length - 1);
    expect(bucketIndex(B, 11)).toBe(B.length);
  });

  it('histogramQuantile interpolates like Prometheus', () => {
    // 10 in (0, 1], 10 in (1, 2]: the median is at the top of the first bucket, p75 halfway into the second.
    expect(histogramQuantile(0.5, [1, 2], [10, 20], 20)).toBe(1);
    expect(histogramQuantile(0.75, [1, 2], [10, 20], 20)).toBe(1.5);
    expect(histogramQuantile(0.99, [1, 2], [10, 20], 30)).toBe(2); // rank in +Inf: highest finite bound
    expect(histogramQuantile(0.5, [1, 2], [0, 0], 0)).toBeNaN();
  });

  it('approximates interval buckets from a percentile summary, keeping each quantile in its bucket', () => {
    const summary = { p50: 2.2, p95: 6, p99: 9, p999: 40, max: 120, mean: 2.6, count: 10_000 };
    const d = bucketsFromSummary(B, summary);
    expect(d.count).toBe(10_000);
    expect(d.counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(d.counts.every((c) => c >= 0 && Number.isInteger(c))).toBe(true);
    expect(d.sum).toBeCloseTo(26, 6); // mean x count, in seconds
    const cum = cumulate(d.counts, B);
    const p99 = histogramQuantile(0.99, B, cum, d.count) * 1000;
    const p50 = histogramQuantile(0.5, B, cum, d.count) * 1000;
    // Linear CDF between summary points and linear interpolation inside buckets meet at the named quantiles.
    expect(p99).toBeGreaterThan(7.5);
    expect(p99).toBeLessThanOrEqual(10);
    expect(p50).toBeGreaterThan(2);
    expect(p50).toBeLessThanOrEqual(3);
  });

  it('an empty summary contributes nothing', () => {
    const d = bucketsFromSummary(B, { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 });
    expect(d).toEqual({ counts: new Array(B.length + 1).fill(0), sum: 0, count: 0 });
  });

  it('decodes an encoded HDR histogram (microseconds) into exact bucket counts', () => {
    const h = hdr.build({ useWebAssembly: false, numberOfSignificantValueDigits: 3 });
    h.recordValueWithCount(1_200, 900); // 1.2 ms
    h.recordValueWithCount(8_000, 90); // 8 ms
    h.recordValueWithCount(2_000_000, 10); // 2 s
    const d = bucketsFromEncodedHdr(B, hdr.encodeIntoCompressedBase64(h));
    expect(d.count).toBe(1000);
    expect(d.counts[bucketIndex(B, 0.0012)]).toBe(900);
    expect(d.counts[bucketIndex(B, 0.008)]).toBe(90);
    expect(d.counts[bucketIndex(B, 2)]).toBe(10);
    expect(d.sum).toBeCloseTo(900 * 0.0012 + 90 * 0.008 + 10 * 2, 1);
  });

  it('constant observations land in one bucket', () => {
    const d = bucketsFromConstant([1, 10, 100], 50, 7);
    expect(d.counts).toEqual([0, 0, 7, 0]);
    expect(d.sum).toBe(350);
  });
});
