// What the rules read from a result: the failed criteria sorted into the kinds of symptom a cause can produce,
// and small readers of metric-source values and series that tolerate results of older versions.
import { criterionFailed } from '../criteria.js';
import type { CriterionOutcome, DiagnosisConfidence, LoadTestResult, Sample } from '../types.js';

/** The kinds of symptom a failed criterion shows; a rule names the kinds its cause produces. */
export type Symptom = 'latency' | 'throughput' | 'errors' | 'lag' | 'integrity' | 'memory' | 'crashes' | 'cache' | 's3' | 'other';

/** The symptom of a criterion's metric. Scenario results are matched by the names the scenarios give them. */
export function symptomOf(metric: string): Symptom {
  if (metric.startsWith('integrity.')) return 'integrity';
  if (metric.startsWith('target.s3.') || metric.startsWith('s3.')) return 's3';
  if (/cacheHitRate$/.test(metric)) return 'cache';
  if (metric === 'target.memoryBytes' || metric.startsWith('resources.memory')) return 'memory';
  if (metric === 'target.crashes' || metric === 'target.restarts') return 'crashes';
  if (/^(producer|consumer)\.latency\./.test(metric)) return 'latency';
  if (/^(producer|consumer)\.(errorsByCode\.|errors$|errorRatePercent$|failed$|dropped$|connectionErrors$)/.test(metric)) return 'errors';
  if (/^consumer\.lag/.test(metric) || /^(timeToClear|catchUp)/.test(metric)) return 'lag';
  if (
    /^(producer|consumer)\.(msgsPerSec|mbPerSec|rateErrorPercent|acked|sent|consumed|targetRate)$/.test(metric) ||
    metric === 'resources.throughputVariancePercent' ||
    metric === 'producersIncomplete'
  )
    return 'throughput';
  return 'other';
}

/** A criterion's name as the summary table shows it. */
export const criterionLabel = (c: CriterionOutcome): string => c.label ?? c.metric;

/** What a rule is given: the result, its failed criteria and its measured windows. */
export interface Facts {
  result: LoadTestResult;
  /** The failed criteria (not-applicable ones excluded). */
  failed: CriterionOutcome[];
  /** The windows after warm-up. */
  measured: Sample[];
}

export function factsOf(result: LoadTestResult): Facts {
  const criteria = Array.isArray(result.criteria) ? result.criteria : [];
  const series = Array.isArray(result.series) ? result.series : [];
  return { result, failed: criteria.filter(criterionFailed), measured: series.filter((s) => !s.warmup) };
}

/** A metric-source value of the result (`target.s3.throttles`), undefined when no source gave it. */
export function metric(f: Facts, name: string): number | undefined {
  const v = f.result.metrics?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** True when a metric source noted that its value does not cover the whole run (failed scrapes). */
export const partialMetric = (f: Facts, name: string): boolean => f.result.metricNotes?.[name] !== undefined;

/** A metric-source value per measured window that has it. */
export function windowMetric(f: Facts, name: string): Array<{ t: number; v: number; sample: Sample }> {
  const out: Array<{ t: number; v: number; sample: Sample }> = [];
  for (const s of f.measured) {
    const v = s.metrics?.[name];
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ t: s.elapsedSeconds, v, sample: s });
  }
  return out;
}

/** Seconds of measured run (after warm-up), at least one interval. */
export function measuredSeconds(f: Facts): number {
  const fromSeries = f.measured.reduce((a, s) => a + (s.intervalSeconds ?? 0), 0);
  return Math.max(fromSeries, f.result.durationSeconds - f.result.warmupSeconds, 1e-3);
}

const ORDER: readonly DiagnosisConfidence[] = ['low', 'medium', 'high'];

/** One step less sure (evidence that covers only part of the run). */
export const lower = (c: DiagnosisConfidence): DiagnosisConfidence => ORDER[Math.max(0, ORDER.indexOf(c) - 1)]!;

export const confidenceRank = (c: DiagnosisConfidence): number => ORDER.indexOf(c);

/** Rounded for evidence: three significant decimals are all a reader needs. */
export const round = (v: number): number => Math.round(v * 1000) / 1000;
