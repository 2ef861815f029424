// Success criteria as data: a resolver from metric paths to numbers on a result or a sample, the end-of-run
// evaluation, and the live evaluation on samples that can abort a run after a lasting violation.
import { latencyName, PRODUCER_HISTOGRAMS } from './metrics/histogram-set.js';
import { maxRecoverySeconds } from './proxy/recovery.js';
import { errorRatePercent, rateErrorPercent } from './result/figures.js';
import { topicMetric } from './result/topics.js';
import type { Criterion, CriterionOp, CriterionOutcome, IntegrityReport, LoadTestResult, Sample } from './types.js';
import { round3 } from './util.js';

const PERCENTILES = new Set(['p50', 'p95', 'p99', 'p999', 'max', 'mean']);
const LATENCY_KINDS = new Set<string>(PRODUCER_HISTOGRAMS.map(latencyName));

type Measurable = LoadTestResult | Sample | Record<string, unknown>;

function isSample(obj: Measurable): obj is Sample {
  return typeof (obj as Sample).intervalSeconds === 'number';
}

function walk(obj: unknown, parts: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of parts) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** A latency figure is unknown (not 0) when nothing was measured. */
function latencyValue(summary: unknown, key: string): number | null {
  if (typeof summary !== 'object' || summary === null) return null;
  const s = summary as Record<string, unknown>;
  if (s.count === 0 && PERCENTILES.has(key)) return null;
  const v = s[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The number a metric path denotes on a result or a sample, or null when it is unknown or unmeasured.
 *
 * - `producer.latency.p99` (p50, p95, p99, p999, max, mean): response latency;
 *   `producer.latency.service.p99`, `producer.latency.scheduleLag.p99`: the other two latencies
 * - `producer.msgsPerSec`, `producer.rateErrorPercent`, `producer.errors`, `producer.errorRatePercent`, `producer.dropped`
 * - `consumer.latency.poll.p99`, `consumer.latency.endToEnd.p99` (p50, p95, p99, p999, max, mean), `consumer.msgsPerSec`
 * - `consumer.lag` (a result's final lag, a sample's lag), `consumer.lag.max` (a sample's lag on a sample)
 * - `consumer.commit.latency.p99` (p50... as above), `consumer.commit.failed`, `consumer.restarts.beyondBound`,
 *   `consumer.restarts.skipped`, `consumer.restarts.redelivered` (docs/consumer-groups.md)
 * - `integrity.missing`, `integrity.duplicates`, `integrity.reordered`, `integrity.corrupted` (on samples: the counts so far)
 * - `integrity.lost`: records the target acknowledged (or committed) and did not keep (see integrityLost)
 * - `faults.maxRecoverySeconds`: the slowest recovery from the run's faults (see maxRecoverySeconds)
 * - any key of `metrics` (`target.cacheHitRate`), any key of `scenarioResults` (`scenarioResults.x` or bare `x`)
 * - `phases.<name>.<metric>`: any of the above on the phase of that name (the last one, if several), such as a
 *   rate profile's `phases.hold-2.producer.latency.p99`; on a sample, the sample's own figure while it is in that phase
 * - any other dotted path to a number.
 */
/** gRPC codes that mean the connection pool or the target's capacity gave out (the plan's "timeouts or pool exhaustion"). */
export const CONNECTION_ERROR_CODES = ['DEADLINE_EXCEEDED', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED'] as const;

export function resolveMetric(obj: Measurable, path: string): number | null {
  const parts = path.split('.');
  const sample = isSample(obj);
  const o = obj as Record<string, unknown>;

  const metrics = o.metrics as Record<string, unknown> | undefined;
  if (metrics && typeof metrics === 'object' && path in metrics) return num(metrics[path]);
  if (parts[0] === 'phases' && parts.length > 2) return phaseMetric(obj, parts[1]!, parts.slice(2).join('.'));

  // Derived figures the plan's criteria name.
  if (path === 'producer.connectionErrors') {
    const codes = ((o.producer as Record<string, unknown> | undefined)?.errorsByCode ?? {}) as Record<string, number>;
    return CONNECTION_ERROR_CODES.reduce((a, c) => a + (codes[c] ?? 0), 0);
  }
  if (path === 'target.memoryBytes' || path === 'target.crashes') {
    // Without a metric source (a scrape of the target), the resource monitor's view of the target PID.
    // RunResources.target: null when no PID was watched; a merged result keeps it per shard, so it has none.
    const target = walk(obj, ['resources', 'target']);
    if (typeof target === 'object' && target !== null)
      return num(walk(target, [path === 'target.memoryBytes' ? 'peakRssBytes' : 'crashes']));
    if (sample && path === 'target.memoryBytes') return num(obj.target.rssBytes);
  }

  if (path === 'integrity.lost') return integrityLost(o.integrity);
  if (path === 'faults.maxRecoverySeconds') return maxRecoverySeconds(o.faults);
  if (parts[0] === 'topics' && parts.length === 2) return topicMetric(o.topics, parts[1]);
  if (parts[0] === 'integrity' && !sample) {
    // Without consumers nothing was checked: unknown, not "0 missing".
    const integrity = o.integrity as { checked?: unknown } | undefined;
    if (integrity && integrity.checked === false) return null;
  }

  if (parts[0] === 'producer' || parts[0] === 'consumer') {
    const section = o[parts[0]] as Record<string, unknown> | undefined;
    if (section && parts[1] === 'errorsByCode' && parts.length === 3) {
      // A status that never occurred is absent from the map: zero of it.
      return num((section.errorsByCode as Record<string, unknown> | undefined)?.[parts[2]!] ?? 0);
    }
    if (parts[0] === 'consumer' && !sample && section && parts[1] === 'lag' && !((section.polls as number) > 0)) {
      return null; // no consumer ever polled: there is no lag to judge
    }
    if (parts[0] === 'consumer' && parts[1] === 'commit' && parts[2] === 'latency' && parts.length === 4) {
      // No acknowledged commit (none made, or all failed): the latency is unknown, not 0.
      return latencyValue((section?.commit as { latency?: unknown } | undefined)?.latency, parts[3]!);
    }
    if (parts[1] === 'latency' && section) {
      const latency = section.latency as Record<string, unknown> | undefined;
      if (parts[0] === 'producer' && parts.length === 3 && PERCENTILES.has(parts[2]!)) {
        return latencyValue(latency?.response, parts[2]!);
      }
      if (parts.length === 4 && (parts[0] === 'consumer' || LATENCY_KINDS.has(parts[2]!))) {
        return latencyValue(latency?.[parts[2]!], parts[3]!);
      }
    }
    if (parts[0] === 'producer' && section && parts.length === 2) {
      const stats = section as Record<string, number | undefined>;
      if (sample) {
        if (parts[1] === 'errors') return num(stats.failed);
        if (parts[1] === 'errorRatePercent') {
          const scheduled = stats.scheduled ?? 0;
          return scheduled > 0 ? errorRatePercent(stats.failed ?? 0, scheduled) : null;
        }
        if (parts[1] === 'rateErrorPercent') {
          const target = stats.targetRate ?? 0;
          return target > 0 ? rateErrorPercent(stats.msgsPerSec ?? 0, target) : null;
        }
      }
      // A run that asked for nothing after warm-up has no rate error to judge: unknown, not 0 %.
      if (!sample && parts[1] === 'rateErrorPercent' && !((stats.targetRate ?? 0) > 0)) return null;
      // Nor, when nothing was scheduled at all (interrupted during set-up), errors or drops: unknown, not "zero".
      if (!sample && (parts[1] === 'errors' || parts[1] === 'errorRatePercent' || parts[1] === 'dropped') && stats.scheduled === 0)
        return null;
    }
    if (parts[0] === 'consumer' && parts[1] === 'lag' && section) {
      const lag = section.lag;
      // A sample's lag is one gauge: it is its own max and final.
      if (typeof lag === 'number')
        return parts.length === 2 || (parts.length === 3 && (parts[2] === 'max' || parts[2] === 'final')) ? num(lag) : null;
      if (parts.length === 2) return num((lag as { final?: unknown } | undefined)?.final);
    }
  }

  const scenarioResults = o.scenarioResults as Record<string, unknown> | undefined;
  if (scenarioResults && typeof scenarioResults === 'object') {
    if (parts[0] === 'scenarioResults') return num(walk(scenarioResults, parts.slice(1)));
    if (path in scenarioResults) return num(scenarioResults[path]);
  }

  return num(walk(obj, parts));
}

/** A per-phase criterion: the metric on the named phase's totals (a sample: on itself while in that phase). */
function phaseMetric(obj: Measurable, name: string, rest: string): number | null {
  if (isSample(obj)) return obj.phase === name ? resolveMetric(obj, rest) : null;
  const phases = (obj as { phases?: unknown }).phases;
  if (!Array.isArray(phases)) return null;
  const phase = (phases as Array<{ name?: unknown }>).findLast((p) => p?.name === name);
  return phase ? resolveMetric(phase as Record<string, unknown>, rest) : null;
}

/** Why `integrity.lost` is unknown on a result whose consumers ran. */
function lostUnknownNote(i: IntegrityReport): string {
  if (typeof i.lostCommittedUnmeasured === 'string') return `whether committed records were lost is unknown: ${i.lostCommittedUnmeasured}`;
  const unexplained = Math.max(0, i.missing - (i.expectedMissing ?? 0));
  if (unexplained === 0 && typeof i.unread === 'number' && i.unread > 0)
    return `${i.unread} records were still unread when the consumers stopped (final lag): whether they were kept is unknown`;
  return 'records are missing, but the consumers did not read every partition to its end: whether they were lost is unknown';
}

/** The note of a per-phase criterion whose phase the result does not have. */
function missingPhase(obj: Measurable, metric: string): string | undefined {
  const m = /^phases\.([^.]+)\./.exec(metric);
  const phases = (obj as { phases?: unknown }).phases;
  if (!m || isSample(obj) || !Array.isArray(phases)) return undefined;
  const names = (phases as Array<{ name?: unknown }>).map((p) => String(p?.name));
  if (names.includes(m[1]!)) return undefined;
  return `no phase named '${m[1]}' in this run (phases: ${names.length ? names.join(', ') : 'none'})`;
}

/**
 * Missing records that failed batches do not explain, when they are known to be lost: consumers read to the
 * end (`dataLoss` judged) or nothing is missing. Gaps left while consumers stopped with lag may still fill,
 * so the loss is unknown (null), not 0. With transactions, committed records no group read (`lostCommitted`,
 * which also sees a lost tail) are lost too; when not every committed record could be checked, no loss found
 * is unknown, not 0.
 */
function integrityLost(integrity: unknown): number | null {
  if (typeof integrity !== 'object' || integrity === null) return null;
  const i = integrity as IntegrityReport;
  if (i.checked !== true || typeof i.missing !== 'number') return null;
  const unexplained = Math.max(0, i.missing - (typeof i.expectedMissing === 'number' ? i.expectedMissing : 0));
  const gaps = i.dataLoss === true ? unexplained : 0;
  const committed = typeof i.lostCommitted === 'number' ? i.lostCommitted : 0;
  // Acknowledged records a group never read though it read to the end: a lost tail leaves no gap below the
  // highest sequence read, so only this check sees it.
  const acked = typeof i.lostAcked === 'number' ? i.lostAcked : 0;
  // Each counts a record lost below a stream's highest read too: the largest is a floor of the loss.
  if (committed > 0 || acked > 0) return Math.max(committed, acked, gaps);
  if (typeof i.lostCommittedUnmeasured === 'string') return gaps > 0 ? gaps : null;
  if (i.dataLoss === true) return unexplained;
  // Records left unread may be a lost tail (no gap shows one): nothing is claimed of them.
  if (typeof i.unread === 'number' && i.unread > 0) return null;
  return unexplained === 0 ? 0 : null;
}

export function compare(measured: number, op: CriterionOp, value: number): boolean {
  switch (op) {
    case '<':
      return measured < value;
    case '<=':
      return measured <= value;
    case '>':
      return measured > value;
    case '>=':
      return measured >= value;
    case '==':
      return measured === value;
  }
}

const BUILTIN_METRIC =
  /^((producer|consumer)\.errorsByCode\.[A-Z_]+|producer\.(latency(\.(response|service|scheduleLag))?\.(p50|p95|p99|p999|max|mean|count)|msgsPerSec|mbPerSec|rateErrorPercent|errors|errorRatePercent|dropped|failed|acked|sent|scheduled|targetRate)|consumer\.(latency\.(poll|endToEnd)\.(p50|p95|p99|p999|max|mean|count)|msgsPerSec|mbPerSec|consumed|polls|emptyPolls|lag(\.(max|final))?)|integrity\.(missing|lost|duplicates|reordered|corrupted|offsetMismatches|lostAcked|lostCommitted|unackedSeen|unackedAfterFailure|expectedMissing|consumedChecked))$/;

/** Whether the resolver knows the metric at all (it may still have no value on a given object). */
function knownMetric(obj: Measurable, path: string): boolean {
  if (BUILTIN_METRIC.test(path) || /^topics\.(minMsgsPerSec|maxLag)$/.test(path)) return true;
  const phase = /^phases\.[^.]+\.(.+)$/.exec(path);
  if (phase && BUILTIN_METRIC.test(phase[1]!)) return true;
  const o = obj as Record<string, unknown>;
  const metrics = o.metrics as Record<string, unknown> | undefined;
  if (metrics && typeof metrics === 'object' && path in metrics) return true;
  const sr = o.scenarioResults as Record<string, unknown> | undefined;
  if (sr && typeof sr === 'object') {
    if (path in sr) return true;
    if (path.startsWith('scenarioResults.') && walk(sr, path.split('.').slice(1)) !== undefined) return true;
  }
  return walk(obj, path.split('.')) !== undefined;
}

/**
 * Whether an outcome fails its run: not passed, and not marked not applicable. A not-applicable criterion
 * never reads as passed (`passed` is false) but cannot fail a run it was declared unable to judge.
 */
export function criterionFailed(c: CriterionOutcome): boolean {
  return !c.passed && c.notApplicable === undefined;
}

/** A metric source's note on why a final value does not cover the whole run (`result.metricNotes`). */
function metricNote(obj: Measurable, metric: string): string | undefined {
  const notes = (obj as { metricNotes?: unknown }).metricNotes;
  if (typeof notes !== 'object' || notes === null) return undefined;
  const note = (notes as Record<string, unknown>)[metric];
  return typeof note === 'string' && note !== '' ? note : undefined;
}

/**
 * Evaluates criteria on a result (or a sample); an unknown or unmeasured metric fails with a note. A value a
 * metric source noted as not covering the run (failed scrapes) is shown but never passes: what was not seen
 * may have violated the criterion. A criterion marked notApplicable keeps its measured value for information,
 * with `passed: false` and its reason as note.
 */
export function evaluateCriteria(obj: Measurable, criteria: readonly Criterion[]): CriterionOutcome[] {
  return criteria.map((c) => {
    const measured = resolveMetric(obj, c.metric);
    if (c.notApplicable !== undefined) return { ...c, measured, passed: false, note: `N/A: ${c.notApplicable}` };
    const stale = metricNote(obj, c.metric);
    // The note is on the metric source's value; a value from elsewhere (the target's PID) stands on its own.
    const metrics = (obj as { metrics?: Record<string, unknown> }).metrics;
    const fromSource = measured === null || (typeof metrics === 'object' && metrics !== null && c.metric in metrics);
    if (stale !== undefined && fromSource) {
      const note = measured === null ? `not measured: ${stale}` : `not judged on partial data: ${stale}`;
      return { ...c, measured, passed: false, note };
    }
    if (measured === null) {
      const note =
        c.metric === 'target.memoryBytes' || c.metric === 'target.crashes'
          ? `no value was measured for '${c.metric}': it needs the target's PID (target.pid, --target-pid) or its /metrics (the Prometheus plugin, --http-target)`
          : c.metric === 'integrity.lost' && (obj as { integrity?: IntegrityReport }).integrity?.checked === true
            ? lostUnknownNote((obj as { integrity: IntegrityReport }).integrity)
            : (missingPhase(obj, c.metric) ??
              (knownMetric(obj, c.metric)
                ? `no value was measured for '${c.metric}'`
                : c.metric.startsWith('target.')
                  ? `unknown metric '${c.metric}': target.* values come from a metric source (the Prometheus plugin scraping the target's /metrics, --http-target), and none gave this one`
                  : `unknown metric '${c.metric}': not a loadhouse metric, a metric-source value or a scenario result`));
      return { ...c, measured: null, passed: false, note };
    }
    return { ...c, measured, passed: compare(measured, c.op, c.value) };
  });
}

/** Whether a criterion is checked on every sample when it does not say: latency and error metrics are. */
export function isLiveByDefault(metric: string): boolean {
  return /latency|error|dropped|failed/i.test(metric);
}

/** Rate figures a whole-run average smooths over an outage (the backlog is caught up afterwards). */
const WINDOWED_RATE_METRICS = new Set(['producer.msgsPerSec', 'producer.mbPerSec', 'producer.rateErrorPercent']);

/** Whether a criterion is judged on each window as well: live ones, and the producer rate. */
function judgedPerWindow(c: Criterion): boolean {
  return (c.live ?? isLiveByDefault(c.metric)) || WINDOWED_RATE_METRICS.has(c.metric);
}

/** Target-outage windows that violated a criterion: how (LiveCriteria.outageNote), and the note of a pass they fail. */
export interface OutageFailure {
  note: string;
  /** Default: the note, then that the whole-run figure averages over the outage. */
  passedNote?: string;
}

/** What an outage noted against a criterion makes of its end-of-run outcome. */
export function failedByOutage(o: CriterionOutcome, outage: OutageFailure | undefined): CriterionOutcome {
  if (outage === undefined) return o;
  const { note } = outage;
  // A whole-run figure that fails anyway keeps its own note; the outage is said too.
  if (!o.passed) return { ...o, note: o.note ? `${o.note}; ${note}` : note };
  return { ...o, passed: false, note: outage.passedNote ?? `${note}: the whole-run figure averages over the outage` };
}

/** The outage part of a note failedByOutage wrote (a shard's, seen again by `merge`). */
export const OUTAGE_NOTE = /violated in \d+ target-outage windows? \([^)]*\)/;

/**
 * Tracks live violations across samples; reports when one has lasted its criterion's abortAfterSeconds.
 * Also keeps the worst violation of each windowed criterion in target-outage windows, which fail the
 * criterion at the end even when the whole-run figure passes.
 */
export class LiveCriteria {
  private readonly violatingSince = new Map<Criterion, number>();
  private readonly outageViolations = new Map<Criterion, { measured: number; elapsedSeconds: number; windows: number }>();

  constructor(private readonly criteria: () => readonly Criterion[]) {}

  /** A target-outage window (records due, none acknowledged): note the windowed criteria it violates. */
  noteOutage(sample: Sample): void {
    for (const c of this.criteria()) {
      if (!judgedPerWindow(c)) continue;
      const measured = resolveMetric(sample, c.metric);
      if (measured === null || compare(measured, c.op, c.value)) continue;
      const seen = this.outageViolations.get(c);
      if (seen) seen.windows++;
      else this.outageViolations.set(c, { measured, elapsedSeconds: sample.elapsedSeconds, windows: 1 });
    }
  }

  /** How target-outage windows violated a criterion, or undefined when none did. */
  outageFailure(c: Criterion | undefined): OutageFailure | undefined {
    const v = c && this.outageViolations.get(c);
    if (!v) return undefined;
    const note =
      `violated in ${v.windows} target-outage window${v.windows === 1 ? '' : 's'} (no record acknowledged while records were due; ` +
      `${round3(v.measured)} in the window ending at ${v.elapsedSeconds} s)`;
    return { note };
  }

  /** End-of-run outcomes (in the order of the criteria) with those violated during an outage failed. */
  judgeOutages(outcomes: CriterionOutcome[]): CriterionOutcome[] {
    const criteria = this.criteria();
    return outcomes.map((o, i) => failedByOutage(o, this.outageFailure(criteria[i])));
  }

  evaluate(sample: Sample): { outcomes: CriterionOutcome[]; abort: CriterionOutcome | undefined } {
    const live = this.criteria().filter((c) => c.notApplicable === undefined && (c.live ?? isLiveByDefault(c.metric)));
    const outcomes: CriterionOutcome[] = [];
    let abort: CriterionOutcome | undefined;
    const start = sample.elapsedSeconds - sample.intervalSeconds;
    for (const c of live) {
      const measured = resolveMetric(sample, c.metric);
      if (measured === null) continue; // nothing measured in this window: neither a pass nor a violation
      const outcome: CriterionOutcome = { ...c, measured, passed: compare(measured, c.op, c.value) };
      outcomes.push(outcome);
      if (outcome.passed) {
        this.violatingSince.delete(c);
        continue;
      }
      if (!this.violatingSince.has(c)) this.violatingSince.set(c, start);
      const lasted = sample.elapsedSeconds - this.violatingSince.get(c)!;
      if (c.abortAfterSeconds !== undefined && lasted >= c.abortAfterSeconds && !abort) {
        abort = { ...outcome, note: `violated for ${lasted.toFixed(1)} s (abortAfterSeconds ${c.abortAfterSeconds})` };
      }
    }
    return { outcomes, abort };
  }
}
