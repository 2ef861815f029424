import { describe, expect, it } from 'vitest';
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { distributionChart } from './distribution.js';
import { KEY_PERCENTILES, decadeLabel, decodeHistogram, percentileSpectrum } from './spectrum.js';
import { makeResult } from '@loadhouse/core/testing';

function encoded(values: number[]): string {
  const h = build();
  for (const v of values) h.recordValue(v);
  return encodeIntoCompressedBase64(h);
}

describe('percentile spectrum', () => {
  it('equals the histogram’s own value at every key percentile, in milliseconds', () => {
    // 1..20000 µs plus a long tail: 20,100 records, so the spectrum goes four nines deep.
    const values = Array.from({ length: 20_000 }, (_, i) => i + 1).concat(Array.from({ length: 100 }, (_, i) => 50_000 + i * 1000));
    const h = decodeHistogram(encoded(values))!;
    expect(h.totalCount).toBe(20_100);
    const s = percentileSpectrum(h)!;
    expect(s.keyPoints.map((p) => p.percentile)).toEqual([0, 50, 75, 90, 95, 99, 99.9, 99.99, 100]);
    for (const p of s.keyPoints) expect(p.valueMs).toBe(h.getValueAtPercentile(p.percentile) / 1000);
    expect(s.keyPoints.at(-1)!.valueMs).toBeCloseTo(149, 0); // the max, 149 ms
    expect(s.keyPoints.find((p) => p.percentile === 50)!.valueMs).toBeCloseTo(10.05, 1);
  });

  it('plots against 1/(1-p): one decade per nine, 100 % one decade past the deepest nine', () => {
    const h = decodeHistogram(encoded(Array.from({ length: 1500 }, (_, i) => 100 + i)))!;
    const s = percentileSpectrum(h)!;
    expect(s.decades).toBe(4); // 1500 records support 99.9 %; the max sits at 10^4
    const at = (p: number) => s.points.find((x) => x.percentile === p)!;
    expect(at(0).x).toBe(1);
    expect(at(90).x).toBeCloseTo(10, 9);
    expect(at(99.9).x).toBeCloseTo(1000, 6);
    expect(at(100).x).toBe(10_000);
    for (let i = 1; i < s.points.length; i++) {
      expect(s.points[i]!.x).toBeGreaterThan(s.points[i - 1]!.x);
      expect(s.points[i]!.valueMs).toBeGreaterThanOrEqual(s.points[i - 1]!.valueMs);
    }
    expect([0, 1, 2, 3, 4].map((k) => decadeLabel(k, 4))).toEqual(['0%', '90%', '99%', '99.9%', '100%']);
  });

  it('the chart data of the fixture’s producer.response equals its decoded histogram', () => {
    const result = makeResult();
    const d = distributionChart(result, 'latency-distribution', 't', [
      { key: 'producer.response', label: 'response', color: '#000' },
      { key: 'producer.service', label: 'service', color: '#111' },
    ])!;
    const response = decodeHistogram(result.histograms['producer.response'])!;
    const service = decodeHistogram(result.histograms['producer.service'])!;
    const [xs, ys, ss] = d.chart.data as [number[], number[], number[]];
    expect(d.spectra[0]!.spectrum.keyPoints.map((p) => p.percentile)).toEqual(KEY_PERCENTILES.filter((p) => p <= 99.99 || p === 100));
    for (const p of d.spectra[0]!.spectrum.keyPoints) {
      const i = d.spectra[0]!.spectrum.points.findIndex((q) => q.percentile === p.percentile);
      expect(xs[i]).toBeCloseTo(p.x, 3);
      expect(ys[i]).toBeCloseTo(response.getValueAtPercentile(p.percentile) / 1000, 6);
      expect(ss[i]).toBeCloseTo(service.getValueAtPercentile(p.percentile) / 1000, 6);
    }
    expect(xs.at(-1)).toBe(10 ** d.chart.decades!); // 100 % (the max) closes the curve
  });

  it('treats a missing or undecodable histogram as absent', () => {
    expect(decodeHistogram(undefined)).toBeUndefined();
    expect(decodeHistogram('')).toBeUndefined();
    expect(decodeHistogram('not a histogram')).toBeUndefined();
    expect(percentileSpectrum(build())).toBeUndefined();
  });
});
