// The integrity criteria every built-in scenario that consumes carries: data the target acknowledged and
// lost, or delivered twice, fails the run. Reordering fails it only where order is promised.
import type { Controller, Criterion } from '@loadhouse/core';

/**
 * `ordered`: each producer has one batch in flight (maxInFlight 1), so its records reach a partition in
 * sequence; with more in flight, batches may be appended out of order and reordering is only reported.
 */
export function integrityCriteria(options: { ordered: boolean }): Criterion[] {
  const criteria: Criterion[] = [
    { metric: 'integrity.lost', op: '==', value: 0, label: 'No records lost' },
    { metric: 'integrity.duplicates', op: '==', value: 0, label: 'No duplicate records' },
  ];
  if (options.ordered)
    criteria.push({ metric: 'integrity.reordered', op: '==', value: 0, label: 'Records in order (one batch in flight)' });
  return criteria;
}

/** Longest wait, after the producers stopped, for consumers to read what is left. */
export const READ_TO_END_SECONDS = 30;

/**
 * Lets the consumers read every partition to its end before they stop: gaps left behind lag could still
 * fill, so without this the integrity criteria would be unmeasured whenever the consumers trailed.
 */
export async function readToEnd(c: Controller): Promise<void> {
  await c.waitFor((s) => s.consumer.lag === 0, { timeoutSeconds: READ_TO_END_SECONDS });
}
