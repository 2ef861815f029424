// compareResults: did the candidate run get worse than the baseline? A metric regresses only when two things hold
// at once: its whole-run figure moved the worse way by more than the threshold (and by more than the metric's
// smallest meaningful amount), and its per-window values rank the worse way more consistently than run-to-run
// noise explains (one-sided Mann-Whitney over the windows, Holm-corrected over the metrics compared). Method,
// defaults and limits: docs/compare.md.
import { LoadhouseError } from '../errors.js';
import { stable } from '../result/merge-check.js';
import { checkResult } from '../result/validate.js';
import type { LoadTestResult } from '../types.js';
import { mannWhitney, smallestP } from './mann-whitney.js';
import { COMPARE_METRICS, type CompareMetric, type CompareUnit, measuredWindows } from './metrics.js';

/** Default `thresholdPercent`: the smallest relative change of a whole-run figure that can count. */
export const DEFAULT_COMPARE_THRESHOLD_PERCENT = 10;
/** Default `alpha`: the chance, over all the metrics of one comparison together, of calling noise a change. */
export const DEFAULT_COMPARE_ALPHA = 0.05;

/** How `compareResults` judges (docs/compare.md). */
export interface CompareOptions {
  /**
   * Smallest change of a whole-run figure that can count, in percent, judged as the larger figure over the smaller
   * (a rise from 10 to 11 ms and a fall from 11 to 10 ms are both 10%). Default 10.
   */
  thresholdPercent?: number;
  /** Family-wise significance level over the metrics compared (Holm). Default 0.05. */
  alpha?: number;
  /** Compare results of different scenarios, options or shard counts (their differences become warnings). */
  force?: boolean;
  /** Accept a partial, aborted or failed baseline (a warning says so). */
  allowPartialBaseline?: boolean;
  /** How the two inputs are named in messages (file paths). */
  names?: readonly [string, string];
}

/** How one metric compares. */
export interface MetricComparison {
  metric: string;
  label: string;
  unit: CompareUnit;
  /** Which way is a regression. */
  worse: 'higher' | 'lower';
  /** Whole-run figures (exact histograms, run totals). */
  baseline: number;
  candidate: number;
  /** candidate / baseline - 1, in percent; null when the baseline is 0. */
  changePercent: number | null;
  /** Windows ranked by the test, per run. */
  windows: { baseline: number; candidate: number };
  /** One-sided p-values over the windows: of a shift this large the worse way, and the better way. */
  pWorse: number;
  pBetter: number;
  /** The level the p-value of the metric's direction of change had to beat (Holm's step for its rank). */
  level: number;
  /** The change is larger than the threshold and the windows show it beyond noise. */
  significant: boolean;
  /**
   * regressed / improved: significant, the worse or better way; same: within the threshold or not beyond noise;
   * untested: beyond the threshold, but too few windows to tell it from noise.
   */
  outcome: 'regressed' | 'improved' | 'same' | 'untested';
}

/** A summary of one input. */
export interface ComparedRun {
  name: string;
  scenario: string;
  startedAt: string;
  state: LoadTestResult['state'];
  partial: boolean;
  /** Windows after warm-up the test could rank. */
  windows: number;
}

/** What `compareResults` found. */
export interface Comparison {
  /**
   * regressed: a metric got significantly worse beyond the threshold. improved: none did and one got better.
   * same: no metric changed beyond the threshold and noise. inconclusive: nothing regressed, but a change beyond
   * the threshold could not be told from noise (too few windows), the candidate did not run to its end, or the load
   * generator was saturated in more than a quarter of a run's windows.
   */
  verdict: 'regressed' | 'improved' | 'same' | 'inconclusive';
  regressions: MetricComparison[];
  improvements: MetricComparison[];
  /** Why the verdict is inconclusive; empty otherwise. */
  inconclusiveBecause: string[];
  /** Every metric both runs measured, in table order. */
  metrics: MetricComparison[];
  thresholdPercent: number;
  alpha: number;
  baseline: ComparedRun;
  candidate: ComparedRun;
  /** What may make the comparison less fair than it looks (different machines, forced shapes...). */
  warnings: string[];
}

function mismatch(message: string, details: Record<string, unknown>): LoadhouseError {
  return new LoadhouseError('LH_COMPARE_MISMATCH', message, { details });
}

function shardCount(r: LoadTestResult): number {
  return r.merge ? r.merge.shardCount : (r.shard?.count ?? 1);
}

/** Differences that make the two runs different tests: refused, or warnings with `force`. */
function shapeDifferences(b: LoadTestResult, c: LoadTestResult): string[] {
  const out: string[] = [];
  if (b.scenario !== c.scenario) out.push(`the baseline ran scenario ${b.scenario}, the candidate ${c.scenario}`);
  const bo = b.config.scenarioOptions;
  const co = c.config.scenarioOptions;
  const keys = [...new Set([...Object.keys(bo), ...Object.keys(co)])].filter((k) => stable(bo[k]) !== stable(co[k]));
  if (keys.length > 0) {
    const each = keys.slice(0, 5).map((k) => `${k} ${stable(bo[k]) ?? 'unset'} vs ${stable(co[k]) ?? 'unset'}`);
    out.push(`scenario options differ: ${each.join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`);
  }
  if (shardCount(b) !== shardCount(c)) out.push(`the baseline ran on ${shardCount(b)} shard(s), the candidate on ${shardCount(c)}`);
  if (b.config.intervalMs !== c.config.intervalMs)
    out.push(`the baseline's window is ${b.config.intervalMs} ms, the candidate's ${c.config.intervalMs} ms`);
  return out;
}

function notWhole(r: LoadTestResult): string | undefined {
  if (r.state === 'failed') return `failed (${r.error.code})`;
  if (r.state === 'aborted' || r.partial) return `partial (${r.endReason}: ${r.endMessage})`;
  return undefined;
}

/** The warnings of fair but imperfect comparisons. */
function fairnessWarnings(b: LoadTestResult, c: LoadTestResult): string[] {
  const out: string[] = [];
  const host = (r: LoadTestResult) => `${r.environment.hostname} (${r.environment.cpus} CPUs, ${r.environment.cpuModel})`;
  if (host(b) !== host(c)) out.push(`the runs ran on different machines: ${host(b)} and ${host(c)}; a change may be the machine's`);
  if (b.environment.loadhouseVersion !== c.environment.loadhouseVersion)
    out.push(`different loadhouse versions measured the runs: ${b.environment.loadhouseVersion} and ${c.environment.loadhouseVersion}`);
  if (b.merge || c.merge)
    out.push("a merged result's per-window percentiles are its worst shard's: the windows rank shards, its whole-run figures are exact");
  for (const [role, r] of [
    ['baseline', b],
    ['candidate', c],
  ] as const) {
    const { saturated, windows } = saturation(r);
    if (saturated > 0 && saturated / windows <= MAX_SATURATED_SHARE)
      out.push(
        `the load generator was saturated in ${saturated} of the ${windows} windows of the ${role}: those describe the tool as much as the target`,
      );
  }
  return out;
}

// Beyond this share of saturated windows a run measured the generator's machine, not the target: no verdict of
// "same" or "improved" can rest on it.
const MAX_SATURATED_SHARE = 0.25;

function saturation(r: LoadTestResult): { saturated: number; windows: number } {
  const windows = measuredWindows(r);
  return { saturated: windows.filter((s) => s.generator.saturated).length, windows: windows.length };
}

interface Measured {
  def: CompareMetric;
  baseline: number;
  candidate: number;
  base: number[];
  cand: number[];
}

function measure(b: LoadTestResult, c: LoadTestResult): Measured[] {
  const bw = measuredWindows(b);
  const cw = measuredWindows(c);
  const values = (def: CompareMetric, windows: typeof bw) => windows.flatMap((s) => (def.window(s) === undefined ? [] : [def.window(s)!]));
  return COMPARE_METRICS.flatMap((def) => {
    const baseline = def.whole(b);
    const candidate = def.whole(c);
    if (baseline === undefined || candidate === undefined) return [];
    return [{ def, baseline, candidate, base: values(def, bw), cand: values(def, cw) }];
  });
}

/**
 * Whether the candidate moved beyond both the floor and the threshold, and which way. The change is judged as the
 * ratio of the larger figure to the smaller, so that a halving and a doubling are the same size of change (10 -> 40 ms
 * is +300%, and 40 -> 10 ms only -75% as a plain percentage, which could never pass a threshold above 100%).
 */
function beyond(m: Measured, thresholdPercent: number): 'worse' | 'better' | undefined {
  const delta = m.candidate - m.baseline;
  if (Math.abs(delta) < m.def.minAbsolute) return undefined;
  const low = Math.min(Math.abs(m.baseline), Math.abs(m.candidate));
  const high = Math.max(Math.abs(m.baseline), Math.abs(m.candidate));
  const ratioPercent = low === 0 ? Number.POSITIVE_INFINITY : 100 * (high / low - 1);
  if (ratioPercent <= thresholdPercent) return undefined;
  return (m.def.worse === 'higher' ? delta : -delta) > 0 ? 'worse' : 'better';
}

/**
 * Holm's step-down procedure: the k-th smallest of `count` p-values is judged at alpha / (count - k), and only while
 * every smaller one was rejected. Returns each p-value's level and whether it was rejected.
 */
function holm(pValues: readonly number[], alpha: number): Array<{ level: number; rejected: boolean }> {
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const out = pValues.map(() => ({ level: alpha, rejected: false }));
  let rejecting = true;
  order.forEach(({ p, i }, k) => {
    const level = alpha / (pValues.length - k);
    rejecting = rejecting && p <= level;
    out[i] = { level, rejected: rejecting };
  });
  return out;
}

/**
 * Compares a candidate run with a baseline run of the same test, metric by metric, and says whether it regressed,
 * improved or stayed the same beyond run-to-run noise (method: docs/compare.md). Both are checked as results first
 * (LH_RESULT_INVALID); results of different scenarios, scenario options, shard counts or windows are refused
 * (LH_COMPARE_MISMATCH) unless `force`; a partial, aborted or failed baseline is refused
 * (LH_COMPARE_BASELINE_PARTIAL) unless `allowPartialBaseline`. Pure and deterministic.
 */
export function compareResults(baseline: unknown, candidate: unknown, options: CompareOptions = {}): Comparison {
  const [bName, cName] = options.names ?? ['baseline', 'candidate'];
  const threshold = options.thresholdPercent ?? DEFAULT_COMPARE_THRESHOLD_PERCENT;
  const alpha = options.alpha ?? DEFAULT_COMPARE_ALPHA;
  if (!(threshold >= 0) || !Number.isFinite(threshold))
    throw new LoadhouseError('LH_INVALID_OPTION', `The threshold must be a percentage of 0 or more, not ${threshold}.`);
  if (!(alpha > 0 && alpha < 1)) throw new LoadhouseError('LH_INVALID_OPTION', `alpha must be between 0 and 1, not ${alpha}.`);
  const b = checkResult(baseline, bName);
  const c = checkResult(candidate, cName);
  const warnings: string[] = [];
  const shape = shapeDifferences(b, c);
  if (shape.length > 0 && !options.force) {
    throw mismatch(`${bName} and ${cName} are not runs of the same test: ${shape.join('; ')}. Compare runs of one test, or pass --force.`, {
      differences: shape,
    });
  }
  warnings.push(...shape.map((s) => `compared anyway (--force): ${s}`));
  const baseProblem = notWhole(b);
  if (baseProblem && !options.allowPartialBaseline) {
    throw new LoadhouseError(
      'LH_COMPARE_BASELINE_PARTIAL',
      `The baseline ${bName} is ${baseProblem}: it does not describe a whole run, so a candidate could look better or worse than it for no reason. ` +
        'Keep a completed run as the baseline, or pass --allow-partial-baseline.',
      { details: { path: bName } },
    );
  }
  if (baseProblem) warnings.push(`the baseline is ${baseProblem} (--allow-partial-baseline)`);
  warnings.push(...fairnessWarnings(b, c));

  const measured = measure(b, c);
  const directions = measured.map((m) => beyond(m, threshold));
  const tests = measured.map((m) => mannWhitney(m.base, m.cand));
  const pWorse = measured.map((m, i) => (m.def.worse === 'higher' ? tests[i]!.pGreater : tests[i]!.pLess));
  const pBetter = measured.map((m, i) => (m.def.worse === 'higher' ? tests[i]!.pLess : tests[i]!.pGreater));
  // Each direction is its own family: a metric can only move one way, so the two never both reject.
  const worseHolm = holm(pWorse, alpha);
  const betterHolm = holm(pBetter, alpha);
  // Windows too few for even a perfect separation to beat the strictest level: the test cannot speak.
  const strictest = alpha / Math.max(1, measured.length);

  const metrics = measured.map((m, i): MetricComparison => {
    const direction = directions[i];
    const { level, rejected } = direction === 'better' ? betterHolm[i]! : worseHolm[i]!;
    const testable = m.base.length > 0 && m.cand.length > 0 && smallestP(m.base.length, m.cand.length) <= strictest;
    const significant = direction !== undefined && testable && rejected;
    const outcome =
      direction === undefined ? 'same' : significant ? (direction === 'worse' ? 'regressed' : 'improved') : testable ? 'same' : 'untested';
    return {
      metric: m.def.metric,
      label: m.def.label,
      unit: m.def.unit,
      worse: m.def.worse,
      baseline: m.baseline,
      candidate: m.candidate,
      changePercent: m.baseline === 0 ? null : (100 * (m.candidate - m.baseline)) / Math.abs(m.baseline),
      windows: { baseline: m.base.length, candidate: m.cand.length },
      pWorse: pWorse[i]!,
      pBetter: pBetter[i]!,
      level,
      significant,
      outcome,
    };
  });

  const regressions = metrics.filter((m) => m.outcome === 'regressed');
  const improvements = metrics.filter((m) => m.outcome === 'improved');
  const inconclusiveBecause: string[] = [];
  const candProblem = notWhole(c);
  if (candProblem) inconclusiveBecause.push(`the candidate ${cName} is ${candProblem}: its figures do not describe a whole run`);
  for (const [role, r] of [
    ['baseline', b],
    ['candidate', c],
  ] as const) {
    const { saturated, windows } = saturation(r);
    if (windows > 0 && saturated / windows > MAX_SATURATED_SHARE)
      inconclusiveBecause.push(
        `the load generator was saturated in ${saturated} of the ${windows} windows of the ${role}: it measured its own machine, not the target (run where the generator has CPU to spare)`,
      );
  }
  const untested = metrics.filter((m) => m.outcome === 'untested');
  if (untested.length > 0) {
    const fewest = Math.min(...untested.flatMap((m) => [m.windows.baseline, m.windows.candidate]));
    inconclusiveBecause.push(
      `${untested.map((m) => m.label).join(', ')} changed beyond ${threshold}% but ${fewest} window(s) cannot tell that from noise: run longer (more windows)`,
    );
  }
  if (metrics.length === 0) inconclusiveBecause.push('the two runs measured no metric in common');
  const verdict =
    regressions.length > 0 ? 'regressed' : inconclusiveBecause.length > 0 ? 'inconclusive' : improvements.length > 0 ? 'improved' : 'same';
  const run = (r: LoadTestResult, name: string): ComparedRun => ({
    name,
    scenario: r.scenario,
    startedAt: r.startedAt,
    state: r.state,
    partial: r.partial,
    windows: measuredWindows(r).length,
  });
  return {
    verdict,
    regressions,
    improvements,
    inconclusiveBecause,
    metrics,
    thresholdPercent: threshold,
    alpha,
    baseline: run(b, bName),
    candidate: run(c, cName),
    warnings,
  };
}
