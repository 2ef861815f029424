// The shape of a diagnosis rule: the cause it names, the symptoms that cause produces, and its evidence test.
import type { DiagnosisCause, DiagnosisConfidence, DiagnosisEvidence } from '../types.js';
import type { Facts, Symptom } from './facts.js';

/** What a rule found: how sure it is and the measured facts behind it. */
export interface Finding {
  confidence: DiagnosisConfidence;
  evidence: DiagnosisEvidence[];
}

/** One cause's rule; `diagnose(result, rules)` judges with a subset of DIAGNOSIS_RULES or rules of other thresholds. */
export interface DiagnosisRule {
  cause: DiagnosisCause;
  /** The kinds of failed criteria this cause produces: it explains the failed criteria of these kinds. */
  symptoms: readonly Symptom[];
  /** What to check or change next (shown with the diagnosis). */
  advice: string;
  /** The evidence in the result, or undefined when there is none past the rule's thresholds. */
  detect(f: Facts): Finding | undefined;
}
