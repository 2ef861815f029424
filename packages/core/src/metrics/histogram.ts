// HDR histogram helpers shared by workers, the aggregator and `loadhouse merge`: values are microseconds,
// 3 significant digits, WASM when initialised in the thread. Encoded histograms merge exactly.
import { deflateSync, inflateSync } from 'node:zlib';
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

/** A duration in milliseconds as the whole microseconds histograms hold (negative clock noise is clamped to 0). */
export function toMicros(ms: number): number {
  return ms > 0 ? Math.round(ms * 1000) : 0;
}

/** Records a duration given in milliseconds (negative clock noise is clamped to 0). */
export function recordMs(h: Histogram, ms: number, count = 1): void {
  const us = toMicros(ms);
  if (count === 1) h.recordValue(us);
  else h.recordValueWithCount(us, count);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/**
 * The histogram's uncompressed V2 encoding: what workers post to the main thread, where neither zlib nor
 * base64 earns its cost (results keep the compressed base64 form).
 */
export function encodeHistogramBytes(h: Histogram): Uint8Array {
  if (h instanceof hdr.WasmHistogram) return h.encode();
  // The JS mode (WASM not initialised in this thread) only has the compressed encoder.
  return inflateSync(Buffer.from(encodeHistogram(h), 'base64').subarray(8));
}

// The compressed form is the V2 compressed cookie, the deflated length and the deflated uncompressed encoding.
const COMPRESSED_COOKIE = 0x1c849304 | 0x10;

/** The compressed base64 form (what `encodeHistogram` returns) of an uncompressed encoding. */
export function compressEncoded(bytes: Uint8Array): string {
  const deflated = deflateSync(bytes);
  const out = Buffer.allocUnsafe(8 + deflated.length);
  out.writeInt32BE(COMPRESSED_COOKIE, 0);
  out.writeInt32BE(deflated.length, 4);
  deflated.copy(out, 8);
  return out.toString('base64');
}

/**
 * Decodes a histogram, compressed base64 or uncompressed bytes, in the same mode (WASM or JS) the helpers
 * create, so it can be added.
 */
export function decodeHistogram(encoded: string | Uint8Array): Histogram {
  if (typeof encoded === 'string') return hdr.decodeFromCompressedBase64(encoded, 32, wasmReady);
  // The JS mode (WASM not initialised in this thread) only has the compressed decoder.
  return wasmReady ? hdr.WasmHistogram.decode(encoded, 32) : hdr.decodeFromCompressedBase64(compressEncoded(encoded), 32, false);
}

/** Adds an encoded histogram (either form) into `target` exactly. */
export function addEncoded(target: Histogram, encoded: string | Uint8Array): void {
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
