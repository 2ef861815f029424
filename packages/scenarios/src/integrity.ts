// The integrity criteria every built-in scenario that consumes carries: data the target acknowledged and
// lost, corrupted, or delivered twice, fails the run. Reordering fails it only where order is promised.
import { type Controller, type Criterion, playRateProfile, profileStartRate, type RateProfile } from '@loadhouse/core';
import { workloadShape, type ProducerTuning } from './tuning.js';

/**
 * `ordered`: each producer has one batch in flight (maxInFlight 1), so its records reach a partition in
 * sequence; with more in flight, batches may be appended out of order and reordering is only reported.
 */
export function integrityCriteria(options: { ordered: boolean }): Criterion[] {
  const criteria: Criterion[] = [
    { metric: 'integrity.lost', op: '==', value: 0, label: 'No records lost' },
    { metric: 'integrity.duplicates', op: '==', value: 0, label: 'No duplicate records' },
    { metric: 'integrity.corrupted', op: '==', value: 0, label: 'No corrupted records' },
    { metric: 'integrity.offsetMismatches', op: '==', value: 0, label: 'Records at their acknowledged offsets' },
    { metric: 'integrity.unackedSeen', op: '==', value: 0, label: 'No records the target never acknowledged' },
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

/**
 * Steady load with consumers (when there are any) reading alongside from the latest offset: produces at `rate`
 * for `seconds` (or plays `profile`, each segment a phase), then lets the consumers read to the end before they
 * stop, so every record is judged.
 */
export async function produceWithReaders(
  c: Controller,
  o: ProducerTuning & { rate: number; producers: number; partitions: number; consumers: number; seconds: number; profile?: RateProfile },
): Promise<void> {
  const readers =
    o.consumers > 0 ? await c.consume({ rate: 'max', consumers: o.consumers, partitions: o.partitions, startAt: 'latest' }) : undefined;
  const producers = await c.produce({
    rate: o.profile ? profileStartRate(o.profile) : o.rate,
    producers: o.producers,
    partitions: o.partitions,
    messageSize: o.messageSize,
    batchSize: o.batchSize,
    lingerMs: o.lingerMs,
    maxInFlight: o.maxInFlight,
    ...workloadShape(o),
    arrivals: o.arrivals,
  });
  if (o.profile) await playRateProfile(c, producers, o.profile);
  else await c.waitFor(o.seconds);
  await producers.stop();
  if (readers) {
    await readToEnd(c);
    await readers.stop();
  }
}
