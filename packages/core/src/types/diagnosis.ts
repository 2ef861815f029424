// What most likely made a run fail: `result.diagnosis`, built from evidence the result already holds.

/** The causes loadhouse can name (docs/diagnosis.md says what evidence each one needs). */
export type DiagnosisCause =
  | 'generator-saturated'
  | 'in-flight-limit'
  | 'target-unreachable'
  | 's3-throttling'
  | 's3-slow'
  | 'target-memory-growth'
  | 'target-cpu-saturated'
  | 'connection-errors'
  | 'consumer-cache-misses'
  | 'data-loss';

/**
 * How sure a diagnosis is. `high`: the evidence alone produces the failure (an outage, records lost, the
 * generator saturated most of the run). `medium`: the evidence is past its threshold and commonly causes such a
 * failure, but the link is inferred. `low`: the evidence is weak, near its threshold, or covers only part of the run.
 */
export type DiagnosisConfidence = 'high' | 'medium' | 'low';

/** One measured fact behind a diagnosis. */
export interface DiagnosisEvidence {
  /** A result path or metric-source name (`target.s3.throttles`, `outages.seconds`), or a derived figure named in docs/diagnosis.md. */
  metric: string;
  value: number;
  /** The rule's threshold the value was compared with; null when the value is context, not a test. */
  threshold: number | null;
  /** What the value means here, when the name alone does not say. */
  note?: string;
}

/** A likely cause of a failed run, ranked by confidence, then by how many failed criteria it explains. */
export interface Diagnosis {
  cause: DiagnosisCause;
  /** Labels of the failed criteria this cause would explain (each criterion's `label`, else its metric). */
  explains: string[];
  confidence: DiagnosisConfidence;
  evidence: DiagnosisEvidence[];
  /** What to check or change next. */
  advice: string;
}
