// Diagnosis of a failed run: the rules and diagnose() (docs/diagnosis.md).
export { diagnose, DIAGNOSIS_RULES } from './diagnose.js';
export type { DiagnosisRule, Finding } from './rule.js';
export type { Facts, Symptom } from './facts.js';
