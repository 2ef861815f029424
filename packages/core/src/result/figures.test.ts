// One definition per derived figure: what docs/measuring.md#rates says, and the same in a run's result and in
// a merge of it (merging one shard gives its figures and verdicts back, exactly).
import { beforeAll, describe, expect, it } from 'vitest';
import { LiveCriteria, resolveMetric } from '../criteria.js';
import { Aggregator } from '../metrics/aggregator.js';
import { createHistogram, encodeHistogramBytes, initHistograms, recordMs } from '../metrics/histogram.js';
import { makeResult } from '../testing/result.js';
import type { Criterion, LoadTestResult, Sample } from '../types.js';
import { emptyConsumerCounters, emptyCounters, type WorkerReport } from '../worker/protocol.js';
import { buildResult, judge, phaseResult } from './build.js';
import {
  achievedSeconds,
  errorRatePercent,
  mbPerSecond,
  meanBatchSize,
  perSecond,
  rateErrorPercent,
  sideBySide,
  targetRate,
} from './figures.js';
import { mergeResults } from './merge.js';

beforeAll(() => initHistograms());

describe('derived figures', () => {
  it('are the documented ones', () => {
    expect(perSecond(1500, 3)).toBe(500);
    expect(perSecond(1500, 0)).toBe(0);
    expect(mbPerSecond(3 * 1024 * 1024, 2)).toBe(1.5);
    expect(achievedSeconds(10, 13)).toBe(13);
    expect(achievedSeconds(10, 9.5)).toBe(10);
    expect(targetRate(10_000, 10)).toBe(1000);
    expect(rateErrorPercent(900, 1000)).toBeCloseTo(10, 10);
    expect(rateErrorPercent(1100, 1000)).toBeCloseTo(10, 10);
    expect(rateErrorPercent(5, 0)).toBe(0);
    expect(errorRatePercent(5, 200)).toBe(2.5);
    expect(errorRatePercent(5, 0)).toBe(0);
    expect(meanBatchSize(1000, 8)).toBe(125);
    expect(meanBatchSize(0, 0)).toBe(0);
    expect(sideBySide([1000, 2000.5])).toBe(3000.5);
    expect(sideBySide([123.456])).toBe(123.456);
  });
});

function encoded(valuesMs: number[]): Uint8Array {
  const h = createHistogram();
  for (const v of valuesMs) recordMs(h, v);
  const e = encodeHistogramBytes(h);
  h.destroy();
  return e;
}

const CRITERIA: Criterion[] = [
  { metric: 'producer.rateErrorPercent', op: '<=', value: 5 },
  { metric: 'producer.msgsPerSec', op: '>=', value: 500 },
  { metric: 'producer.errorRatePercent', op: '<', value: 1 },
  { metric: 'producer.latency.p99', op: '<', value: 50 },
  { metric: 'consumer.msgsPerSec', op: '>', value: 100 },
];

/**
 * A shard's result built the way a run builds it: 10,000 records asked for at 1,000/s over 10 s, the last
 * acked 3 s after the stop (busy 13 s > active 10 s), a target-outage window that violated the rate criterion.
 */
function shardResult(): LoadTestResult {
  const agg = new Aggregator();
  try {
    const counters = { ...emptyCounters(), scheduled: 10_000, sent: 10_000, acked: 9_990, failed: 10, bytes: 9_990 * 512, batches: 100 };
    const consumed = { ...emptyConsumerCounters(), consumed: 9_990, bytes: 9_990 * 512, polls: 400, emptyPolls: 3 };
    const latencies = encoded([1, 2, 3, 5, 8, 13, 21, 34]);
    const report: WorkerReport = {
      producer: {
        window: counters,
        measured: counters,
        histograms: { 'producer.response': latencies, 'producer.service': latencies, 'producer.scheduleLag': encoded([0.1, 0.2]) },
        measuredHistograms: 'window',
        inFlightBatches: 0,
        backlog: 0,
      },
      consumer: {
        window: consumed,
        measured: consumed,
        histograms: { 'consumer.poll': encoded([1, 1, 2]), 'consumer.endToEnd': encoded([4, 6]) },
        measuredHistograms: 'window',
        lag: [{ groupId: 2, partition: 0, lag: 0 }],
        integrity: [
          { groupId: 2, tally: { checked: 9_990, missing: 0, duplicates: 0, reordered: 0, corrupted: 0, examples: [], mergedGaps: 0 } },
        ],
      },
      health: { eventLoopDelayP99Ms: 1, utilization: 0.2 },
    };
    const ph = agg.openPhase('steady', Date.parse('2026-01-01T00:00:01Z'));
    agg.onReport(0, report);
    agg.cut(13, 1000);
    const phase = phaseResult({
      acc: agg.closePhase(ph),
      elapsedSeconds: 1,
      durationSeconds: 13,
      producer: { activeSeconds: 10, busySeconds: 13, requested: 10_000 },
      consumerActiveSeconds: 13.2,
    });
    const live = new LiveCriteria(() => CRITERIA);
    live.noteOutage({ elapsedSeconds: 6, intervalSeconds: 1, producer: { msgsPerSec: 0, targetRate: 1000 } } as unknown as Sample);
    // A real run's config and environment sections (the merge validates its inputs against the schema).
    const shape = makeResult();
    const result = buildResult({
      ending: { state: 'completed', endReason: 'completed', message: 'The scenario finished.' },
      partial: false,
      scenario: 'one-shard',
      startedAt: new Date('2026-01-01T00:00:00Z'),
      elapsedMs: 14_500,
      opts: { warmupSeconds: 0, shard: null, runId: undefined, labels: {} },
      config: { ...shape.config, scenario: 'one-shard', criteria: CRITERIA },
      environment: shape.environment,
      producer: { counters: agg.measured, histograms: agg.cumulativeHistograms(), activeSeconds: 10, busySeconds: 13, requested: 10_000 },
      consumer: {
        counters: agg.consumerMeasured,
        histograms: agg.cumulativeConsumerHistograms(),
        activeSeconds: 13.2,
        lag: { max: 120, final: 0 },
        idleConsumers: 0,
      },
      integrity: { sums: agg.integritySums(), failed: agg.all.failed, readToEnd: true },
      phases: [phase],
      metrics: {},
      metricNotes: {},
      scenarioResults: {},
      series: [],
      seriesStride: 1,
      histograms: agg.encodedCumulative(),
      generator: { saturatedWindows: 0, totalWindows: 13, warnings: [], maxEventLoopDelayMs: { main: 1, workers: 1 }, maxCpuPercent: 20 },
      peaks: { maxLoopMain: 1, maxLoopWorkers: 1, maxCpu: 20, cores: 2 },
      target: undefined,
      errors: [],
      outages: { windows: 1, seconds: 1, spans: [{ fromSeconds: 5, toSeconds: 6 }] },
      resultPath: undefined,
    });
    result.criteria = judge(result, CRITERIA, (c) => live.outageFailure(c));
    // As `loadhouse merge` reads it: from a file.
    return JSON.parse(JSON.stringify(result)) as LoadTestResult;
  } finally {
    agg.destroy();
  }
}

describe('merging one shard', () => {
  it('reproduces its figures and verdicts exactly, though its drain made busy > active', () => {
    const shard = shardResult();
    // The figures the shard itself reports (docs/measuring.md#rates).
    expect(shard.producer.targetRate).toBe(1000);
    expect(shard.producer.msgsPerSec).toBeCloseTo(9_990 / 13, 10);
    expect(shard.producer.rateErrorPercent).toBeCloseTo((1 - 9_990 / 13 / 1000) * 100, 10);
    expect(shard.criteria.map((c) => c.passed)).toEqual([false, false, true, true, true]);
    expect(shard.criteria[1]!.note).toMatch(/target-outage window.*the whole-run figure averages over the outage/);

    const merged = JSON.parse(JSON.stringify(mergeResults([shard]))) as LoadTestResult;
    expect(merged.producer).toEqual(shard.producer);
    expect(merged.consumer).toEqual(shard.consumer);
    // Merge counts only the failed records that explain a shard's own gaps (none here): the loss is the same.
    const { expectedMissing: _m, ...integrity } = merged.integrity;
    const { expectedMissing: _s, ...shardIntegrity } = shard.integrity;
    expect(integrity).toEqual(shardIntegrity);
    expect(resolveMetric(merged, 'integrity.lost')).toBe(resolveMetric(shard, 'integrity.lost'));
    expect(merged.criteria).toEqual(shard.criteria);
    expect(merged.phases.map(({ histograms: _h, ...p }) => p)).toEqual(shard.phases.map(({ histograms: _h, ...p }) => p));
    expect(merged.state).toBe(shard.state);
  });
});
