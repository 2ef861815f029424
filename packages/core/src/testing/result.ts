// A realistic consumer-lag result (30 one-second samples, two phases, consumers, S3 and cache metrics, real
// encoded HDR histograms) for tests of reports, summaries and merges. Deterministic: a seeded generator drives
// every value, so every call returns the same result.
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { gaussian, latencyUs, random, resetRandom } from './random.js';
import type { ConsumerTotals, LatencySummary, LoadTestResult, PhaseResult, ProducerTotals, Sample } from '../types.js';

function summarize(h: Histogram): LatencySummary {
  const ms = (us: number) => us / 1000;
  if (h.totalCount === 0) return { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
    count: h.totalCount,
  };
}

const emptyLatency = (): LatencySummary => ({ p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 });

interface Cumulative {
  response: Histogram;
  service: Histogram;
  scheduleLag: Histogram;
  poll: Histogram;
  endToEnd: Histogram;
}

const newHistograms = (): Cumulative => ({
  response: build(),
  service: build(),
  scheduleLag: build(),
  poll: build(),
  endToEnd: build(),
});

const RATE = 5000;
const SAMPLES = 30;
const BACKLOG_END = 12;
/** Records recorded into the histograms per sample (a sample of the 5000/s, to keep the helper fast). */
const RECORDED_PER_SAMPLE = 1500;

/** Which parts of the full result to leave out. */
export interface ResultFixtureOptions {
  /** Leave out consumers (a producer-only run). */
  consumers?: boolean;
  /** Leave out metric sources. */
  metrics?: boolean;
  /** Leave out the encoded histograms. */
  histograms?: boolean;
}

/** A full consumer-lag result as a run writes it, the same on every call; `options` leave parts out. */
export function makeResult(options: ResultFixtureOptions = {}): LoadTestResult {
  resetRandom(); // the same result on every call
  const withConsumers = options.consumers ?? true;
  const withMetrics = options.metrics ?? true;
  const withHistograms = options.histograms ?? true;
  const cumulative = newHistograms();
  const series: Sample[] = [];
  let lag = 0;
  let probeOps = 0;
  const totals = { scheduled: 0, sent: 0, acked: 0, failed: 0, dropped: 0, consumed: 0 };

  for (let i = 1; i <= SAMPLES; i++) {
    const phase = i <= BACKLOG_END ? 'backlog' : 'drain';
    const draining = phase === 'drain' && lag > 0;
    // The drain phase reads old segments from S3: cache misses and slower produce while the backlog clears.
    const slow = draining ? 1.6 : 1;
    const win = newHistograms();
    for (let r = 0; r < RECORDED_PER_SAMPLE; r++) {
      const service = latencyUs(3.2 * slow, 0.45);
      const sched = random() < 0.97 ? Math.round(random() * 400) : latencyUs(4, 0.8);
      win.service.recordValue(service);
      win.scheduleLag.recordValue(sched);
      win.response.recordValue(service + sched);
      if (withConsumers && phase === 'drain') {
        win.poll.recordValue(latencyUs(draining ? 18 : 6, 0.5));
        win.endToEnd.recordValue(draining ? latencyUs(1000 * (lag / RATE + 1), 0.2) : latencyUs(12, 0.4));
      }
    }
    for (const key of Object.keys(cumulative) as Array<keyof Cumulative>) cumulative[key].add(win[key]);

    const targetRate = RATE;
    const produced = Math.round((RATE * (0.985 + 0.03 * random())) / (draining ? 1.02 : 1));
    const failed = i === 17 ? 12 : 0;
    let consumed = 0;
    if (withConsumers && phase === 'drain') consumed = draining ? Math.min(lag + produced, Math.round(12000 + 800 * gaussian())) : produced;
    lag = withConsumers ? Math.max(0, lag + produced - consumed) : 0;
    totals.scheduled += targetRate;
    totals.sent += produced + failed;
    totals.acked += produced;
    totals.failed += failed;
    totals.consumed += consumed;
    probeOps += 4;

    const metrics: Record<string, number> = {};
    if (withMetrics) {
      metrics['target.cacheHitRate'] = draining ? 55 + 10 * random() : 96 + 3 * random();
      metrics['target.segmentsFlushedPerSecond'] = 1.5 + random();
      metrics['s3.put.p99'] = 42 + 15 * random() + (draining ? 30 : 0);
      metrics['s3.get.p99'] = draining ? 85 + 40 * random() : 30 + 10 * random();
      metrics['s3.errors'] = 0;
      metrics['s3.probe.ops'] = probeOps;
      metrics['s3.segmentBytes'] = 64 * 1024 * 1024 * (3 + i * 0.4);
    }

    series.push({
      elapsedSeconds: i,
      intervalSeconds: 1,
      phase,
      warmup: false,
      producer: {
        scheduled: targetRate,
        sent: produced + failed,
        acked: produced,
        failed,
        dropped: 0,
        bytes: produced * 1024,
        batches: Math.ceil(produced / 100),
        msgsPerSec: produced,
        mbPerSec: (produced * 1024) / 1e6,
        targetRate,
        errorsByCode: failed ? { UNAVAILABLE: failed } : {},
        latency: { response: summarize(win.response), service: summarize(win.service), scheduleLag: summarize(win.scheduleLag) },
        meanBatchSize: 100,
        inFlightBatches: 3 + Math.floor(4 * random()),
        backlog: Math.floor(40 * random()),
      },
      consumer: {
        consumed,
        bytes: consumed * 1024,
        msgsPerSec: consumed,
        mbPerSec: (consumed * 1024) / 1e6,
        polls: consumed ? Math.ceil(consumed / 500) : 0,
        emptyPolls: 0,
        errorsByCode: {},
        lag,
        lagByPartition: { '0': Math.floor(lag / 2), '1': Math.ceil(lag / 2) },
        latency: { poll: summarize(win.poll), endToEnd: summarize(win.endToEnd) },
      },
      generator: {
        eventLoopDelayMs: { main: 1.2 + random(), workersMax: 2.5 + 2 * random() },
        workerUtilizationMax: 0.35 + 0.2 * random(),
        workers: 2,
        cpuPercent: 70 + 25 * random(),
        rssBytes: (150 + i * 0.9 + 4 * random()) * 1024 * 1024,
        heapUsedBytes: (60 + 10 * random()) * 1024 * 1024,
        saturated: false,
        reasons: [],
      },
      target: { rssBytes: (410 + i * 3.5 + 12 * random()) * 1024 * 1024, cpuPercent: (draining ? 170 : 120) + 20 * random() },
      metrics,
      totals: { ...totals },
    });
  }

  const sum = (pick: (s: Sample) => number, from = 0, to = SAMPLES) => series.slice(from, to).reduce((a, s) => a + pick(s), 0);
  const producerTotals = (from: number, to: number, h: Pick<Cumulative, 'response' | 'service' | 'scheduleLag'>): ProducerTotals => {
    const seconds = to - from;
    const acked = sum((s) => s.producer.acked, from, to);
    const scheduled = sum((s) => s.producer.scheduled, from, to);
    const failed = sum((s) => s.producer.failed, from, to);
    const msgsPerSec = acked / seconds;
    return {
      scheduled,
      sent: acked + failed,
      acked,
      failed,
      dropped: 0,
      bytes: acked * 1024,
      batches: Math.ceil(acked / 100),
      msgsPerSec,
      mbPerSec: (acked * 1024) / 1e6 / seconds,
      targetRate: RATE,
      activeSeconds: seconds,
      rateErrorPercent: Math.abs((msgsPerSec / RATE - 1) * 100),
      errorRatePercent: (failed / scheduled) * 100,
      errors: failed,
      errorsByCode: failed ? { UNAVAILABLE: failed } : {},
      latency: { response: summarize(h.response), service: summarize(h.service), scheduleLag: summarize(h.scheduleLag) },
      meanBatchSize: 100,
    };
  };
  const consumerTotals = (from: number, to: number, h?: Pick<Cumulative, 'poll' | 'endToEnd'>): ConsumerTotals => {
    const consumed = sum((s) => s.consumer.consumed, from, to);
    const lags = series.slice(from, to).map((s) => s.consumer.lag);
    return {
      consumed,
      bytes: consumed * 1024,
      msgsPerSec: consumed / (to - from),
      mbPerSec: (consumed * 1024) / 1e6 / (to - from),
      polls: sum((s) => s.consumer.polls, from, to),
      emptyPolls: 0,
      errorsByCode: {},
      lag: { max: Math.max(...lags), final: lags[lags.length - 1] ?? 0 },
      latency: h ? { poll: summarize(h.poll), endToEnd: summarize(h.endToEnd) } : { poll: emptyLatency(), endToEnd: emptyLatency() },
    };
  };

  const producer = producerTotals(0, SAMPLES, cumulative);
  const consumer = consumerTotals(0, SAMPLES, withConsumers ? cumulative : undefined);
  const started = Date.parse('2025-06-02T09:30:00.000Z');
  const phases: PhaseResult[] = [
    {
      name: 'backlog',
      startedAt: new Date(started).toISOString(),
      elapsedSeconds: 0,
      durationSeconds: BACKLOG_END,
      producer: producerTotals(0, BACKLOG_END, cumulative),
      consumer: consumerTotals(0, BACKLOG_END),
    },
    {
      name: 'drain',
      startedAt: new Date(started + BACKLOG_END * 1000).toISOString(),
      elapsedSeconds: BACKLOG_END,
      durationSeconds: SAMPLES - BACKLOG_END,
      producer: producerTotals(BACKLOG_END, SAMPLES, cumulative),
      consumer: consumerTotals(BACKLOG_END, SAMPLES),
    },
  ];
  const clearedAt = series.find((s) => s.elapsedSeconds > BACKLOG_END && s.consumer.lag === 0)?.elapsedSeconds;
  const finalMetrics = withMetrics ? { ...series[SAMPLES - 1]!.metrics, 's3.put.p50': 21.4, 's3.put.count': 120 } : {};
  const histograms: Record<string, string> = {};
  if (withHistograms) {
    histograms['producer.response'] = encodeIntoCompressedBase64(cumulative.response);
    histograms['producer.service'] = encodeIntoCompressedBase64(cumulative.service);
    histograms['producer.scheduleLag'] = encodeIntoCompressedBase64(cumulative.scheduleLag);
    if (withConsumers) {
      histograms['consumer.poll'] = encodeIntoCompressedBase64(cumulative.poll);
      histograms['consumer.endToEnd'] = encodeIntoCompressedBase64(cumulative.endToEnd);
    }
  }

  return {
    schemaVersion: 1,
    state: 'completed',
    partial: false,
    endReason: 'completed',
    endMessage: 'The scenario ran to its end.',
    scenario: 'consumer-lag',
    runId: 'a1b2c3d',
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + SAMPLES * 1000).toISOString(),
    durationSeconds: SAMPLES,
    warmupSeconds: 0,
    config: {
      scenario: 'consumer-lag',
      scenarioOptions: { rate: RATE, partitions: 2, messageSize: 1024, backlogSeconds: BACKLOG_END },
      plannedSeconds: SAMPLES,
      topic: 'loadhouse-consumer-lag',
      target: {
        address: '127.0.0.1:50051',
        httpAddress: 'http://127.0.0.1:8080',
        organizationId: null,
        tls: false,
        metadataKeys: [],
        connectTimeoutMs: 5000,
        deadlineMs: 30000,
        pid: null,
      },
      workers: 2,
      maxWorkers: 2,
      connections: 2,
      intervalMs: 1000,
      warmupSeconds: 0,
      drainTimeoutMs: 10000,
      dropAfterMs: 10000,
      ackMode: 'buffered',
      resultsDir: 'results',
      checkpointSeconds: 60,
      shard: null,
      startAt: null,
      labels: {},
      instrument: true,
      plugins: [],
      criteria: [],
      producerGroups: [],
      consumerGroups: [],
    },
    environment: {
      loadhouseVersion: '0.1.0',
      node: 'v20.20.2',
      v8: '11.3.244.8-node.33',
      platform: 'linux',
      arch: 'x64',
      osRelease: '6.8.0',
      hostname: 'ci-runner-7',
      cpus: 2,
      availableParallelism: 2,
      cpuModel: 'virtual',
      totalMemoryBytes: 8 * 1024 ** 3,
      pid: 4242,
    },
    shard: null,
    producer,
    consumer,
    integrity: {
      checked: withConsumers,
      missing: 0,
      duplicates: withConsumers ? 2 : 0,
      reordered: 0,
      examples: withConsumers
        ? [
            { kind: 'duplicate', producer: 0, partition: 1, sequence: 48211, offset: 48213 },
            { kind: 'duplicate', producer: 0, partition: 1, sequence: 48212, offset: 48214 },
          ]
        : [],
    },
    phases,
    resources: {
      generator: {
        peakRssBytes: Math.max(...series.map((s) => s.generator.rssBytes)),
        maxCpuPercent: 97.4,
        meanCpuPercent: 82.1,
        maxEventLoopDelayMs: { main: 12.5, workers: 20.1 },
        cores: 2,
        memoryGrowthPercent: 3.2,
        memorySlopeMbPerHour: 40,
      },
      target: { pid: 4243, peakRssBytes: Math.max(...series.map((s) => s.target.rssBytes ?? 0)), maxCpuPercent: 151.3, crashes: 0 },
      memoryGrowthPercent: 24.6,
      memoryGrowthUpperPercent: 30.1,
      memoryGrowth: { percent: 24.6, plusMinusPercent: 5.5, fromSeconds: 30, seconds: 30 },
      memorySlopeMbPerHour: 12600,
      throughputVariancePercent: 1.2,
      p99DriftPercent: 4.8,
      warnings: [],
    },
    metrics: finalMetrics,
    criteria: [
      {
        metric: 'producer.latency.p99',
        op: '<',
        value: 50,
        unit: 'ms',
        label: 'Producer P99 latency',
        measured: producer.latency.response.p99,
        passed: producer.latency.response.p99 < 50,
      },
      {
        metric: 'producer.rateErrorPercent',
        op: '<',
        value: 5,
        unit: '%',
        label: 'Achieved rate within 5% of target',
        measured: producer.rateErrorPercent,
        passed: producer.rateErrorPercent < 5,
      },
      ...(withConsumers
        ? [
            {
              metric: 'timeToClearLagSeconds',
              op: '<=' as const,
              value: 15,
              unit: 's',
              label: 'Backlog cleared within 15 s',
              measured: clearedAt === undefined ? null : clearedAt - BACKLOG_END,
              passed: clearedAt !== undefined && clearedAt - BACKLOG_END <= 15,
            },
          ]
        : []),
      { metric: 'target.cacheHitRate', op: '>=', value: 80, unit: '%', label: 'Cache hit rate', measured: 78.4, passed: false },
    ],
    scenarioResults: withConsumers
      ? { timeToClearLagSeconds: clearedAt === undefined ? null : clearedAt - BACKLOG_END, peakLag: consumer.lag.max, catchUpRate: 12000 }
      : {},
    series,
    histograms,
    generator: {
      saturatedWindows: 0,
      totalWindows: SAMPLES,
      warnings: [],
      maxEventLoopDelayMs: {
        main: Math.max(...series.map((s) => s.generator.eventLoopDelayMs.main)),
        workers: Math.max(...series.map((s) => s.generator.eventLoopDelayMs.workersMax)),
      },
      maxCpuPercent: Math.max(...series.map((s) => s.generator.cpuPercent)),
    },
    errors: [],
  };
}
