import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addEncoded,
  compressEncoded,
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  encodeHistogramBytes,
  initHistograms,
  mergeEncodedHistograms,
  recordMs,
  summarizeEncoded,
  summarizeHistogram,
} from './histogram.js';

/** Deterministic, heavy-tailed latencies in ms (a seeded LCG), different per stream. */
function latencies(seed: number, n: number): number[] {
  let x = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const u = x / 2 ** 32;
    out.push(0.2 + -Math.log(1 - u) * 8 + (i % 997 === 0 ? 900 * u : 0));
  }
  return out;
}

// A worker thread that records its stream in a WASM histogram and sends it back encoded, as load workers do.
const hdrPath = createRequire(import.meta.url).resolve('hdr-histogram-js');
const workerCode = `
const { parentPort, workerData } = require('node:worker_threads');
const hdr = require(${JSON.stringify(hdrPath)});
hdr.initWebAssembly().then(() => {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3600000000, numberOfSignificantValueDigits: 3, autoResize: true, useWebAssembly: true });
  for (const ms of workerData.values) h.recordValue(Math.round(ms * 1000));
  parentPort.postMessage(hdr.encodeIntoCompressedBase64(h));
  h.destroy();
});
`;

function recordInThread(values: number[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerCode, { eval: true, workerData: { values } });
    w.once('message', (m: string) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('histogram merge exactness', () => {
  beforeAll(() => initHistograms());

  it('histograms recorded in several threads, encoded, decoded and added equal one histogram fed every value', async () => {
    const streams = [latencies(1, 20_000), latencies(2, 35_000), latencies(3, 5_000)];
    const encoded = await Promise.all(streams.map((s) => recordInThread(s)));

    const single = createHistogram();
    for (const s of streams) for (const v of s) recordMs(single, v);
    const merged = createHistogram();
    for (const e of encoded) addEncoded(merged, e);

    expect(merged.totalCount).toBe(60_000);
    for (const p of [50, 90, 95, 99, 99.9, 99.99, 100]) {
      expect(merged.getValueAtPercentile(p)).toBe(single.getValueAtPercentile(p));
    }
    expect(summarizeHistogram(merged)).toEqual(summarizeHistogram(single));
    // The same through the helper `loadhouse merge` uses.
    expect(summarizeEncoded(mergeEncodedHistograms(encoded))).toEqual(summarizeHistogram(single));
    single.destroy();
    merged.destroy();
  });

  it('merging is order-independent and re-encoding is lossless', () => {
    const parts = [latencies(7, 3000), latencies(8, 3000), latencies(9, 3000)].map((vals) => {
      const h = createHistogram();
      for (const v of vals) recordMs(h, v);
      const e = encodeHistogram(h);
      h.destroy();
      return e;
    });
    const a = mergeEncodedHistograms(parts);
    const b = mergeEncodedHistograms([...parts].reverse());
    expect(summarizeEncoded(a)).toEqual(summarizeEncoded(b));
    const round = decodeHistogram(a);
    expect(summarizeEncoded(encodeHistogram(round))).toEqual(summarizeEncoded(a));
    round.destroy();
  });

  it('the uncompressed encoding workers post decodes to the same histogram and compresses to the result form', () => {
    const h = createHistogram();
    for (const v of latencies(11, 20_000)) recordMs(h, v);
    const bytes = encodeHistogramBytes(h);
    expect(compressEncoded(bytes)).toBe(encodeHistogram(h));
    const back = decodeHistogram(bytes);
    expect(back.totalCount).toBe(20_000);
    expect(summarizeHistogram(back)).toEqual(summarizeHistogram(h));
    const merged = createHistogram();
    addEncoded(merged, bytes);
    addEncoded(merged, encodeHistogram(h));
    expect(merged.totalCount).toBe(40_000);
    expect(merged.getValueAtPercentile(99)).toBe(h.getValueAtPercentile(99));
    for (const x of [h, back, merged]) x.destroy();
  });

  it('summaries are in milliseconds with microsecond precision, and empty when nothing was recorded', () => {
    const h = createHistogram();
    recordMs(h, 20.5);
    recordMs(h, -1); // clock noise clamps to 0
    const s = summarizeHistogram(h);
    expect(s.count).toBe(2);
    expect(s.max).toBeGreaterThanOrEqual(20.5);
    expect(s.max).toBeLessThan(20.53); // 3 significant digits
    expect(summarizeHistogram(null)).toEqual({ p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 });
    h.destroy();
  });
});
