import { beforeAll, describe, expect, it } from 'vitest';
import { HistogramSet, HISTOGRAMS, CONSUMER_HISTOGRAMS, PRODUCER_HISTOGRAMS, type ResultHistogram } from '../metrics/histogram-set.js';
import { initHistograms } from '../metrics/histogram.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { ProducerMetrics } from './producer-metrics.js';

const counts = (encoded: Record<string, Uint8Array> | 'window', keys: readonly ResultHistogram[] = PRODUCER_HISTOGRAMS) => {
  if (encoded === 'window') return 'window';
  const set = HistogramSet.decode(keys, [encoded]);
  const out = Object.fromEntries(Object.entries(set.summarize()).map(([k, s]) => [k, s.count]));
  set.destroy();
  return out;
};

describe('worker metrics split by warm-up', () => {
  beforeAll(() => initHistograms());

  it('reports the window and its measured part apart once warm-up records were seen, then starts afresh', () => {
    const m = new ProducerMetrics(true);
    try {
      m.response(false, 5);
      m.counters(false).acked += 1;
      m.response(true, 7);
      m.response(true, 8);
      m.service(true, 2, 10);
      m.measured.acked += 2;
      m.fail(true, 'UNAVAILABLE', 3);
      const r = m.report(4, 9);
      expect(r.window).toMatchObject({ acked: 3, failed: 3, errorsByCode: { UNAVAILABLE: 3 } });
      expect(r.measured).toMatchObject({ acked: 2, failed: 3 });
      expect(counts(r.histograms)).toEqual({ response: 3, service: 10, scheduleLag: 0 });
      expect(counts(r.measuredHistograms)).toEqual({ response: 2, service: 10, scheduleLag: 0 });
      // Only what recorded anything is encoded.
      expect(Object.keys(r.histograms)).toEqual([HISTOGRAMS.producer.response, HISTOGRAMS.producer.service]);
      expect(r).toMatchObject({ inFlightBatches: 4, backlog: 9 });

      // Reset: a window with no warm-up record says its measured part is the window itself.
      m.scheduleLag(true, 1);
      const next = m.report(0, 0);
      expect(next.measuredHistograms).toBe('window');
      expect(counts(next.histograms)).toEqual({ response: 0, service: 0, scheduleLag: 1 });
      expect(next.window.acked).toBe(0);
    } finally {
      m.destroy();
    }
  });

  it('splits consumer polls and end-to-end latencies the same way', () => {
    const m = new ConsumerMetrics();
    try {
      m.poll(false, 1);
      m.endToEnd(false, 3);
      m.endToEnd(true, 4);
      m.error(true, 'DEADLINE_EXCEEDED');
      const r = m.report([], []);
      expect(counts(r.histograms, CONSUMER_HISTOGRAMS)).toEqual({ poll: 1, endToEnd: 2, commit: 0 });
      expect(counts(r.measuredHistograms, CONSUMER_HISTOGRAMS)).toEqual({ poll: 0, endToEnd: 1, commit: 0 });
      expect(r.measured.errorsByCode).toEqual({ DEADLINE_EXCEEDED: 1 });
    } finally {
      m.destroy();
    }
  });
});
