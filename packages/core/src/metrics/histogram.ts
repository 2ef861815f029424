// HDR histogram helpers shared by workers, the aggregator and `loadhouse merge`: values are microseconds,
// 3 significant digits, WASM when initialised in the thread. Encoded histograms merge exactly.
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../types.js';
import { round3 } from '../util.js';

export type Histogram = hdr.Histogram;

let wasmReady = false;
let wasmInit: Promise<void> | undefined;

/**
 * Loads the WASM histogram implementation in this thread (once). Every thread that records or merges
 * must await it before creating histograms; without it the helpers fall back to the slower JS mode.
 */
export function initHistograms(): Promise<void> {
  wasmInit ??= hdr.initWebAssembly().then(() => {
    wasmReady = true;
  });
  return wasmInit;
}

/** A new empty histogram of microsecond values. Call `destroy()` when done (WASM memory is not collected). */
export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000, // one hour in µs; autoResize grows it if ever needed
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: wasmReady,
  });
}

/** Records a duration given in milliseconds (negative clock noise is clamped to 0). */
export function recordMs(h: Histogram, ms: number, count = 1): void {
  const us = ms > 0 ? Math.round(ms * 1000) : 0;
  if (count === 1) h.recordValue(us);
  else h.recordValueWithCount(us, count);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes a compressed base64 histogram in the same mode (WASM or JS) the helpers create, so it can be added. */
export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, wasmReady);
}

/** Adds an encoded histogram into `target` exactly. */
export function addEncoded(target: Histogram, encoded: string): void {
  const h = decodeHistogram(encoded);
  try {
    target.add(h);
  } finally {
    h.destroy();
  }
}

/** Merges encoded histograms (e.g. from several shards) into one encoded histogram. */
export function mergeEncodedHistograms(encoded: readonly string[]): string {
  const total = createHistogram();
  try {
    for (const e of encoded) addEncoded(total, e);
    return encodeHistogram(total);
  } finally {
    total.destroy();
  }
}

export function emptyLatencySummary(): LatencySummary {
  return { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
}

/** Percentiles in milliseconds (µs precision) of a histogram of microsecond values. */
export function summarizeHistogram(h: Histogram | null | undefined): LatencySummary {
  if (!h || h.totalCount === 0) return emptyLatencySummary();
  return {
    p50: h.getValueAtPercentile(50) / 1000,
    p95: h.getValueAtPercentile(95) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
    // The bucket-based max (not the exact recorded one, which encoding does not keep), so a summary is the
    // same whether the histogram was merged or not.
    max: h.getValueAtPercentile(100) / 1000,
    mean: round3(h.mean / 1000),
    count: h.totalCount,
  };
}

/** Percentiles in milliseconds of an encoded histogram. */
export function summarizeEncoded(encoded: string | null | undefined): LatencySummary {
  if (!encoded) return emptyLatencySummary();
  const h = decodeHistogram(encoded);
  try {
    return summarizeHistogram(h);
  } finally {
    h.destroy();
  }
}
