import { beforeAll, describe, expect, it } from 'vitest';
import { isLoadhouseError } from '../errors.js';
import { createHistogram, emptyLatencySummary, encodeHistogram, initHistograms, recordMs, summarizeHistogram } from './histogram.js';
import {
  CONSUMER_HISTOGRAMS,
  CONSUMER_LATENCIES,
  emptySummaries,
  HistogramSet,
  HISTOGRAMS,
  latencyName,
  PRODUCER_HISTOGRAMS,
  RESULT_HISTOGRAMS,
  type ProducerHistogram,
} from './histogram-set.js';

/** Deterministic, heavy-tailed latencies in ms (a seeded LCG). */
function latencies(seed: number, n: number): number[] {
  let x = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(0.05 + -Math.log(1 - x / 2 ** 32) * 6 + (i % 499 === 0 ? 700 : 0));
  }
  return out;
}

function fill(set: HistogramSet<ProducerHistogram>, seed: number, n: number): void {
  const v = latencies(seed, n);
  for (let i = 0; i < n; i++) {
    set.record(HISTOGRAMS.producer.response, v[i]!);
    set.record(HISTOGRAMS.producer.service, v[i]! / 2, 3);
    if (i % 2 === 0) set.record(HISTOGRAMS.producer.scheduleLag, v[i]! / 10);
  }
}

describe('HistogramSet', () => {
  beforeAll(() => initHistograms());

  it('names its keys once: the producer, consumer and result key lists and their latency names', () => {
    expect(PRODUCER_HISTOGRAMS).toEqual(['producer.response', 'producer.service', 'producer.scheduleLag']);
    expect(CONSUMER_HISTOGRAMS).toEqual(['consumer.poll', 'consumer.endToEnd', 'consumer.commit']);
    expect(CONSUMER_LATENCIES).toEqual(['consumer.poll', 'consumer.endToEnd']);
    expect(RESULT_HISTOGRAMS).toEqual([...PRODUCER_HISTOGRAMS, ...CONSUMER_HISTOGRAMS]);
    expect(RESULT_HISTOGRAMS.map(latencyName)).toEqual(['response', 'service', 'scheduleLag', 'poll', 'endToEnd', 'commit']);
  });

  it('merges exactly: parts encoded, decoded and added equal one set fed every value', () => {
    const parts = [1, 2, 3].map((seed) => {
      const s = new HistogramSet(PRODUCER_HISTOGRAMS);
      fill(s, seed, 4000 * seed);
      return s;
    });
    const whole = new HistogramSet(PRODUCER_HISTOGRAMS);
    for (const seed of [1, 2, 3]) fill(whole, seed, 4000 * seed);

    const decoded = HistogramSet.decode(
      PRODUCER_HISTOGRAMS,
      parts.map((p) => p.encode()),
    );
    const added = new HistogramSet(PRODUCER_HISTOGRAMS);
    for (const p of parts) added.add(p);
    try {
      expect(decoded.encode()).toEqual(whole.encode());
      expect(added.encode()).toEqual(whole.encode());
      expect(decoded.summarize()).toEqual(whole.summarize());
      expect(decoded.summarize().response.count).toBe(24_000);
      expect(decoded.summarize().service.count).toBe(72_000);
      expect(decoded.summarize().scheduleLag.count).toBe(12_000);
      // Order does not matter.
      const reversed = HistogramSet.decode(
        PRODUCER_HISTOGRAMS,
        [...parts].reverse().map((p) => p.encode()),
      );
      expect(reversed.encode()).toEqual(decoded.encode());
      reversed.destroy();
    } finally {
      for (const s of [...parts, whole, decoded, added]) s.destroy();
    }
  });

  it('round-trips through encode and decode, and records like the single-histogram helpers', () => {
    const set = new HistogramSet(CONSUMER_HISTOGRAMS);
    const single = createHistogram();
    try {
      for (const ms of latencies(7, 5000)) {
        set.record(HISTOGRAMS.consumer.endToEnd, ms);
        recordMs(single, ms);
      }
      const encoded = set.encode();
      // Only keys that recorded anything are encoded by default.
      expect(Object.keys(encoded)).toEqual([HISTOGRAMS.consumer.endToEnd]);
      expect(encoded[HISTOGRAMS.consumer.endToEnd]).toBe(encodeHistogram(single));
      const back = HistogramSet.decode(CONSUMER_HISTOGRAMS, [encoded]);
      expect(back.encode()).toEqual(encoded);
      expect(back.summarize()).toEqual({
        poll: emptyLatencySummary(),
        endToEnd: summarizeHistogram(single),
        commit: emptyLatencySummary(),
      });
      // Asked for, an empty key is encoded too.
      expect(Object.keys(back.encode(CONSUMER_HISTOGRAMS))).toEqual([...CONSUMER_HISTOGRAMS]);
      back.destroy();
    } finally {
      set.destroy();
      single.destroy();
    }
  });

  it('summarizes a subset of keys by latency name, and resets every key', () => {
    const set = new HistogramSet(RESULT_HISTOGRAMS);
    try {
      set.record(HISTOGRAMS.producer.response, 2);
      set.record(HISTOGRAMS.consumer.poll, 1.5, 5);
      expect(set.summarize(CONSUMER_LATENCIES)).toEqual({
        poll: { p50: 1.5, p95: 1.5, p99: 1.5, p999: 1.5, max: 1.5, mean: 1.5, count: 5 },
        endToEnd: emptyLatencySummary(),
      });
      expect(set.summarize(PRODUCER_HISTOGRAMS).response.count).toBe(1);
      expect(Object.keys(set.summarize())).toEqual(['response', 'service', 'scheduleLag', 'poll', 'endToEnd', 'commit']);
      set.reset();
      expect(set.summarize()).toEqual(emptySummaries(RESULT_HISTOGRAMS));
      expect(set.encode()).toEqual({});
    } finally {
      set.destroy();
    }
  });

  it('refuses a key outside the set, naming it, and adds nothing', () => {
    const source = new HistogramSet(RESULT_HISTOGRAMS);
    const target = new HistogramSet(PRODUCER_HISTOGRAMS);
    try {
      source.record(HISTOGRAMS.producer.response, 1);
      source.record(HISTOGRAMS.consumer.poll, 1);
      const encoded = source.encode();
      let thrown: unknown;
      try {
        target.addEncoded(encoded);
      } catch (err) {
        thrown = err;
      }
      expect(isLoadhouseError(thrown) && thrown.code).toBe('LH_RESULT_INVALID');
      expect((thrown as Error).message).toContain('"consumer.poll"');
      expect(target.summarize().response.count).toBe(0);
      expect(() => HistogramSet.decode(PRODUCER_HISTOGRAMS, [{ 'producer.latency': encoded[HISTOGRAMS.producer.response]! }])).toThrow(
        /"producer\.latency", which is not one of producer\.response, producer\.service, producer\.scheduleLag/,
      );
      expect(() => target.get('consumer.poll' as ProducerHistogram)).toThrow(/"consumer\.poll"/);
    } finally {
      source.destroy();
      target.destroy();
    }
  });
});
