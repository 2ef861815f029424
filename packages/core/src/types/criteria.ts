// Success criteria as data, and their outcomes.

export type CriterionOp = '<' | '<=' | '>' | '>=' | '==';

/**
 * A success criterion as data. `metric` is a dotted path into the result (`producer.latency.p99`,
 * `producer.errors`, `producer.rateErrorPercent`, `consumer.latency.poll.p99`) or a metric-source name
 * (`target.cacheHitRate`), or a `scenarioResults` entry.
 */
export interface Criterion {
  metric: string;
  op: CriterionOp;
  value: number;
  unit?: string;
  /** Row label in the summary table (default: derived from metric and op). */
  label?: string;
  /** Evaluate on every sample too (default true for latency and error metrics). */
  live?: boolean;
  /** Abort the run when a live violation lasts this many seconds. */
  abortAfterSeconds?: number;
  /**
   * Why this criterion cannot judge this run (a run too short or too small for what it measures). It is shown
   * as N/A with this reason, never passes, and does not fail the run (see criterionFailed).
   */
  notApplicable?: string;
}

export interface CriterionOutcome extends Criterion {
  measured: number | null;
  passed: boolean;
  /** Why `measured` is null, or other context. */
  note?: string;
}
