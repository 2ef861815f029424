// The latency distribution: a percentile spectrum read from an encoded cumulative HDR histogram, plotted
// like HdrHistogram's own plots against 1/(1-p), so each extra "nine" gets the same width.
import { decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Percentiles always listed in the spectrum table (those the histogram has enough records for). */
export const KEY_PERCENTILES = [0, 50, 75, 90, 95, 99, 99.9, 99.99, 99.999, 99.9999, 100];

export interface SpectrumPoint {
  percentile: number;
  /** 1/(1-p); for 100 %, one decade past the deepest finite percentile. */
  x: number;
  /** Value at the percentile in milliseconds (histograms hold microseconds). */
  valueMs: number;
}

export interface Spectrum {
  count: number;
  /** Dense points for the curve, key percentiles included, ascending. */
  points: SpectrumPoint[];
  /** The key percentiles alone, for the table. */
  keyPoints: SpectrumPoint[];
  /** Decades on the x axis: ticks at 10^0 .. 10^decades, the last one being 100 % (the max). */
  decades: number;
}

/** Decodes one encoded histogram; undefined when absent or not a histogram (the chart is then omitted). */
export function decodeHistogram(encoded: string | undefined): Histogram | undefined {
  if (typeof encoded !== 'string' || encoded.length === 0) return undefined;
  try {
    // 64-bit counts: a long run can put more than 2^31 records in one bucket. JS mode: no WASM to set up here.
    return decodeFromCompressedBase64(encoded, 64, false);
  } catch {
    return undefined;
  }
}

/** How many nines the spectrum goes to: as deep as the record count supports (1 - 1/count), at most six. */
export function ninesFor(count: number): number {
  return Math.min(6, Math.max(1, Math.log10(count)));
}

/**
 * Values at a dense set of percentiles. `nines` forces the depth, so several histograms share one x grid
 * (the deepest of them); by default it follows the record count.
 */
export function percentileSpectrum(histogram: Histogram, nines = ninesFor(histogram.totalCount)): Spectrum | undefined {
  const count = histogram.totalCount;
  if (!count) return undefined;
  const decades = Math.floor(nines + 1e-9) + 1;
  const at = (percentile: number): SpectrumPoint => ({
    percentile,
    x: percentile >= 100 ? 10 ** decades : 1 / (1 - percentile / 100),
    valueMs: histogram.getValueAtPercentile(percentile) / 1000,
  });
  const wanted = new Set<number>();
  // 20 points per decade make a smooth curve; percentiles rounded so floating noise does not add duplicates.
  for (let n = 0; n <= nines + 1e-9; n += 0.05) wanted.add(Number((100 * (1 - 10 ** -n)).toFixed(8)));
  const keys = KEY_PERCENTILES.filter((p) => p === 100 || p <= 100 * (1 - 10 ** -nines) + 1e-9);
  for (const p of keys) wanted.add(p);
  const points = [...wanted].sort((a, b) => a - b).map(at);
  return { count, points, keyPoints: keys.map(at), decades };
}

/** The tick label of decade `k` on the spectrum's x axis: 0 %, 90 %, 99 %, 99.9 %, …, and 100 % at the end. */
export function decadeLabel(k: number, decades: number): string {
  if (k >= decades) return '100%';
  if (k === 0) return '0%';
  return `${(100 * (1 - 10 ** -k)).toFixed(Math.max(0, k - 2))}%`;
}
