import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  encodeHistogramBytes,
  initHistograms,
  summarizeHistogram,
  toMicros,
} from './histogram.js';
import { HISTOGRAMS, HistogramSet, PRODUCER_HISTOGRAMS } from './histogram-set.js';
import { HistogramTally, TALLY_LIMIT, tallyIndex, tallyValue } from './tally.js';

/** Deterministic microsecond values over every magnitude a tally takes, edges included (xorshift). */
function values(n: number): number[] {
  let x = 0x2545f491;
  const out = [0, 1, 2047, 2048, 2049, 4095, 4096, 1_000_000, TALLY_LIMIT - 1, TALLY_LIMIT, TALLY_LIMIT + 12_345, 3_599_999_999];
  while (out.length < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const magnitude = (x >>> 0) % 32; // 2^0 .. 2^31
    const r = ((x >>> 5) & 0xffffff) / 0x1000000;
    out.push(Math.floor(r * 2 ** magnitude));
  }
  return out;
}

describe('histogram tally', () => {
  it("indexes values as the histogram's own buckets do: the value of an index falls back into it", () => {
    const wrong: number[] = [];
    for (const v of values(50_000)) {
      if (v >= TALLY_LIMIT) continue;
      const i = tallyIndex(v);
      const low = tallyValue(i);
      // The bucket's lowest value is at most v, within 3 significant digits of it, and indexes the same bucket.
      if (tallyIndex(low) !== i || low > v || v - low > v / 1024) wrong.push(v);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("counts a batch's elapsed times as toMicros and record() one by one do, split at the warm-up's end", async () => {
    await initHistograms();
    const hs = Array.from({ length: 4 }, () => createHistogram());
    const [oneByOne, oneByOneWarm, batched, batchedWarm] = hs.map((h) => new HistogramTally(h)) as [
      HistogramTally,
      HistogramTally,
      HistogramTally,
      HistogramTally,
    ];
    try {
      const vs = values(50_000);
      const times = new Float64Array(100);
      let expected = 0;
      let got = 0;
      for (let b = 0; b * 100 < vs.length; b++) {
        const now = 1_700_000_000_000 + b * 0.37;
        const n = Math.min(100, vs.length - b * 100);
        // Batches all measured, all warm-up, and split (records over a second old are warm-up ones).
        const warmupEnd = b % 3 === 0 ? Number.NEGATIVE_INFINITY : b % 3 === 1 ? now + 1 : now - 1_000;
        for (let j = 0; j < n; j++) {
          // Fractions of a microsecond, now and then a time after `now` (clock noise: counted as 0) or an hour ago.
          const us = j % 50 === 10 ? 3_599_999_999 : vs[b * 100 + j]!;
          times[j] = j % 17 === 3 ? now + 0.25 : now - (us + (j % 3) * 0.3) / 1000;
          const t = times[j]!;
          if (t >= warmupEnd) expected++;
          (t >= warmupEnd ? oneByOne : oneByOneWarm).record(toMicros(now - t));
        }
        got += batched.countSince(times, n, now, warmupEnd, batchedWarm);
      }
      expect(got).toBe(expected);
      expect([batched.counted, batchedWarm.counted]).toEqual([oneByOne.counted, oneByOneWarm.counted]);
      for (const t of [oneByOne, oneByOneWarm, batched, batchedWarm]) t.flush();
      expect(encodeHistogram(hs[2]!)).toBe(encodeHistogram(hs[0]!));
      expect(encodeHistogram(hs[3]!)).toBe(encodeHistogram(hs[1]!));
      // Every kind of value reached both sides: over the tally's limit, zero, and ordinary ones.
      for (const h of [hs[0]!, hs[1]!]) {
        expect(h.maxValue).toBeGreaterThanOrEqual(TALLY_LIMIT);
        expect(h.minNonZeroValue).toBeLessThan(1_000);
      }
    } finally {
      for (const h of hs) h.destroy();
    }
  });

  for (const wasm of [false, true]) {
    it(`gives the histogram exactly what recording one by one gives (${wasm ? 'WebAssembly' : 'JS'} mode)`, async () => {
      if (wasm) await initHistograms();
      const direct = createHistogram();
      const tallied = createHistogram();
      const tally = new HistogramTally(tallied);
      try {
        const vs = values(200_000);
        for (const v of vs) direct.recordValue(v);
        // Two flushes, as two reports would: the counts add up across them.
        for (const v of vs.slice(0, 70_000)) tally.record(v);
        tally.flush();
        for (const v of vs.slice(70_000)) tally.record(v);
        tally.flush();
        expect(encodeHistogram(tallied)).toBe(encodeHistogram(direct));
        expect(summarizeHistogram(tallied)).toEqual(summarizeHistogram(direct));
        expect(tallied.totalCount).toBe(vs.length);
      } finally {
        direct.destroy();
        tallied.destroy();
      }
    });
  }

  for (const wasm of [false, true]) {
    it(`encodes its counts into the bytes the flushed histogram encodes to (${wasm ? 'WebAssembly' : 'JS'} mode)`, async () => {
      if (wasm) await initHistograms();
      const h = createHistogram();
      const tally = new HistogramTally(h);
      try {
        // Counts of one byte and of several (LEB128), single zeros, long zero runs, the first and last buckets.
        const vs = values(60_000).filter((v) => v < TALLY_LIMIT);
        for (let i = 0; i < 300; i++) vs.push(1_234, 2_048);
        for (const v of vs) tally.record(v);
        const direct = tally.encode()!;
        expect(direct).toBeInstanceOf(Uint8Array);
        expect(tally.counted).toBe(vs.length); // encoding keeps the counts
        tally.flush();
        expect(Buffer.from(direct).equals(Buffer.from(encodeHistogramBytes(h)))).toBe(true);
        const decoded = decodeHistogram(direct);
        try {
          expect(summarizeHistogram(decoded)).toEqual(summarizeHistogram(h));
        } finally {
          decoded.destroy();
        }
      } finally {
        h.destroy();
      }
    });
  }

  it('leaves the encoding to the histogram when a value went to it directly (or nothing was counted)', () => {
    const h = createHistogram();
    const tally = new HistogramTally(h);
    try {
      expect(Buffer.from(tally.encode()!).equals(Buffer.from(encodeHistogramBytes(h)))).toBe(true);
      tally.record(TALLY_LIMIT + 5);
      tally.record(10);
      expect(tally.encode()).toBeUndefined();
    } finally {
      h.destroy();
    }
  });

  it('discard() forgets what was not flushed', () => {
    const h = createHistogram();
    const tally = new HistogramTally(h);
    try {
      tally.record(5);
      tally.flush();
      tally.record(7_000);
      tally.discard();
      tally.flush();
      expect(h.totalCount).toBe(1);
    } finally {
      h.destroy();
    }
  });

  it("HistogramSet flushes a key's tally on every read, and reset() drops it", async () => {
    await initHistograms();
    const set = new HistogramSet(PRODUCER_HISTOGRAMS);
    const other = new HistogramSet(PRODUCER_HISTOGRAMS);
    try {
      const key = HISTOGRAMS.producer.response;
      const t = set.tally(key);
      expect(set.tally(key)).toBe(t);
      expect(set.has(key)).toBe(false);
      t.record(1_500);
      t.record(2_500);
      expect(set.has(key)).toBe(true);
      expect(set.summarize([key]).response.count).toBe(2);
      t.record(9_000);
      // Encoding, adding into another set and summarizing all see the value recorded after the last read.
      expect(set.encode()[key]).toBe(encodeHistogram(set.get(key)));
      other.add(set);
      expect(other.summarize([key]).response.count).toBe(3);
      // A report's encoding (bytes between threads): from the tally while the histogram holds nothing else.
      set.reset();
      t.record(700);
      t.record(700_000);
      const bytes = set.encodeBytes();
      expect(Object.keys(bytes)).toEqual([key]);
      const back = HistogramSet.decode(PRODUCER_HISTOGRAMS, [bytes]);
      try {
        expect(back.summarize([key]).response).toEqual(set.summarize([key]).response);
        expect(back.summarize([key]).response.count).toBe(2);
      } finally {
        back.destroy();
      }
      t.record(1);
      set.reset();
      expect(set.has(key)).toBe(false);
      expect(set.encode()).toEqual({});
    } finally {
      set.destroy();
      other.destroy();
    }
  });
});
