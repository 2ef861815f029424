// Merges the results of the shards of one run (`loadhouse merge`): counters are summed, the encoded HDR
// histograms are merged exactly (so merged percentiles equal those of one histogram fed every record),
// series are aligned by elapsed time, and the criteria are re-evaluated on the merged data.
import { mergeTopics } from './topics.js';
import {
  CONSUMER_LATENCIES,
  HistogramSet,
  HISTOGRAMS,
  PRODUCER_HISTOGRAMS,
  RESULT_HISTOGRAMS,
  type ConsumerLatency,
  type LatencySummaries,
  type ProducerHistogram,
} from '../metrics/histogram-set.js';
import { OUTAGE_NOTE, type OutageFailure } from '../criteria.js';
import { judge } from './build.js';
import { mergePartitions } from '../workload/balance.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { checkCoverage, checkMergeable } from './merge-check.js';
import { sideBySide } from './figures.js';
import { mergeDelivery } from './merge-delivery.js';
import { max, mergeCommits, mergeConsumer, mergeIntegrity, mergeProducer, sum, sumCodes, worstSummary } from './merge-totals.js';
import type {
  Criterion,
  LatencySummary,
  LoadTestResult,
  MergedResources,
  MergedResult,
  MergedResultBase,
  OutageReport,
  PhaseResult,
  ResultBase,
  Sample,
  GeneratorHealth,
} from '../types.js';

type EncodedSet = Record<string, string> | undefined;

interface ExactHistograms {
  producer: LatencySummaries<ProducerHistogram>;
  consumer: LatencySummaries<ConsumerLatency>;
  /** The commit latency of every shard's commits together. */
  commit: LatencySummary;
  /** Every histogram a shard stored, merged and encoded, by key. */
  encoded: Record<string, string>;
  destroy(): void;
}

/** Merges the encoded histogram sets of the shards key by key: exact, as if one histogram saw every record. */
function mergeHistogramSets(sets: readonly EncodedSet[]): ExactHistograms {
  // A name this version does not know (a later version's, within the same schemaVersion) is merged and kept too.
  const keys: string[] = [...new Set([...RESULT_HISTOGRAMS, ...sets.flatMap((m) => Object.keys(m ?? {}))])];
  const merged = HistogramSet.decode(keys, sets);
  const stored = keys.filter((k) => sets.some((m) => typeof m?.[k] === 'string' && m[k].length > 0));
  return {
    producer: merged.summarize(PRODUCER_HISTOGRAMS),
    consumer: merged.summarize(CONSUMER_LATENCIES),
    commit: merged.summarize([HISTOGRAMS.consumer.commit]).commit,
    // encode() gives a string for each key asked for.
    encoded: merged.encode(stored) as Record<string, string>,
    destroy: () => merged.destroy(),
  };
}

/** The parts' producer and consumer totals; percentiles exact from merged histograms, else the worst part's. */
function mergeTotals(parts: ReadonlyArray<Pick<PhaseResult, 'producer' | 'consumer'>>, exact?: ExactHistograms) {
  return {
    producer: mergeProducer(
      parts.map((p) => p.producer),
      exact?.producer,
    ),
    consumer: mergeConsumer(
      parts.map((p) => p.consumer),
      exact?.consumer,
      exact?.commit,
    ),
  };
}

/** Sums the producer and consumer figures of samples falling in the same interval of each shard. */
function mergeSeries(results: readonly LoadTestResult[]): Sample[] {
  const byIndex = new Map<number, Sample[]>();
  for (const r of results) {
    for (const s of r.series ?? []) {
      const i = Math.round(s.elapsedSeconds / Math.max(s.intervalSeconds, 1e-3));
      let list = byIndex.get(i);
      if (!list) byIndex.set(i, (list = []));
      list.push(s);
    }
  }
  return [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, samples]) => {
      const s0 = samples[0]!;
      const p = samples.map((s) => s.producer);
      const c = samples.map((s) => s.consumer);
      return {
        ...s0,
        elapsedSeconds: max(samples.map((s) => s.elapsedSeconds)),
        producer: {
          ...s0.producer,
          scheduled: sum(p.map((x) => x.scheduled)),
          sent: sum(p.map((x) => x.sent)),
          acked: sum(p.map((x) => x.acked)),
          failed: sum(p.map((x) => x.failed)),
          dropped: sum(p.map((x) => x.dropped)),
          bytes: sum(p.map((x) => x.bytes)),
          batches: sum(p.map((x) => x.batches)),
          msgsPerSec: sideBySide(p.map((x) => x.msgsPerSec)),
          mbPerSec: sideBySide(p.map((x) => x.mbPerSec)),
          targetRate: sideBySide(p.map((x) => x.targetRate)),
          errorsByCode: sumCodes(p.map((x) => x.errorsByCode)),
          latency: {
            response: worstSummary(p.map((x) => x.latency.response)),
            service: worstSummary(p.map((x) => x.latency.service)),
            scheduleLag: worstSummary(p.map((x) => x.latency.scheduleLag)),
          },
        },
        consumer: {
          ...s0.consumer,
          consumed: sum(c.map((x) => x.consumed)),
          bytes: sum(c.map((x) => x.bytes)),
          msgsPerSec: sideBySide(c.map((x) => x.msgsPerSec)),
          mbPerSec: sideBySide(c.map((x) => x.mbPerSec)),
          polls: sum(c.map((x) => x.polls)),
          emptyPolls: sum(c.map((x) => x.emptyPolls)),
          lag: sum(c.map((x) => x.lag)),
          lagByPartition: Object.assign({}, ...c.map((x) => x.lagByPartition)),
          errorsByCode: sumCodes(c.map((x) => x.errorsByCode)),
          latency: { poll: worstSummary(c.map((x) => x.latency.poll)), endToEnd: worstSummary(c.map((x) => x.latency.endToEnd)) },
          ...mergeCommits(c.map((x) => x.commit)),
        },
        generator: mergeGenerator(samples.map((s) => s.generator)),
        ...(samples.some((s) => s.outage) ? { outage: true } : {}),
        totals: {
          scheduled: sum(samples.map((s) => s.totals.scheduled)),
          acked: sum(samples.map((s) => s.totals.acked)),
          failed: sum(samples.map((s) => s.totals.failed)),
          dropped: sum(samples.map((s) => s.totals.dropped)),
          consumed: sum(samples.map((s) => s.totals.consumed)),
          ...('sent' in s0.totals ? { sent: sum(samples.map((s) => (s.totals as { sent?: number }).sent ?? 0)) } : {}),
        },
      } as Sample;
    });
}

/**
 * A shard's windowed criterion failed by its target outage stays failed: the merged averages hide the outage
 * too. A merged pass it fails takes the shard's note; the note names the shard when there are several.
 */
function shardOutage(results: readonly LoadTestResult[], c: Criterion): OutageFailure | undefined {
  for (const [i, r] of results.entries()) {
    for (const o of r.criteria) {
      const outage = !o.passed && o.metric === c.metric && o.op === c.op && o.value === c.value ? OUTAGE_NOTE.exec(o.note ?? '') : null;
      if (!outage) continue;
      const shard = results.length > 1 ? `shard ${r.shard?.index ?? i}: ` : '';
      return { note: `${shard}${outage[0]}`, passedNote: `${shard}${o.note}` };
    }
  }
  return undefined;
}

function mergePhases(results: readonly LoadTestResult[]): PhaseResult[] {
  const names: string[] = [];
  for (const r of results) for (const p of r.phases ?? []) if (!names.includes(p.name)) names.push(p.name);
  return names.map((name) => {
    const parts = results.map((r) => r.phases.find((p) => p.name === name)).filter((p): p is PhaseResult => Boolean(p));
    const base = { ...parts[0]!, durationSeconds: max(parts.map((p) => p.durationSeconds)) };
    // Exact when every shard stored the phase's histograms; otherwise the worst shard's percentiles.
    if (!parts.every((p) => p.histograms)) {
      delete base.histograms;
      return { ...base, ...mergeTotals(parts) };
    }
    const exact = mergeHistogramSets(parts.map((p) => p.histograms));
    try {
      return {
        ...base,
        ...mergeTotals(parts, exact),
        histograms: exact.encoded,
      };
    } finally {
      exact.destroy();
    }
  });
}

export interface MergeOptions {
  /** Names of the inputs (file paths) for error messages and `mergedFrom`. */
  names?: string[];
  /** Criteria to evaluate; default: the criteria of the first result. */
  criteria?: Criterion[];
  /**
   * Merge even when shards are missing or did not run together (see checkCoverage): the result is then
   * marked partial and its criteria are not judged. Default false: such a merge throws.
   */
  allowPartial?: boolean;
}

/**
 * Merges the shard results of one run into the cluster-wide result. Top-level and per-phase producer and
 * consumer percentiles are exact (merged histograms); per-interval percentiles are not stored as
 * histograms, so the merge reports the worst shard's value there (an upper bound); `loadhouse merge` says so.
 */
export function mergeResults(results: readonly LoadTestResult[], options: MergeOptions = {}): MergedResult {
  checkMergeable(results, options.names);
  const coverage = checkCoverage(results, options.names, options.allowPartial);
  // Missing or out-of-step shards make sums that describe no real run: the criteria cannot be judged on them.
  const unjudged = coverage.missing.length > 0 || coverage.outOfStep.length > 0;
  const exact = mergeHistogramSets(results.map((r) => r.histograms));
  const histograms = exact.encoded;
  try {
    const first = results[0]!;
    const states = results.map((r) => r.state);
    const state = states.includes('failed') ? 'failed' : states.includes('aborted') ? 'aborted' : 'completed';
    const metrics: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.metrics ?? {})) metrics[k] = k in metrics ? Math.max(metrics[k]!, v) : v;
    // A value noted as partial on any shard is partial in the merge: its criterion must not pass there either.
    const notes = new Map<string, string[]>();
    results.forEach((r, i) => {
      for (const [k, v] of Object.entries(r.metricNotes ?? {})) {
        notes.set(k, [...(notes.get(k) ?? []), results.length > 1 ? `shard ${r.shard?.index ?? i}: ${v}` : v]);
      }
    });
    const scenarioResults: Record<string, unknown> = { byShard: results.map((r) => ({ shard: r.shard, ...r.scenarioResults })) };
    for (const k of new Set(results.flatMap((r) => Object.keys(r.scenarioResults ?? {})))) {
      const values = results.map((r) => r.scenarioResults?.[k]);
      if (values.every((v) => typeof v === 'number')) scenarioResults[k] = max(values as number[]);
      else if (values.every((v) => typeof v === 'boolean')) scenarioResults[k] = (values as boolean[]).every(Boolean);
    }
    const resources: MergedResources = { byShard: results.map((r) => ({ shard: r.shard, ...r.resources })) };
    // A merged run has one seed only when every shard used the same (one `--seed` given to all).
    const seeds = new Set(results.map((r) => r.config.seed));
    const config = seeds.size === 1 ? first.config : { ...first.config, seed: undefined };
    if (config.seed === undefined) delete config.seed;
    const common: ResultBase = {
      ...first,
      config,
      partial: coverage.partialBecause.length > 0,
      endReason: results.find((r) => r.endReason !== 'completed')?.endReason ?? first.endReason,
      endMessage:
        coverage.partialBecause.length > 0
          ? `merged from ${results.length} of ${coverage.shardCount} shards: ${coverage.partialBecause.join('; ')}`
          : results.length === 1
            ? first.endMessage
            : `merged from ${results.length} shards`,
      startedAt: results.map((r) => r.startedAt).sort()[0]!,
      endedAt: results
        .map((r) => r.endedAt)
        .sort()
        .at(-1)!,
      durationSeconds: max(results.map((r) => r.durationSeconds)),
      shard: null,
      ...mergeTotals(results, exact),
      integrity: mergeIntegrity(results.map((r) => r.integrity)),
      phases: mergePhases(results),
      resources,
      metrics,
      criteria: [],
      scenarioResults,
      series: mergeSeries(results),
      histograms,
      generator: {
        ...first.generator,
        saturatedWindows: sum(results.map((r) => r.generator.saturatedWindows)),
        totalWindows: sum(results.map((r) => r.generator.totalWindows)),
        warnings: results.flatMap((r) => r.generator.warnings).slice(0, 20),
      },
      errors: results.flatMap((r) => r.errors),
    };
    Object.assign(common.producer, mergeDelivery(results, histograms));
    const outages = results.map((r) => r.outages).filter((o): o is OutageReport => o !== undefined);
    if (outages.length > 0) {
      common.outages = {
        windows: sum(outages.map((o) => o.windows)),
        seconds: sum(outages.map((o) => o.seconds)),
        spans: outages.flatMap((o) => o.spans).slice(0, 100),
      };
    }
    const topics = mergeTopics(results, common);
    if (topics) common.topics = topics;
    else delete common.topics;
    delete common.resultPath;
    delete common.metricNotes;
    delete common.faults; // each shard's own proxy and timeline: not one run's figures
    const partitions = mergePartitions(results.map((r) => r.partitions));
    if (partitions) common.partitions = partitions;
    else delete common.partitions;
    const base: MergedResultBase = {
      ...common,
      resources,
      merge: coverage,
      ...(notes.size ? { metricNotes: Object.fromEntries([...notes].map(([k, v]) => [k, v.join('; ')])) } : {}),
      mergedFrom: results.map((r, i) => ({
        name: options.names?.[i] ?? null,
        shard: r.shard,
        state: r.state,
        startedAt: r.startedAt,
        acked: r.producer.acked,
      })),
    };
    const criteria =
      options.criteria ??
      first.criteria.map(({ metric, op, value, unit, label, live, abortAfterSeconds, notApplicable }) => ({
        metric,
        op,
        value,
        unit,
        label,
        live,
        abortAfterSeconds,
        ...(notApplicable !== undefined ? { notApplicable } : {}),
      }));
    const failed = results.find((r): r is Extract<LoadTestResult, { state: 'failed' }> => r.state === 'failed');
    const out: MergedResult = failed
      ? { ...base, state: 'failed', error: failed.error }
      : { ...base, state: state === 'aborted' ? 'aborted' : 'completed' };
    out.criteria = judge(out, criteria, (c) => shardOutage(results, c));
    if (unjudged) {
      const why = `not judged: the merge is partial (${coverage.partialBecause[0]})`;
      out.criteria = out.criteria.map((c) => ({ ...c, passed: false, note: c.note ? `${c.note}; ${why}` : why }));
    }
    // Judged again on the merged figures: a shard's diagnosis covers only its share of the load.
    out.diagnosis = diagnose(out);
    return out;
  } finally {
    exact.destroy();
  }
}

/** One window's generator health over shards: the first shard's figures, saturated when any shard was, full in-flight windows summed. */
function mergeGenerator(g: GeneratorHealth[]): GeneratorHealth {
  const windowFull = sum(g.map((x) => x.windowFullWaits ?? 0));
  const { windowFullWaits: _, ...first } = g[0]!;
  return { ...first, saturated: g.some((x) => x.saturated), ...(windowFull > 0 ? { windowFullWaits: windowFull } : {}) };
}
