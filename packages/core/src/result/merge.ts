// Merges the results of the shards of one run (`loadhouse merge`): counters are summed, the encoded HDR
// histograms are merged exactly (so merged percentiles equal those of one histogram fed every record),
// series are aligned by elapsed time, and the criteria are re-evaluated on the merged data.
import { LoadhouseError } from '../errors.js';
import { createHistogram, addEncoded, encodeHistogram, summarizeHistogram, type Histogram } from '../metrics/histogram.js';
import { evaluateCriteria } from '../criteria.js';
import { checkResult } from './validate.js';
import type {
  ConsumerTotals,
  Criterion,
  CriterionOutcome,
  IntegrityReport,
  LatencySummary,
  LoadTestResult,
  MergeCheck,
  MergedResources,
  MergedResult,
  MergedResultBase,
  OutageReport,
  PhaseResult,
  ProducerTotals,
  ResultBase,
  Sample,
} from '../types.js';

/** Config keys that legitimately differ between shards of one run. */
// Labels may name the pod or node a shard ran on (--label pod=$HOSTNAME); the merged result keeps the first shard's.
const PER_SHARD_CONFIG = new Set([
  'shard',
  'startAt',
  'resultsDir',
  'workers',
  'maxWorkers',
  'target',
  'producerGroups',
  'plugins',
  'labels',
]);

function mismatch(message: string, details: Record<string, unknown>): LoadhouseError {
  return new LoadhouseError('LH_MERGE_MISMATCH', message, { details });
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function runConfig(r: LoadTestResult): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.config).filter(([k]) => !PER_SHARD_CONFIG.has(k)));
}

/** How a result's run id reads in a message: a result with none is usually a whole run, not a shard. */
function runIdText(r: LoadTestResult): string {
  const shard = r.shard ? '' : ' (not a shard: it was run without --shard or --shards)';
  return r.runId === undefined ? `no run id${shard}` : `run id ${JSON.stringify(r.runId)}${shard}`;
}

/** Throws LH_MERGE_MISMATCH unless the results are distinct shards of one run with one configuration. */
export function checkMergeable(results: readonly LoadTestResult[], names: readonly string[] = []): void {
  const name = (i: number) => names[i] ?? `result ${i + 1}`;
  if (results.length === 0) throw mismatch('Nothing to merge: give at least one result file.', {});
  // What merge reads of each shard is declared by the result schema: check it there, not field by field here.
  results.forEach((r, i) => {
    checkResult(r, name(i));
  });
  const first = results[0]!;
  const seen = new Map<number, number>();
  results.forEach((r, i) => {
    if (r.scenario !== first.scenario) {
      throw mismatch(`${name(i)} ran scenario ${r.scenario}, ${name(0)} ran ${first.scenario}: these are different runs.`, {
        file: name(i),
      });
    }
    if ((r.runId ?? null) !== (first.runId ?? null)) {
      throw mismatch(`${name(i)} has ${runIdText(r)}, ${name(0)} has ${runIdText(first)}: shards of one run share --run-id.`, {
        file: name(i),
      });
    }
    if (stable(runConfig(r)) !== stable(runConfig(first))) {
      const diff = Object.keys({ ...runConfig(r), ...runConfig(first) }).filter(
        (k) => stable(runConfig(r)[k]) !== stable(runConfig(first)[k]),
      );
      throw mismatch(`${name(i)} and ${name(0)} were run with different configurations (${diff.join(', ')}).`, {
        file: name(i),
        keys: diff,
      });
    }
    const count = r.shard?.count ?? 1;
    if (count !== (first.shard?.count ?? 1)) {
      throw mismatch(`${name(i)} is a shard of ${count}, ${name(0)} of ${first.shard?.count ?? 1}.`, { file: name(i) });
    }
    const index = r.shard?.index ?? 0;
    if (seen.has(index)) {
      const other = name(seen.get(index)!);
      throw mismatch(
        r.shard === null
          ? `${name(i)} and ${other} are two whole runs, not shards of one (run them with --shard i/n or --shards n to merge).`
          : `${name(i)} and ${other} are both shard ${index}.`,
        { file: name(i) },
      );
    }
    seen.set(index, i);
  });
}

/**
 * Shards of one run must run side by side: their rates are added as if they had. What makes them one run is a
 * common start: a shard that started later than the first one by more than this share of the merged window
 * (first start to last end)...
 */
export const MAX_START_SKEW_PERCENT = 10;
/**
 * ...and by more than this (process start-up jitter), or that ended before the last shard started, was out of
 * step. Ends are not compared: shards that start together may end seconds apart (consumers reading to the end,
 * a catch-up that clears sooner on one shard) and still be one run.
 */
export const OUT_OF_STEP_SLACK_SECONDS = 2;

const epoch = (iso: string) => Date.parse(iso);
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Whether the shards make the whole run: every index 0..n-1 present, all running together, each run to its
 * end. Missing and out-of-step shards throw (LH_MERGE_INCOMPLETE, LH_MERGE_NOT_CONCURRENT) unless
 * `allowPartial`; then, like partial or aborted shards, they are listed in `partialBecause`.
 */
export function checkCoverage(results: readonly LoadTestResult[], names: readonly string[] = [], allowPartial = false): MergeCheck {
  const name = (i: number) => names[i] ?? `result ${i + 1}`;
  const shardCount = results[0]?.shard?.count ?? 1;
  const present = new Set(results.map((r) => r.shard?.index ?? 0));
  const missing = Array.from({ length: shardCount }, (_, i) => i).filter((i) => !present.has(i));
  const start = Math.min(...results.map((r) => epoch(r.startedAt)));
  const end = Math.max(...results.map((r) => epoch(r.endedAt)));
  const windowSeconds = Math.max(0, (end - start) / 1000);
  const byIndex = [...results].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const lastStart = Math.max(...results.map((r) => epoch(r.startedAt)));
  const maxSkewSeconds = Math.max(OUT_OF_STEP_SLACK_SECONDS, (windowSeconds * MAX_START_SKEW_PERCENT) / 100);
  const overlapPercent = byIndex.map((r) => {
    const seconds = Math.max(0, (epoch(r.endedAt) - epoch(r.startedAt)) / 1000);
    const startSkewSeconds = (epoch(r.startedAt) - start) / 1000;
    return {
      index: r.shard?.index ?? 0,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      overlapPercent: windowSeconds > 0 ? round1(Math.min(100, (seconds / windowSeconds) * 100)) : 100,
      startSkewSeconds: round1(startSkewSeconds),
      out: startSkewSeconds > maxSkewSeconds || epoch(r.endedAt) < lastStart,
    };
  });
  const outOfStep = overlapPercent.filter((o) => o.out);
  const partialBecause: string[] = [];
  if (missing.length > 0) {
    const what = `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${shardCount} ${missing.length > 1 ? 'are' : 'is'} missing`;
    if (!allowPartial) {
      throw new LoadhouseError(
        'LH_MERGE_INCOMPLETE',
        `Cannot merge a whole run: ${what} (given: ${[...present].sort((a, b) => a - b).join(', ')}). Add the missing result files, ` +
          'or pass --allow-partial (mergeResults: allowPartial) to merge these alone into a result marked partial.',
        { details: { missing, shardCount } },
      );
    }
    partialBecause.push(what);
  }
  if (outOfStep.length > 0) {
    const list = overlapPercent.map((o) => `shard ${o.index} ${o.startedAt} to ${o.endedAt}, ${o.overlapPercent}%`).join('; ');
    const what =
      `the shards did not run together: ${outOfStep.map((o) => `shard ${o.index}`).join(', ')} started more than ` +
      `${round1(maxSkewSeconds)} s (${MAX_START_SKEW_PERCENT}% of the merged ${round1(windowSeconds)} s window, at least ` +
      `${OUT_OF_STEP_SLACK_SECONDS} s) after the first, or ended before the last one started (${list})`;
    if (!allowPartial) {
      throw new LoadhouseError(
        'LH_MERGE_NOT_CONCURRENT',
        `Cannot merge a whole run: ${what}, so their rates cannot be added. Start the shards together (--start-at <ISO time>), ` +
          'or pass --allow-partial (mergeResults: allowPartial) to merge them into a result marked partial.',
        { details: { overlapPercent: overlapPercent.map(({ out: _o, ...o }) => o) } },
      );
    }
    partialBecause.push(what);
  }
  results.forEach((r, i) => {
    if (r.partial || r.state !== 'completed') {
      const what = `${name(i)} (shard ${r.shard?.index ?? 0}) is ${r.partial ? 'partial' : r.state}`;
      partialBecause.push(`${what}: ${r.state}, ${r.endReason}: ${r.endMessage}`);
    }
  });
  return {
    shardCount,
    missing,
    windowSeconds: round1(windowSeconds),
    overlapPercent: overlapPercent.map(({ out: _o, ...o }) => o),
    outOfStep: outOfStep.map((o) => o.index),
    maxStartSkewPercent: MAX_START_SKEW_PERCENT,
    outOfStepSlackSeconds: OUT_OF_STEP_SLACK_SECONDS,
    partialBecause,
  };
}

type EncodedSet = Record<string, string> | undefined;

function mergedHistogram(sets: readonly EncodedSet[], key: string): Histogram | null {
  const present = sets.map((m) => m?.[key]).filter((e): e is string => typeof e === 'string' && e.length > 0);
  if (present.length === 0) return null;
  const h = createHistogram();
  for (const e of present) addEncoded(h, e);
  return h;
}

interface ExactHistograms {
  producer: { response: Histogram | null; service: Histogram | null; scheduleLag: Histogram | null };
  consumer: { poll: Histogram | null; endToEnd: Histogram | null };
  /** Every merged histogram, encoded, by key. */
  encoded: Record<string, string>;
  destroy(): void;
}

/** Merges the encoded histogram sets of the shards key by key: exact, as if one histogram saw every record. */
function mergeHistogramSets(sets: readonly EncodedSet[]): ExactHistograms {
  const merged = new Map<string, Histogram>();
  for (const key of new Set(sets.flatMap((m) => Object.keys(m ?? {})))) {
    const h = mergedHistogram(sets, key);
    if (h) merged.set(key, h);
  }
  const get = (key: string) => merged.get(key) ?? null;
  const encoded: Record<string, string> = {};
  for (const [key, h] of merged) encoded[key] = encodeHistogram(h);
  return {
    producer: { response: get('producer.response'), service: get('producer.service'), scheduleLag: get('producer.scheduleLag') },
    consumer: { poll: get('consumer.poll'), endToEnd: get('consumer.endToEnd') },
    encoded,
    destroy: () => {
      for (const h of merged.values()) h.destroy();
    },
  };
}

function sumCodes(maps: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);

/** Percentiles where no histogram is stored (intervals, phases of older results): the worst shard's, an upper bound. */
function worstSummary(xs: LatencySummary[]): LatencySummary {
  const counted = xs.filter((s) => s.count > 0);
  if (counted.length === 0) return xs[0] ?? { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
  const count = sum(counted.map((s) => s.count));
  return {
    p50: max(counted.map((s) => s.p50)),
    p95: max(counted.map((s) => s.p95)),
    p99: max(counted.map((s) => s.p99)),
    p999: max(counted.map((s) => s.p999)),
    max: max(counted.map((s) => s.max)),
    mean: sum(counted.map((s) => s.mean * s.count)) / count,
    count,
  };
}

function mergeProducer(
  parts: ProducerTotals[],
  exact?: { response: Histogram | null; service: Histogram | null; scheduleLag: Histogram | null },
): ProducerTotals {
  const acked = sum(parts.map((p) => p.acked));
  const scheduled = sum(parts.map((p) => p.scheduled));
  const failed = sum(parts.map((p) => p.failed));
  const sent = sum(parts.map((p) => p.sent));
  const batches = sum(parts.map((p) => p.batches));
  const bytes = sum(parts.map((p) => p.bytes));
  // Shards run side by side: rates add; the requested volume is each shard's rate over its own active time.
  const requested = sum(parts.map((p) => p.targetRate * (p.activeSeconds ?? 0)));
  const msgsPerSec = sum(parts.map((p) => p.msgsPerSec));
  const latency = exact
    ? {
        response: summarizeHistogram(exact.response),
        service: summarizeHistogram(exact.service),
        scheduleLag: summarizeHistogram(exact.scheduleLag),
      }
    : {
        response: worstSummary(parts.map((p) => p.latency.response)),
        service: worstSummary(parts.map((p) => p.latency.service)),
        scheduleLag: worstSummary(parts.map((p) => p.latency.scheduleLag)),
      };
  return {
    scheduled,
    sent,
    acked,
    failed,
    dropped: sum(parts.map((p) => p.dropped)),
    bytes,
    batches,
    msgsPerSec,
    mbPerSec: sum(parts.map((p) => p.mbPerSec)),
    targetRate: sum(parts.map((p) => p.targetRate)),
    activeSeconds: max(parts.map((p) => p.activeSeconds ?? 0)),
    rateErrorPercent: requested > 0 ? Math.abs(acked / requested - 1) * 100 : 0,
    errorRatePercent: scheduled > 0 ? (failed / scheduled) * 100 : 0,
    errors: failed,
    errorsByCode: sumCodes(parts.map((p) => p.errorsByCode)),
    latency,
    meanBatchSize: batches > 0 ? sent / batches : 0,
  } as ProducerTotals;
}

function mergeConsumer(parts: ConsumerTotals[], exact?: { poll: Histogram | null; endToEnd: Histogram | null }): ConsumerTotals {
  const merged = {
    ...parts[0]!,
    consumed: sum(parts.map((p) => p.consumed)),
    bytes: sum(parts.map((p) => p.bytes)),
    msgsPerSec: sum(parts.map((p) => p.msgsPerSec)),
    mbPerSec: sum(parts.map((p) => p.mbPerSec)),
    polls: sum(parts.map((p) => p.polls)),
    emptyPolls: sum(parts.map((p) => p.emptyPolls)),
    errorsByCode: sumCodes(parts.map((p) => p.errorsByCode)),
    lag: { max: sum(parts.map((p) => p.lag.max)), final: sum(parts.map((p) => p.lag.final)) },
    ...(parts.some((p) => p.foreign !== undefined) ? { foreign: sum(parts.map((p) => p.foreign ?? 0)) } : {}),
    ...(parts.some((p) => p.activeSeconds !== undefined) ? { activeSeconds: max(parts.map((p) => p.activeSeconds ?? 0)) } : {}),
    latency: exact
      ? { poll: summarizeHistogram(exact.poll), endToEnd: summarizeHistogram(exact.endToEnd) }
      : { poll: worstSummary(parts.map((p) => p.latency.poll)), endToEnd: worstSummary(parts.map((p) => p.latency.endToEnd)) },
  };
  return merged;
}

/** Integrity of the shards together (exported for its tests). */
export function mergeIntegrity(parts: IntegrityReport[]): IntegrityReport {
  const out: IntegrityReport & Record<string, unknown> = {
    ...parts[0]!,
    checked: parts.some((p) => p.checked),
    missing: sum(parts.map((p) => p.missing)),
    duplicates: sum(parts.map((p) => p.duplicates)),
    reordered: sum(parts.map((p) => p.reordered)),
    examples: parts.flatMap((p) => p.examples).slice(0, 20),
  };
  for (const key of Object.keys(parts[0]!)) {
    const values = parts.map((p) => (p as unknown as Record<string, unknown>)[key]);
    if (values.every((v) => typeof v === 'number') && !['missing', 'duplicates', 'reordered'].includes(key))
      out[key] = sum(values as number[]);
    if (values.every((v) => typeof v === 'boolean') && key !== 'checked') out[key] = (values as boolean[]).some(Boolean);
  }
  // Each shard's failed batches explain only its own gaps: summed as they are, one shard's failures would hide
  // another shard's lost records from integrity.lost (missing - expectedMissing).
  if (parts.some((p) => typeof p.expectedMissing === 'number')) {
    out.expectedMissing = sum(parts.map((p) => Math.min(p.expectedMissing ?? 0, p.missing)));
  }
  return out;
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
          msgsPerSec: sum(p.map((x) => x.msgsPerSec)),
          mbPerSec: sum(p.map((x) => x.mbPerSec)),
          targetRate: sum(p.map((x) => x.targetRate)),
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
          msgsPerSec: sum(c.map((x) => x.msgsPerSec)),
          mbPerSec: sum(c.map((x) => x.mbPerSec)),
          polls: sum(c.map((x) => x.polls)),
          emptyPolls: sum(c.map((x) => x.emptyPolls)),
          lag: sum(c.map((x) => x.lag)),
          lagByPartition: Object.assign({}, ...c.map((x) => x.lagByPartition)),
          errorsByCode: sumCodes(c.map((x) => x.errorsByCode)),
          latency: { poll: worstSummary(c.map((x) => x.latency.poll)), endToEnd: worstSummary(c.map((x) => x.latency.endToEnd)) },
        },
        generator: { ...s0.generator, saturated: samples.some((s) => s.generator.saturated) },
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

function sameOutageFailure(c: CriterionOutcome, o: CriterionOutcome): boolean {
  return !c.passed && c.metric === o.metric && c.op === o.op && c.value === o.value && /target-outage window/.test(c.note ?? '');
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
      return { ...base, producer: mergeProducer(parts.map((p) => p.producer)), consumer: mergeConsumer(parts.map((p) => p.consumer)) };
    }
    const exact = mergeHistogramSets(parts.map((p) => p.histograms));
    try {
      return {
        ...base,
        producer: mergeProducer(
          parts.map((p) => p.producer),
          exact.producer,
        ),
        consumer: mergeConsumer(
          parts.map((p) => p.consumer),
          exact.consumer,
        ),
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
    const common: ResultBase = {
      ...first,
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
      producer: mergeProducer(
        results.map((r) => r.producer),
        exact.producer,
      ),
      consumer: mergeConsumer(
        results.map((r) => r.consumer),
        exact.consumer,
      ),
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
    const outages = results.map((r) => r.outages).filter((o): o is OutageReport => o !== undefined);
    if (outages.length > 0) {
      common.outages = {
        windows: sum(outages.map((o) => o.windows)),
        seconds: sum(outages.map((o) => o.seconds)),
        spans: outages.flatMap((o) => o.spans).slice(0, 100),
      };
    }
    delete common.resultPath;
    delete common.metricNotes;
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
    out.criteria = evaluateCriteria(out, criteria).map((o) => {
      // A shard's windowed criterion failed by its target outage stays failed: the merged averages hide it too.
      if (!o.passed) return o;
      const i = results.findIndex((r) => r.criteria.some((c) => sameOutageFailure(c, o)));
      if (i < 0) return o;
      const shardNote = results[i]!.criteria.find((c) => sameOutageFailure(c, o))!.note!;
      return { ...o, passed: false, note: `shard ${results[i]!.shard?.index ?? i}: ${shardNote}` };
    });
    if (unjudged) {
      const why = `not judged: the merge is partial (${coverage.partialBecause[0]})`;
      out.criteria = out.criteria.map((c) => ({ ...c, passed: false, note: c.note ? `${c.note}; ${why}` : why }));
    }
    return out;
  } finally {
    exact.destroy();
  }
}
