// The SLO of a capacity search as text: `producer.latency.p99<100`, several joined by commas, the same
// metric paths and operators as criteria given as data.
import { isLiveByDefault } from '../criteria.js';
import { LoadhouseError } from '../errors.js';
import { validateCriterion } from '../options.js';
import type { Criterion, CriterionOp } from '../types.js';

// Two-character operators first, so that `<=` is not read as `<` followed by `=100`.
const CRITERION_TEXT = /^\s*([A-Za-z_][\w.-]*)\s*(<=|>=|==|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*$/i;

/**
 * Criteria from text: `metric op value` (op one of `<`, `<=`, `>`, `>=`, `==`), several separated by commas,
 * e.g. `producer.latency.p99<100,producer.errors<=0`. Throws LH_INVALID_OPTION naming `what` on bad text.
 */
export function parseCriteria(text: string, what = '--slo'): Criterion[] {
  const parts = text.split(',').filter((p) => p.trim() !== '');
  if (parts.length === 0) throw bad(what, text);
  return parts.map((part) => {
    const m = CRITERION_TEXT.exec(part);
    if (!m) throw bad(what, part);
    return validateCriterion(what, { metric: m[1]!, op: m[2] as CriterionOp, value: Number(m[3]), label: `${m[1]} ${m[2]} ${m[3]}` });
  });
}

function bad(what: string, text: string): LoadhouseError {
  return new LoadhouseError(
    'LH_INVALID_OPTION',
    `${what} ${JSON.stringify(text)} is not a criterion: write METRIC OP VALUE such as 'producer.latency.p99<100' ` +
      '(OP one of < <= > >= ==), several separated by commas',
    { details: { option: what, value: text } },
  );
}

/** A scenario's criteria that make a default SLO: its latency and error criteria (rates and memory are not). */
export function defaultSlo(criteria: readonly Criterion[]): Criterion[] {
  return criteria.filter((c) => isLiveByDefault(c.metric) && c.notApplicable === undefined).map((c) => ({ ...c }));
}
