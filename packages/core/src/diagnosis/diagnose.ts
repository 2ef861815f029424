// diagnose(): what most likely made a run fail, from evidence the result already holds. A pure function of the
// result, so a run, a merge and a report of an old result all give the same answer.
import type { Diagnosis, LoadTestResult } from '../types.js';
import { confidenceRank, criterionLabel, factsOf, symptomOf } from './facts.js';
import type { DiagnosisRule } from './rule.js';
import { connectionErrors, dataLoss, generatorSaturated, inFlightLimit } from './rules-client.js';
import { consumerCacheMisses, s3Slow, s3Throttling } from './rules-storage.js';
import { targetCpuSaturated, targetMemoryGrowth, targetUnreachable } from './rules-target.js';

/**
 * The rules, in the order that breaks ties: causes that make others (an outage makes connection errors and
 * lag; throttled uploads make memory grow) come before the symptoms they make.
 */
export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  dataLoss,
  targetUnreachable,
  generatorSaturated,
  inFlightLimit,
  s3Throttling,
  s3Slow,
  targetCpuSaturated,
  targetMemoryGrowth,
  consumerCacheMisses,
  connectionErrors,
];

/**
 * The likely causes of a failed run, most likely first: by confidence, then by how many failed criteria each
 * explains. Empty when no criterion failed and the run did not fail: a healthy run has no diagnosis. A cause
 * whose evidence is there but explains none of the failed criteria is left out, unless the run itself failed.
 */
export function diagnose(result: LoadTestResult, rules: readonly DiagnosisRule[] = DIAGNOSIS_RULES): Diagnosis[] {
  const facts = factsOf(result);
  const runFailed = result.state === 'failed';
  if (!facts.failed.length && !runFailed) return [];
  const out: Array<Diagnosis & { order: number }> = [];
  rules.forEach((rule, order) => {
    const found = rule.detect(facts);
    if (!found) return;
    const explains = facts.failed.filter((c) => rule.symptoms.includes(symptomOf(c.metric))).map(criterionLabel);
    if (!explains.length && !runFailed) return;
    out.push({ cause: rule.cause, explains, confidence: found.confidence, evidence: found.evidence, advice: rule.advice, order });
  });
  out.sort(
    (a, b) => confidenceRank(b.confidence) - confidenceRank(a.confidence) || b.explains.length - a.explains.length || a.order - b.order,
  );
  return out.map(({ order: _, ...d }) => d);
}
