// The result of a run, built from what the run measured: pure functions of their inputs (no clock, no I/O),
// so a checkpoint, a partial write and the final result are built alike, and `merge` judges its criteria the
// same way a run does.
import { DEFAULT_TOPIC_PATTERN, runTopics } from '../topics.js';
import { evaluateCriteria, failedByOutage, type OutageFailure } from '../criteria.js';
import { consumerTotals, type IntegritySums, type PhaseAccumulator, producerTotals } from '../metrics/aggregator.js';
import type { ConsumerHistogram, HistogramSet, ProducerHistogram } from '../metrics/histogram-set.js';
import { analyzeStability } from '../monitor/analysis.js';
import type { ResolvedOptions } from '../options.js';
import { round3 } from '../util.js';
import type { CounterSet, ConsumerCounterSet } from '../worker/protocol.js';
import type {
  Criterion,
  CriterionOutcome,
  EndReason,
  IntegrityReport,
  LoadTestResult,
  OutageReport,
  PhaseResult,
  ProducerTotals,
  ResultBase,
  RunConfig,
  RunEnvironment,
  RunResources,
  RunResult,
  RunResultBase,
  ProducerGroupConfig,
  ConsumerGroupConfig,
  Sample,
  Scenario,
} from '../types.js';
import { RESULT_SCHEMA_VERSION } from '../types.js';
import { emptyConsumerTotals, emptyIntegrity } from './empty.js';
import type { CommittedCheck } from '../verify/committed.js';
import type { VerifyFigures } from '../verify/verifier.js';

/** Why and how a run ended (the first reason wins). */
export interface Ending {
  state: LoadTestResult['state'];
  endReason: EndReason;
  message: string;
  error?: { code: string; message: string };
}

/**
 * The end-of-run verdicts: each criterion judged on the result, then failed where a target-outage window
 * violated it (`outage`: a run's LiveCriteria, or the shards' own verdicts in a merge).
 */
export function judge(
  result: LoadTestResult,
  criteria: readonly Criterion[],
  outage: (c: Criterion) => OutageFailure | undefined,
): CriterionOutcome[] {
  return evaluateCriteria(result, criteria).map((o, i) => failedByOutage(o, outage(criteria[i]!)));
}

export interface ConfigInput {
  opts: ResolvedOptions;
  scenario: Scenario;
  topic: string;
  criteria: readonly Criterion[];
  producerGroups: readonly ProducerGroupConfig[];
  consumerGroups: readonly ConsumerGroupConfig[];
}

/** The run's configuration as recorded in the result (and shown to plugins): only what can be shared. */
export function runConfig({ opts: o, scenario, topic, criteria, producerGroups, consumerGroups }: ConfigInput): RunConfig {
  return {
    scenario: scenario.name,
    scenarioOptions: scenario.options ?? {},
    plannedSeconds: scenario.plannedSeconds ?? null,
    topic,
    // The names the run made (checked when it was set up), whenever they are not just `topic`.
    ...(o.topics > 1 || o.topicPattern !== undefined
      ? { topics: runTopics(topic, o.topics, o.topicPattern), topicPattern: o.topicPattern ?? DEFAULT_TOPIC_PATTERN }
      : {}),
    target: {
      address: o.target.address,
      httpAddress: o.target.httpAddress ?? null,
      organizationId: o.target.organizationId ?? null,
      tls: Boolean(o.target.tls),
      // Only the keys: values are often credentials.
      metadataKeys: Object.keys(o.target.metadata ?? {}),
      connectTimeoutMs: o.target.connectTimeoutMs,
      deadlineMs: o.target.deadlineMs,
      pid: o.target.pid ?? null,
      ...(o.target.protocol !== undefined ? { protocol: o.target.protocol } : {}),
    },
    workers: o.workers ?? null,
    maxWorkers: o.maxWorkers,
    connections: o.connections,
    maxCallsPerConnection: o.maxCallsPerConnection,
    intervalMs: o.intervalMs,
    warmupSeconds: o.warmupSeconds,
    drainTimeoutMs: o.drainTimeoutMs,
    dropAfterMs: o.dropAfterMs,
    ackMode: o.ackMode,
    resultsDir: o.resultsDir,
    checkpointSeconds: o.checkpointSeconds,
    shard: o.shard,
    startAt: o.startAt === undefined ? null : new Date(o.startAt).toISOString(),
    labels: { ...o.labels },
    instrument: o.instrument,
    seed: o.seed,
    plugins: o.plugins.map((p) => ({ name: p.name, apiVersion: p.apiVersion })),
    criteria: criteria.map((c) => ({ ...c })),
    producerGroups: [...producerGroups],
    consumerGroups: [...consumerGroups],
    ...(o.delivery ? { delivery: structuredClone(o.delivery) } : {}),
  };
}

/** A span's producer activity: what was counted, and the times its rates are taken over. */
export interface ProducerSpan {
  counters: CounterSet;
  histograms: HistogramSet<ProducerHistogram> | null;
  /** Seconds producers were asked to send; `busySeconds` adds the drain after each stop. */
  activeSeconds: number;
  busySeconds: number;
  /** Records asked for in the span. */
  requested: number;
}

export function producerSpanTotals(p: ProducerSpan): ProducerTotals {
  return producerTotals(p.counters, p.histograms, p.activeSeconds, p.requested, p.busySeconds);
}

/** A span's consumer activity; undefined `counters` when no consumer group ever reported. */
export interface ConsumerSpan {
  counters: ConsumerCounterSet | undefined;
  histograms: HistogramSet<ConsumerHistogram> | null;
  /** Seconds a consumer group ran in the span. */
  activeSeconds: number;
  lag: { max: number; final: number };
  idleConsumers: number;
}

export function consumerSpanTotals(c: ConsumerSpan): ResultBase['consumer'] {
  if (!c.counters) return { ...emptyConsumerTotals(), idleConsumers: c.idleConsumers };
  return { ...consumerTotals(c.counters, c.histograms, round3(c.activeSeconds), c.lag), idleConsumers: c.idleConsumers };
}

export interface PhaseInput {
  acc: PhaseAccumulator;
  /** Seconds from the start of the run to the phase's start, and the phase's length. */
  elapsedSeconds: number;
  durationSeconds: number;
  /** The producers' times and requested records within the phase (warm-up included: phases count all). */
  producer: Omit<ProducerSpan, 'counters' | 'histograms'>;
  /** Seconds a consumer group ran within the phase. */
  consumerActiveSeconds: number;
}

/** A closed phase's result; its histograms are stored encoded, so shard merges of phases stay exact. */
export function phaseResult({ acc, elapsedSeconds, durationSeconds, producer, consumerActiveSeconds }: PhaseInput): PhaseResult {
  return {
    name: acc.name,
    startedAt: new Date(acc.startMs).toISOString(),
    elapsedSeconds: round3(elapsedSeconds),
    durationSeconds: round3(durationSeconds),
    producer: producerSpanTotals({ counters: acc.counters, histograms: acc.histograms, ...producer }),
    consumer: consumerTotals(acc.consumer, acc.consumerHistograms, round3(consumerActiveSeconds), { max: acc.lagMax, final: acc.lagFinal }),
    histograms: { ...acc.histograms.encode(), ...acc.consumerHistograms.encode() },
  };
}

export interface IntegrityInput {
  /** Consumers' sequence checks; undefined when no consumer ran. */
  sums: IntegritySums | undefined;
  /** Records of failed batches over the whole run, warm-up included: their sequences were taken. */
  failed: number;
  /** Consumers read every partition to its end: the run ended, final lag 0, no group stopped while producing. */
  readToEnd: boolean;
  /** Records the consumers had not read at the end (the final lag); 0 when none or no consumer ran. */
  unread?: number;
  /** The consumed-offset check (ack maps against what consumers read); undefined when it did not run. */
  verify?: VerifyFigures | undefined;
  /** With transactions: the committed records against what consumers read; undefined without transactions. */
  committed?: CommittedCheck | undefined;
}

/**
 * Missing records are data loss when consumers read to the end and failed batches, whose records took
 * sequences, do not explain them. Judged on the final result only, never on a checkpoint.
 */
export function integrityReport({ sums, failed, readToEnd, unread, verify, committed }: IntegrityInput): IntegrityReport {
  if (!sums) return withCommitted(emptyIntegrity(), committed);
  const report: IntegrityReport = {
    checked: true,
    missing: sums.missing,
    duplicates: sums.duplicates,
    reordered: sums.reordered,
    examples: sums.examples,
    consumedChecked: sums.checked,
    expectedMissing: failed,
    dataLoss: readToEnd && sums.missing - failed > 0,
    mergedGaps: sums.mergedGaps,
    corrupted: sums.corrupted,
    ...(unread && unread > 0 ? { unread } : {}),
  };
  return withCommitted(verify ? withVerify(report, verify) : report, committed);
}

/** Adds the check of committed transactions; on an unchecked report (no consumer here) only why it was not made. */
function withCommitted(report: IntegrityReport, c: CommittedCheck | undefined): IntegrityReport {
  if (!c) return report;
  const out: IntegrityReport = { ...report };
  if (c.lost !== undefined && report.checked) out.lostCommitted = c.lost;
  if (c.unmeasured !== undefined) out.lostCommittedUnmeasured = c.unmeasured;
  if (c.examples.length > 0) out.examples = [...c.examples, ...report.examples].slice(0, 20);
  return out;
}

function withVerify(report: IntegrityReport, v: VerifyFigures): IntegrityReport {
  const out: IntegrityReport = { ...report, ackedMapped: v.ackedRecords, verifyMapBytes: v.mapBytes };
  if (v.overflow) return { ...out, verifyOverflow: true };
  if (v.offsetMismatches !== undefined) out.offsetMismatches = v.offsetMismatches;
  if (v.lostAcked !== undefined) out.lostAcked = v.lostAcked;
  out.unackedSeen = v.unackedSeen;
  out.unackedAfterFailure = v.unackedAfterFailure;
  // The end-of-run examples go first: they are the rarest and most serious.
  out.examples = [...v.examples, ...report.examples].slice(0, 20);
  return out;
}

/**
 * What the end of a run says about integrity: data loss (a warning and a result error, LH_DATA_LOSS), or
 * unexplained gaps that records the consumers did not read may still fill (a warning); undefined when neither.
 */
export function integrityWarning(
  i: IntegrityReport,
  why: { stoppedWhileProducing: boolean; finalLag: number },
): { dataLoss: boolean; message: string } | undefined {
  if (!i.checked) return undefined;
  if (i.dataLoss) {
    const message =
      `Data loss: consumers read every partition to its end, but ${i.missing} record(s) are missing` +
      (i.expectedMissing ? ` (${i.expectedMissing} of them may be records of failed ProduceBatch calls)` : '') +
      '; the target acknowledged records it did not keep. See result.integrity.examples for producers, partitions and sequences.';
    return { dataLoss: true, message };
  }
  if (i.missing - (i.expectedMissing ?? 0) > 0) {
    const cause = why.stoppedWhileProducing
      ? 'a consumer group stopped while producers still ran'
      : `the consumers stopped with lag ${why.finalLag}`;
    const message =
      `${i.missing} record(s) are missing below the highest sequences consumers saw, but ${cause}: ` +
      'records they did not read may fill the gaps, so this is not judged as data loss';
    return { dataLoss: false, message };
  }
  return undefined;
}

/** The generator's worst figures over the run (the sampler's saturation bookkeeping). */
export interface GeneratorPeaks {
  maxLoopMain: number;
  maxLoopWorkers: number;
  maxCpu: number;
  cores: number;
}

export interface ResourcesInput {
  series: readonly Sample[];
  producer: Pick<ProducerTotals, 'latency'>;
  warmupSeconds: number;
  peaks: GeneratorPeaks;
  /** The target process watched by PID, if any. */
  target: { pid: number | undefined; crashes: number } | undefined;
}

/** Generator and target resources over the run, and the stability analysis of the series. */
export function resources({ series, producer, warmupSeconds, peaks, target }: ResourcesInput): RunResources {
  const gen = series.map((s) => s.generator);
  const measured = series.filter((s) => !s.warmup);
  const targetRss = series.filter((s) => s.target.rssBytes !== undefined).map((s) => ({ t: s.elapsedSeconds, v: s.target.rssBytes! }));
  const targetCpu = series.map((s) => s.target.cpuPercent).filter((x): x is number => x !== undefined);
  const stability = analyzeStability({
    targetRss,
    generatorRss: series.map((s) => ({ t: s.elapsedSeconds, v: s.generator.rssBytes })),
    throughput: measured.filter((s) => s.producer.targetRate > 0).map((s) => ({ t: s.elapsedSeconds, v: s.producer.msgsPerSec })),
    p99: measured
      .filter((s) => s.producer.latency.response.count > 0)
      .map((s) => ({ t: s.elapsedSeconds, v: s.producer.latency.response.p99 })),
    p99Total: producer.latency.response.p99,
    p999Total: producer.latency.response.p999,
    warmupSeconds,
    generatorSaturated: {
      windows: measured.filter((s) => s.generator.saturated).length,
      of: measured.length,
      scheduleLagP99: producer.latency.scheduleLag.p99,
    },
    windowFullWindows: measured.filter((s) => (s.generator.windowFullWaits ?? 0) > 0).length,
  });
  return {
    generator: {
      peakRssBytes: Math.max(0, ...gen.map((g) => g.rssBytes)),
      maxCpuPercent: peaks.maxCpu,
      meanCpuPercent: gen.length ? round3(gen.reduce((a, g) => a + g.cpuPercent, 0) / gen.length) : 0,
      maxEventLoopDelayMs: { main: peaks.maxLoopMain, workers: peaks.maxLoopWorkers },
      cores: peaks.cores,
      memoryGrowthPercent: stability.generatorMemoryGrowthPercent,
      memorySlopeMbPerHour: stability.generatorMemorySlopeMbPerHour,
    },
    target:
      target && target.pid !== undefined
        ? {
            pid: target.pid,
            peakRssBytes: targetRss.length ? Math.max(...targetRss.map((p) => p.v)) : null,
            maxCpuPercent: targetCpu.length ? Math.max(...targetCpu) : null,
            crashes: target.crashes,
          }
        : null,
    memoryGrowthPercent: stability.memoryGrowthPercent,
    memoryGrowthUpperPercent: stability.memoryGrowthUpperPercent,
    memoryGrowth: stability.memoryGrowth,
    memorySlopeMbPerHour: stability.memorySlopeMbPerHour,
    throughputVariancePercent: stability.throughputVariancePercent,
    p99DriftPercent: stability.p99DriftPercent,
    warnings: stability.warnings,
  };
}

/** Everything a result holds, as the run has it at one instant. */
export interface ResultInput {
  ending: Ending;
  partial: boolean;
  scenario: string;
  startedAt: Date;
  /** Milliseconds from the start of the load to this instant. */
  elapsedMs: number;
  opts: Pick<ResolvedOptions, 'warmupSeconds' | 'shard' | 'runId' | 'labels'>;
  config: RunConfig;
  environment: RunEnvironment;
  producer: ProducerSpan;
  consumer: ConsumerSpan;
  integrity: IntegrityInput;
  phases: readonly PhaseResult[];
  metrics: Record<string, number>;
  metricNotes: Record<string, string>;
  scenarioResults: Record<string, unknown>;
  series: Sample[];
  seriesStride: number;
  histograms: Record<string, string>;
  generator: ResultBase['generator'];
  peaks: GeneratorPeaks;
  target: ResourcesInput['target'];
  errors: ResultBase['errors'];
  outages: OutageReport;
  resultPath: string | undefined;
}

export function buildResult(i: ResultInput): RunResult {
  const producer = producerSpanTotals(i.producer);
  const base: RunResultBase = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    partial: i.partial,
    endReason: i.ending.endReason,
    endMessage: i.ending.message,
    scenario: i.scenario,
    startedAt: i.startedAt.toISOString(),
    endedAt: new Date(i.startedAt.getTime() + i.elapsedMs).toISOString(),
    durationSeconds: round3(i.elapsedMs / 1000),
    warmupSeconds: i.opts.warmupSeconds,
    config: structuredClone(i.config),
    environment: i.environment,
    shard: i.opts.shard,
    producer,
    consumer: consumerSpanTotals(i.consumer),
    integrity: integrityReport(i.integrity),
    phases: [...i.phases],
    resources: resources({ series: i.series, producer, warmupSeconds: i.opts.warmupSeconds, peaks: i.peaks, target: i.target }),
    metrics: { ...i.metrics },
    criteria: [],
    scenarioResults: { ...i.scenarioResults },
    series: i.series,
    seriesStride: i.seriesStride,
    histograms: i.histograms,
    generator: i.generator,
    errors: [...i.errors],
    outages: i.outages,
  };
  if (Object.keys(i.metricNotes).length) base.metricNotes = { ...i.metricNotes };
  if (i.opts.runId !== undefined) base.runId = i.opts.runId;
  if (Object.keys(i.opts.labels).length) base.labels = { ...i.opts.labels };
  if (i.resultPath) base.resultPath = i.resultPath;
  if (i.ending.state === 'failed') {
    return { ...base, state: 'failed', error: i.ending.error ?? { code: 'LH_RUN_ABORTED', message: i.ending.message } };
  }
  return { ...base, state: i.ending.state };
}
