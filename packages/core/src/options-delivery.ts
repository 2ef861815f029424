// Validation of `options.delivery`: retries, idempotent producers and transactions.
import { checkKeys, invalid, positiveInt } from './options-rules.js';
import type { DeliveryConfig, DeliveryOptions } from './types.js';

/** Retries of an idempotent or transactional producer when `retries` is not given. */
export const DEFAULT_IDEMPOTENT_RETRIES = 5;
export const MAX_RETRIES = 100;

/** The delivery settings a run uses; null when batches are sent once without a producer id (the default). */
/** `runSeed` is the run's seed, the abort draws' seed when `transactions.seed` is not given. */
export function resolveDelivery(d: DeliveryOptions | undefined, runSeed = 1): DeliveryConfig | null {
  if (d === undefined) return null;
  if (typeof d !== 'object' || d === null) throw invalid('options.delivery', 'an object { idempotent, retries, transactions }', d);
  checkKeys('options.delivery', d, ['idempotent', 'retries', 'transactions']);
  if (d.idempotent !== undefined && typeof d.idempotent !== 'boolean')
    throw invalid('options.delivery.idempotent', 'a boolean', d.idempotent);
  let transactions: DeliveryConfig['transactions'] = null;
  if (d.transactions !== undefined) {
    const t = d.transactions;
    if (typeof t !== 'object' || t === null)
      throw invalid('options.delivery.transactions', 'an object { recordsPerTransaction, abortRatio, seed }', t);
    checkKeys('options.delivery.transactions', t, ['recordsPerTransaction', 'abortRatio', 'seed']);
    const abortRatio = t.abortRatio ?? 0;
    if (typeof abortRatio !== 'number' || !(abortRatio >= 0 && abortRatio <= 1))
      throw invalid('options.delivery.transactions.abortRatio', 'a fraction from 0 to 1', abortRatio);
    const seed = t.seed ?? runSeed;
    if (typeof seed !== 'number' || !Number.isInteger(seed)) throw invalid('options.delivery.transactions.seed', 'an integer', seed);
    transactions = {
      recordsPerTransaction: positiveInt('options.delivery.transactions.recordsPerTransaction', t.recordsPerTransaction, 10_000_000),
      abortRatio,
      seed,
    };
  }
  const idempotent = d.idempotent === true || transactions !== null;
  let retries = idempotent ? DEFAULT_IDEMPOTENT_RETRIES : 0;
  if (d.retries !== undefined) {
    const r = d.retries;
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > MAX_RETRIES)
      throw invalid('options.delivery.retries', `an integer from 0 to ${MAX_RETRIES}`, r);
    retries = r;
  }
  if (!idempotent && retries === 0) return null;
  return { idempotent, retries, transactions };
}
