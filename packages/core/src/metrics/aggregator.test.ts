// The aggregator fed synthetic worker reports: windows, totals, phases, lag and integrity add up exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerCounterSet,
  type ConsumerReport,
  type CounterSet,
  emptyConsumerCounters,
  emptyCounters,
  type IntegrityTally,
  type ProducerReport,
  type WorkerReport,
} from '../worker/protocol.js';
import { Aggregator, producerTotals } from './aggregator.js';
import { createHistogram, encodeHistogramBytes, initHistograms, recordMs } from './histogram.js';

beforeAll(() => initHistograms());

function encoded(valuesMs: number[]): Uint8Array | undefined {
  if (valuesMs.length === 0) return undefined;
  const h = createHistogram();
  for (const v of valuesMs) recordMs(h, v);
  const e = encodeHistogramBytes(h);
  h.destroy();
  return e;
}

const counters = (o: Partial<CounterSet>): CounterSet => ({ ...emptyCounters(), ...o });
const consumerCounters = (o: Partial<ConsumerCounterSet>): ConsumerCounterSet => ({ ...emptyConsumerCounters(), ...o });

function producer(window: Partial<CounterSet>, measured: Partial<CounterSet> | 'same', responseMs: number[] = []): ProducerReport {
  const histograms = { 'producer.response': encoded(responseMs), 'producer.service': encoded(responseMs) };
  return {
    window: counters(window),
    measured: counters(measured === 'same' ? window : measured),
    histograms,
    measuredHistograms: measured === 'same' ? ('window' as const) : {},
    inFlightBatches: 2,
    backlog: 5,
  };
}

function consumer(window: Partial<ConsumerCounterSet>, extra: Partial<ConsumerReport> = {}): ConsumerReport {
  return {
    window: consumerCounters(window),
    measured: consumerCounters(window),
    histograms: { 'consumer.poll': encoded([2, 4]) },
    measuredHistograms: 'window',
    lag: [],
    integrity: [],
    ...extra,
  };
}

const report = (p: ProducerReport | null, c: ConsumerReport | null = null, utilization = 0.5): WorkerReport => ({
  producer: p,
  consumer: c,
  health: { eventLoopDelayP99Ms: 3, utilization },
});

const tally = (missing: number, checked: number): IntegrityTally => ({
  checked,
  missing,
  duplicates: 0,
  corrupted: 0,
  reordered: 0,
  examples: [],
  mergedGaps: 0,
});

describe('Aggregator', () => {
  it('adds two workers into one window, exactly, and starts the next window empty', () => {
    const agg = new Aggregator();
    try {
      agg.onReport(
        0,
        report(producer({ scheduled: 600, sent: 500, acked: 480, failed: 20, bytes: 48_000, batches: 5 }, 'same', [1, 2, 3])),
      );
      agg.onReport(
        1,
        report(producer({ scheduled: 400, sent: 400, acked: 400, bytes: 40_000, batches: 4, errorsByCode: {} }, 'same', [10]), null, 0.9),
      );
      const { producer: p, health, histograms } = agg.cut(2, 500);
      expect(p).toMatchObject({ scheduled: 1000, sent: 900, acked: 880, failed: 20, bytes: 88_000, batches: 9, targetRate: 500 });
      expect(p.msgsPerSec).toBe(440);
      expect(p.meanBatchSize).toBe(100);
      expect(p.inFlightBatches).toBe(4);
      expect(p.backlog).toBe(10);
      expect(p.latency.response.count).toBe(4);
      expect(health).toEqual({ workerLoopDelayMaxMs: 3, workerUtilizationMax: 0.9 });
      expect(Object.keys(histograms).sort()).toEqual(['producer.response', 'producer.service']);
      const next = agg.cut(1, 500).producer;
      expect(next).toMatchObject({ scheduled: 0, acked: 0, msgsPerSec: 0 });
      expect(next.latency.response.count).toBe(0);
      // Totals keep everything measured; `all` keeps warm-up too.
      expect(agg.measured).toMatchObject({ scheduled: 1000, acked: 880, failed: 20 });
    } finally {
      agg.destroy();
    }
  });

  it('keeps warm-up records out of the totals but in the window, and a late report lands in the next window', () => {
    const agg = new Aggregator();
    try {
      // 300 records in the window, 100 of them intended after warm-up.
      agg.onReport(0, report(producer({ scheduled: 300, sent: 300, acked: 300 }, { scheduled: 100, sent: 100, acked: 100 }, [1])));
      expect(agg.cut(1, 300).producer.acked).toBe(300);
      agg.onReport(0, report(producer({ scheduled: 50, sent: 50, acked: 50, failed: 0 }, 'same')));
      expect(agg.cut(1, 300).producer.acked).toBe(50);
      expect(agg.measured.acked).toBe(150);
      expect(agg.all.acked).toBe(350);
      expect(agg.cumulativeHistograms().get('producer.response').totalCount).toBe(0);
    } finally {
      agg.destroy();
    }
  });

  it('takes lag as a gauge and integrity as the latest tally of each worker and group', () => {
    const agg = new Aggregator();
    try {
      agg.onReport(
        0,
        report(
          null,
          consumer(
            { consumed: 100, polls: 10 },
            { lag: [{ groupId: 1, partition: 0, lag: 40 }], integrity: [{ groupId: 1, tally: tally(3, 100) }] },
          ),
        ),
      );
      agg.onReport(
        1,
        report(
          null,
          consumer(
            { consumed: 50, polls: 5 },
            { lag: [{ groupId: 1, partition: 1, lag: 10 }], integrity: [{ groupId: 1, tally: tally(1, 50) }] },
          ),
        ),
      );
      // Worker 0 reports again: its lag and tally replace the earlier ones.
      agg.onReport(
        0,
        report(
          null,
          consumer(
            { consumed: 20, polls: 2 },
            { lag: [{ groupId: 1, partition: 0, lag: 5 }], integrity: [{ groupId: 1, tally: tally(2, 120) }] },
          ),
        ),
      );
      const { consumer: c } = agg.cut(2, 0);
      expect(c).toMatchObject({ consumed: 170, polls: 17, msgsPerSec: 85, lag: 15, lagByPartition: { 0: 5, 1: 10 } });
      expect(c.latency.poll.count).toBe(6);
      expect(agg.hasConsumers).toBe(true);
      expect(agg.integritySums()).toMatchObject({ checked: 170, missing: 3 });
    } finally {
      agg.destroy();
    }
  });

  it('gives an open phase every window cut while it is open, and nothing after it closed', () => {
    const agg = new Aggregator();
    try {
      agg.onReport(0, report(producer({ scheduled: 10, sent: 10, acked: 10 }, 'same', [1])));
      agg.cut(1, 10);
      const ph = agg.openPhase('ramp', 1000);
      agg.onReport(0, report(producer({ scheduled: 20, sent: 20, acked: 20 }, 'same', [1, 2])));
      agg.cut(1, 20);
      agg.onReport(0, report(producer({ scheduled: 30, sent: 30, acked: 30 }, 'same', [1, 2, 3])));
      agg.cut(1, 30);
      const closed = agg.closePhase(ph);
      agg.onReport(0, report(producer({ scheduled: 40, sent: 40, acked: 40 }, 'same')));
      agg.cut(1, 40);
      expect(closed.counters).toMatchObject({ scheduled: 50, acked: 50 });
      expect(closed.histograms.get('producer.response').totalCount).toBe(5);
      closed.histograms.destroy();
      closed.consumerHistograms.destroy();
    } finally {
      agg.destroy();
    }
  });

  it('totals: records acked in the drain lengthen the time instead of inflating the rate', () => {
    const c = counters({ scheduled: 10_000, sent: 10_000, acked: 9_000, failed: 1_000, bytes: 9_000 * 1024 * 1024, batches: 100 });
    // Asked for 1,000/s during 10 s; the last record was acked 2.5 s after the stop.
    const t = producerTotals(c, null, 10, 10_000, 12.5);
    expect(t).toMatchObject({ targetRate: 1000, msgsPerSec: 720, mbPerSec: 720, activeSeconds: 10, errorRatePercent: 10, errors: 1000 });
    expect(t.rateErrorPercent).toBeCloseTo(28, 10);
    expect(t.meanBatchSize).toBe(100);
  });
});

describe('driver group rebalances', () => {
  it('gathers the durations workers report into a count, a median and a maximum; nothing without any', () => {
    const agg = new Aggregator();
    agg.onReport(0, report(null));
    expect(agg.driverMetrics()).toEqual({});
    agg.onReport(0, { ...report(null), rebalanceMs: [40, 12.34] });
    agg.onReport(1, { ...report(null), rebalanceMs: [300] });
    expect(agg.driverMetrics()).toEqual({
      'driver.groupRebalances': 3,
      'driver.groupRebalanceP50Ms': 40,
      'driver.groupRebalanceMaxMs': 300,
    });
  });
});
