import { describe, expect, it } from 'vitest';
import { criterionFailed, evaluateCriteria, LiveCriteria, resolveMetric } from './criteria.js';
import { OutageDetector, OutageLog } from './metrics/outages.js';
import { emptyConsumerStats } from './result/empty.js';
import type { Criterion, LatencySummary, Sample } from './types.js';

const lat = (p99: number, count = 100): LatencySummary => ({
  p50: p99 / 2,
  p95: p99 * 0.9,
  p99,
  p999: p99 * 1.5,
  max: p99 * 2,
  mean: p99 / 2,
  count,
});

function sample(
  over: {
    p99?: number;
    failed?: number;
    scheduled?: number;
    msgsPerSec?: number;
    targetRate?: number;
    elapsed?: number;
    metrics?: Record<string, number>;
  } = {},
): Sample {
  return {
    elapsedSeconds: over.elapsed ?? 1,
    intervalSeconds: 1,
    phase: 'main',
    warmup: false,
    producer: {
      scheduled: over.scheduled ?? 1000,
      sent: 1000,
      acked: 1000 - (over.failed ?? 0),
      failed: over.failed ?? 0,
      dropped: 0,
      bytes: 1_024_000,
      batches: 10,
      msgsPerSec: over.msgsPerSec ?? 1000,
      mbPerSec: 1,
      targetRate: over.targetRate ?? 1000,
      errorsByCode: {},
      latency: { response: lat(over.p99 ?? 10), service: lat(5), scheduleLag: lat(1) },
      meanBatchSize: 100,
      inFlightBatches: 0,
      backlog: 0,
    },
    consumer: { ...emptyConsumerStats(), lag: 42 },
    generator: {
      eventLoopDelayMs: { main: 1, workersMax: 1 },
      workerUtilizationMax: 0.1,
      workers: 1,
      cpuPercent: 10,
      rssBytes: 1,
      heapUsedBytes: 1,
      saturated: false,
      reasons: [],
    },
    target: {},
    metrics: over.metrics ?? { 'target.cacheHitRate': 0.87 },
    totals: { scheduled: 0, sent: 0, acked: 0, failed: 0, dropped: 0, consumed: 0 },
  };
}

const result = {
  producer: {
    msgsPerSec: 99_500,
    targetRate: 100_000,
    rateErrorPercent: 0.5,
    errors: 0,
    errorRatePercent: 0,
    dropped: 3,
    latency: { response: lat(25.8), service: lat(12), scheduleLag: lat(2) },
  },
  consumer: { msgsPerSec: 0, polls: 12, lag: { max: 10, final: 7 }, latency: { poll: lat(40), endToEnd: lat(0, 0) } },
  integrity: { checked: true, missing: 0 },
  metrics: { 'target.cacheHitRate': 0.87, 's3.put.p99': 120 },
  scenarioResults: { timeToClearSeconds: 200, nested: { value: 3 } },
};

describe('resolveMetric', () => {
  it('maps the plan metric names onto a result', () => {
    expect(resolveMetric(result, 'producer.latency.p99')).toBe(25.8);
    expect(resolveMetric(result, 'producer.latency.p50')).toBe(12.9);
    expect(resolveMetric(result, 'producer.latency.service.p99')).toBe(12);
    expect(resolveMetric(result, 'producer.latency.scheduleLag.max')).toBe(4);
    expect(resolveMetric(result, 'producer.msgsPerSec')).toBe(99_500);
    expect(resolveMetric(result, 'producer.rateErrorPercent')).toBe(0.5);
    expect(resolveMetric(result, 'producer.errors')).toBe(0);
    expect(resolveMetric(result, 'producer.dropped')).toBe(3);
    expect(resolveMetric(result, 'consumer.latency.poll.p99')).toBe(40);
    expect(resolveMetric(result, 'consumer.lag')).toBe(7);
    expect(resolveMetric(result, 'integrity.missing')).toBe(0);
    expect(resolveMetric(result, 'target.cacheHitRate')).toBe(0.87);
    expect(resolveMetric(result, 's3.put.p99')).toBe(120);
    expect(resolveMetric(result, 'scenarioResults.timeToClearSeconds')).toBe(200);
    expect(resolveMetric(result, 'timeToClearSeconds')).toBe(200);
    expect(resolveMetric(result, 'scenarioResults.nested.value')).toBe(3);
  });

  it('gives null, not 0, for a latency nothing was measured for, and for unknown metrics', () => {
    expect(resolveMetric(result, 'consumer.latency.endToEnd.p99')).toBeNull();
    expect(resolveMetric(result, 'no.such.metric')).toBeNull();
  });

  it('resolves the consumer and integrity paths on a result and on a sample', () => {
    const r = { ...result, integrity: { missing: 5, duplicates: 2, reordered: 1 } };
    expect(resolveMetric(r, 'consumer.lag.max')).toBe(10);
    expect(resolveMetric(r, 'consumer.lag.final')).toBe(7);
    expect(resolveMetric(r, 'consumer.latency.poll.p50')).toBe(20);
    expect(resolveMetric(r, 'consumer.latency.poll.max')).toBe(80);
    expect(resolveMetric(r, 'consumer.msgsPerSec')).toBe(0);
    expect(resolveMetric(r, 'integrity.missing')).toBe(5);
    expect(resolveMetric(r, 'integrity.duplicates')).toBe(2);
    const s = { ...sample(), integrity: { checked: true, missing: 3, duplicates: 0, reordered: 4 } };
    s.consumer = { ...s.consumer, msgsPerSec: 1500, latency: { poll: lat(8), endToEnd: lat(30) } };
    expect(resolveMetric(s, 'consumer.lag.max')).toBe(42);
    expect(resolveMetric(s, 'consumer.msgsPerSec')).toBe(1500);
    expect(resolveMetric(s, 'consumer.latency.endToEnd.p99')).toBe(30);
    expect(resolveMetric(s, 'integrity.missing')).toBe(3);
    expect(resolveMetric(s, 'integrity.duplicates')).toBe(0);
    // Before any consumer ran, a sample has no integrity: unknown, not 0.
    expect(resolveMetric(sample(), 'integrity.missing')).toBeNull();
    expect(evaluateCriteria(sample(), [{ metric: 'integrity.missing', op: '==', value: 0 }])[0]!.note).toMatch(/no value was measured/);
  });

  it('has no rate error for a run that asked for nothing after warm-up (unknown, so its criterion fails)', () => {
    const idle = { ...result, producer: { ...result.producer, targetRate: 0, acked: 0, msgsPerSec: 0, rateErrorPercent: 0 } };
    expect(resolveMetric(idle, 'producer.rateErrorPercent')).toBeNull();
    expect(evaluateCriteria(idle, [{ metric: 'producer.rateErrorPercent', op: '<=', value: 5 }])[0]).toMatchObject({
      measured: null,
      passed: false,
    });
  });

  it('derives per-window figures on a sample', () => {
    const s = sample({ failed: 20, scheduled: 1000, msgsPerSec: 900, targetRate: 1000, p99: 80 });
    expect(resolveMetric(s, 'producer.latency.p99')).toBe(80);
    expect(resolveMetric(s, 'producer.errors')).toBe(20);
    expect(resolveMetric(s, 'producer.errorRatePercent')).toBe(2);
    expect(resolveMetric(s, 'producer.rateErrorPercent')).toBeCloseTo(10);
    expect(resolveMetric(s, 'consumer.lag')).toBe(42);
    expect(resolveMetric(s, 'target.cacheHitRate')).toBe(0.87);
  });
});

describe('a result that scheduled nothing (interrupted during set-up)', () => {
  it('has no errors or drops to judge: unmeasured, never "zero errors" passed', () => {
    const nothing = {
      ...result,
      producer: { ...result.producer, scheduled: 0, errors: 0, errorRatePercent: 0, dropped: 0, targetRate: 0 },
    };
    for (const metric of ['producer.errors', 'producer.errorRatePercent', 'producer.dropped'])
      expect(resolveMetric(nothing, metric)).toBeNull();
    expect(evaluateCriteria(nothing, [{ metric: 'producer.errors', op: '==', value: 0 }])[0]).toMatchObject({
      measured: null,
      passed: false,
    });
  });
});

describe('evaluateCriteria', () => {
  it('reports measured values and pass/fail per operator', () => {
    const out = evaluateCriteria(result, [
      { metric: 'producer.latency.p99', op: '<', value: 100, unit: 'ms' },
      { metric: 'producer.msgsPerSec', op: '>=', value: 100_000 },
      { metric: 'producer.errors', op: '==', value: 0 },
      { metric: 'target.cacheHitRate', op: '>', value: 0.8 },
    ]);
    expect(out.map((o) => [o.measured, o.passed])).toEqual([
      [25.8, true],
      [99_500, false],
      [0, true],
      [0.87, true],
    ]);
    expect(out[0]!.unit).toBe('ms');
  });

  it('fails an unknown metric with measured null and a note, and an unmeasured one with another note', () => {
    const [unknown, unmeasured] = evaluateCriteria(result, [
      { metric: 'target.nope', op: '<', value: 1 },
      { metric: 'consumer.latency.endToEnd.p99', op: '<', value: 1 },
    ]);
    expect(unknown).toMatchObject({ measured: null, passed: false });
    expect(unknown!.note).toMatch(/unknown metric 'target.nope'/);
    expect(unmeasured).toMatchObject({ measured: null, passed: false });
    expect(unmeasured!.note).toMatch(/no value was measured/);
  });

  it('shows a not-applicable criterion with its figure and reason: never passed, never failing the run', () => {
    const [na, met] = evaluateCriteria(result, [
      { metric: 'producer.errors', op: '==', value: 0, notApplicable: 'too short to judge' },
      { metric: 'producer.errors', op: '==', value: 0 },
    ]);
    expect(na).toMatchObject({ measured: 0, passed: false, note: 'N/A: too short to judge' });
    expect([criterionFailed(na!), criterionFailed(met!)]).toEqual([false, false]);
    expect(criterionFailed({ ...met!, passed: false })).toBe(true);
    // Nor is it judged live: it could otherwise abort the run it does not apply to.
    const live = new LiveCriteria(() => [
      { metric: 'producer.latency.p99', op: '<', value: 1, abortAfterSeconds: 0, notApplicable: 'n/a here' },
    ]);
    expect(live.evaluate(sample({ p99: 80, elapsed: 1 }))).toEqual({ outcomes: [], abort: undefined });
  });
});

describe('LiveCriteria', () => {
  it('asks for an abort only once a violation has lasted abortAfterSeconds, and resets on a pass', () => {
    const c = { metric: 'producer.latency.p99', op: '<' as const, value: 50, abortAfterSeconds: 2 };
    const live = new LiveCriteria(() => [c]);
    expect(live.evaluate(sample({ p99: 80, elapsed: 1 })).abort).toBeUndefined(); // violated since 0 s, lasted 1 s
    expect(live.evaluate(sample({ p99: 10, elapsed: 2 })).abort).toBeUndefined(); // pass resets
    expect(live.evaluate(sample({ p99: 80, elapsed: 3 })).abort).toBeUndefined(); // since 2 s, 1 s
    const r = live.evaluate(sample({ p99: 90, elapsed: 4 })); // since 2 s, 2 s
    expect(r.abort).toMatchObject({ metric: 'producer.latency.p99', measured: 90, passed: false });
    expect(r.outcomes).toHaveLength(1);
  });

  it('checks latency and error metrics live by default, others only when asked', () => {
    const live = new LiveCriteria(() => [
      { metric: 'producer.latency.p99', op: '<', value: 50 },
      { metric: 'producer.msgsPerSec', op: '>', value: 10 },
      { metric: 'target.cacheHitRate', op: '>', value: 0.5, live: true },
    ]);
    expect(live.evaluate(sample()).outcomes.map((o) => o.metric)).toEqual(['producer.latency.p99', 'target.cacheHitRate']);
  });
});

describe('derived criteria metrics', () => {
  it('reads a status that never occurred as zero, and judges nothing that was not measured', () => {
    const withCodes = { ...result, producer: { ...result.producer, errorsByCode: { DEADLINE_EXCEEDED: 2 } } };
    expect(resolveMetric(withCodes, 'producer.errorsByCode.DEADLINE_EXCEEDED')).toBe(2);
    expect(evaluateCriteria(withCodes, [{ metric: 'producer.errorsByCode.UNAVAILABLE', op: '==', value: 0 }])[0]).toMatchObject({
      measured: 0,
      passed: true,
    });
    // A produce-only run: no integrity was checked and no consumer polled.
    const produceOnly = {
      ...result,
      integrity: { checked: false, missing: 0 },
      consumer: { ...result.consumer, polls: 0, lag: { max: 0, final: 0 } },
    };
    expect(evaluateCriteria(produceOnly, [{ metric: 'integrity.missing', op: '==', value: 0 }])[0]).toMatchObject({
      measured: null,
      passed: false,
    });
    expect(evaluateCriteria(produceOnly, [{ metric: 'consumer.lag', op: '<=', value: 0 }])[0]).toMatchObject({
      measured: null,
      passed: false,
    });
    // The target's memory without a PID or a scrape says what it needs.
    expect(evaluateCriteria(produceOnly, [{ metric: 'target.memoryBytes', op: '<', value: 1 }])[0]!.note).toMatch(
      /needs the target's PID .* or its \/metrics/,
    );
  });

  it('producer.connectionErrors sums timeouts, unavailability and exhaustion', async () => {
    const { resolveMetric } = await import('./criteria.js');
    const r = { producer: { errorsByCode: { DEADLINE_EXCEEDED: 2, UNAVAILABLE: 3, INVALID_ARGUMENT: 7 } }, metrics: {} };
    expect(resolveMetric(r, 'producer.connectionErrors')).toBe(5);
    expect(resolveMetric({ producer: { errorsByCode: {} }, metrics: {} }, 'producer.connectionErrors')).toBe(0);
  });

  it('target memory and crashes fall back to the PID monitor when no metric source gives them', async () => {
    const { resolveMetric } = await import('./criteria.js');
    const r = { metrics: {}, resources: { target: { peakRssBytes: 123, crashes: 1 } } };
    expect(resolveMetric(r, 'target.memoryBytes')).toBe(123);
    expect(resolveMetric(r, 'target.crashes')).toBe(1);
    expect(
      resolveMetric({ metrics: { 'target.memoryBytes': 9 }, resources: { target: { peakRssBytes: 123 } } }, 'target.memoryBytes'),
    ).toBe(9);
    expect(resolveMetric({ metrics: {}, resources: {} }, 'target.memoryBytes')).toBeNull();
  });
});

describe('integrity.lost', () => {
  const lost = (integrity: Record<string, unknown>) =>
    evaluateCriteria({ integrity }, [{ metric: 'integrity.lost', op: '==', value: 0 }])[0]!;

  it('counts missing records failed batches do not explain, once consumers read to the end', () => {
    expect(lost({ checked: true, missing: 7, expectedMissing: 2, dataLoss: true })).toMatchObject({ measured: 5, passed: false });
    expect(lost({ checked: true, missing: 2, expectedMissing: 2, dataLoss: false })).toMatchObject({ measured: 0, passed: true });
    expect(lost({ checked: true, missing: 0, expectedMissing: 0, dataLoss: false })).toMatchObject({ measured: 0, passed: true });
  });

  it('is unknown, never a pass, when gaps remain but consumers stopped with lag, or nothing was checked', () => {
    const unknown = lost({ checked: true, missing: 3, expectedMissing: 0, dataLoss: false });
    expect(unknown).toMatchObject({ measured: null, passed: false });
    expect(unknown.note).toMatch(/did not read every partition to its end/);
    expect(lost({ checked: false, missing: 0 })).toMatchObject({ measured: null, passed: false });
  });

  it("counts a lost tail the acknowledgements show, which leaves no gap below a stream's highest read", () => {
    // Consumers read to the end, no gap: only the check against acks sees the last batches missing.
    expect(lost({ checked: true, missing: 0, expectedMissing: 0, dataLoss: false, lostAcked: 300 })).toMatchObject({
      measured: 300,
      passed: false,
    });
    // Gaps and tail together: the larger count is a floor of the loss.
    expect(lost({ checked: true, missing: 500, expectedMissing: 0, dataLoss: true, lostAcked: 300 })).toMatchObject({ measured: 500 });
    expect(lost({ checked: true, missing: 0, expectedMissing: 0, dataLoss: false, lostAcked: 0 })).toMatchObject({
      measured: 0,
      passed: true,
    });
  });

  it('claims nothing of records the consumers left unread: a lost tail would look the same', () => {
    const left = lost({ checked: true, missing: 0, expectedMissing: 0, dataLoss: false, unread: 1005 });
    expect(left).toMatchObject({ measured: null, passed: false });
    expect(left.note).toMatch(/1005 records were still unread when the consumers stopped/);
  });
});

describe('target-outage windows', () => {
  it('fail a windowed rate or error criterion the whole-run figure passes, and leave others alone', () => {
    const criteria: Criterion[] = [
      { metric: 'producer.rateErrorPercent', op: '<=', value: 5, live: false },
      { metric: 'producer.latency.p99', op: '<', value: 100 },
      { metric: 'target.memoryBytes', op: '<', value: 1e9 },
    ];
    const live = new LiveCriteria(() => criteria);
    live.noteOutage(sample({ msgsPerSec: 0, targetRate: 1000, elapsed: 9 }));
    const result = {
      producer: { rateErrorPercent: 0.1, targetRate: 1000, latency: { response: lat(10) } },
      metrics: { 'target.memoryBytes': 1 },
    };
    const whole = evaluateCriteria(result, criteria);
    expect(whole.every((o) => o.passed)).toBe(true);
    const judged = live.judgeOutages(whole);
    expect(judged[0]).toMatchObject({ passed: false, measured: 0.1 });
    expect(judged[0]!.note).toMatch(/violated in 1 target-outage window .*100 in the window ending at 9 s/);
    expect(judged.slice(1).every((o) => o.passed && o.note === undefined)).toBe(true);
  });

  it('a window is an outage when records were due, none was acked, and the silence is longer than the answers explain', () => {
    const win = (scheduled: number, acked: number, serviceP99 = 5) => ({
      scheduled,
      acked,
      latency: { response: lat(serviceP99), service: lat(serviceP99, serviceP99), scheduleLag: lat(1) },
    });
    const fast = new OutageDetector();
    fast.loadStarted(0);
    // Before the first ack: a slow start, not an outage.
    expect(fast.window({ producer: win(100, 0), start: 0, end: 1000, intervalMs: 1000 })).toBe(false);
    expect(fast.window({ producer: win(100, 100), start: 1000, end: 2000, intervalMs: 1000 })).toBe(false);
    expect(fast.window({ producer: win(100, 0), start: 2000, end: 3000, intervalMs: 1000 })).toBe(true);
    expect(fast.window({ producer: win(0, 0), start: 3000, end: 4000, intervalMs: 1000 })).toBe(false); // nothing due
    expect(fast.window({ producer: win(10, 0), start: 4000, end: 4200, intervalMs: 1000 })).toBe(false); // a sliver
    // A target answering in 1.5 s acks in bursts: a window between two bursts is no outage; 3 s of silence is.
    const slow = new OutageDetector();
    slow.loadStarted(0);
    expect(slow.window({ producer: win(200, 100, 1500), start: 1000, end: 2000, intervalMs: 1000 })).toBe(false);
    expect(slow.window({ producer: win(200, 0), start: 2000, end: 3000, intervalMs: 1000 })).toBe(false);
    expect(slow.window({ producer: win(200, 0), start: 3000, end: 4000, intervalMs: 1000 })).toBe(false);
    expect(slow.window({ producer: win(200, 0), start: 4000, end: 5000, intervalMs: 1000 })).toBe(true);
    // 10 msgs/s with a 2 s linger: one batch every 2 s leaves every other window without an ack; no outage.
    const lingering = new OutageDetector();
    lingering.loadStarted(0);
    expect(lingering.window({ producer: win(10, 20), start: 1000, end: 2000, intervalMs: 1000, lingerMs: 2000 })).toBe(false);
    expect(lingering.window({ producer: win(10, 0), start: 2000, end: 3000, intervalMs: 1000, lingerMs: 2000 })).toBe(false);
    expect(lingering.window({ producer: win(10, 20), start: 3000, end: 4000, intervalMs: 1000, lingerMs: 2000 })).toBe(false);
    expect(lingering.window({ producer: win(10, 0), start: 4000, end: 5000, intervalMs: 1000, lingerMs: 2000 })).toBe(false);
    expect(lingering.window({ producer: win(10, 0), start: 5000, end: 6000, intervalMs: 1000, lingerMs: 2000 })).toBe(false);
    expect(lingering.window({ producer: win(10, 0), start: 6000, end: 7000, intervalMs: 1000, lingerMs: 2000 })).toBe(true);
    const log = new OutageLog();
    log.add(2, 3);
    log.add(3, 4);
    log.add(7, 8);
    expect(log.report()).toEqual({
      windows: 3,
      seconds: 3,
      spans: [
        { fromSeconds: 2, toSeconds: 4 },
        { fromSeconds: 7, toSeconds: 8 },
      ],
    });
  });
});
