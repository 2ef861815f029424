// The counts of retries, idempotence and transactions: a producer's running tally (plain data, sent with its
// totals) and the run's sums of them, turned into result.producer.idempotence / transactions.
import { addEncoded, createHistogram, summarizeHistogram } from '../metrics/histogram.js';
import type { DeliveryConfig, IdempotenceReport, ProducerTotals, TransactionsReport } from '../types.js';

export interface DeliveryTally {
  initProducerCalls: number;
  retriedBatches: number;
  retriedRecords: number;
  duplicateBatches: number;
  duplicateRecords: number;
  fenced: number;
  committed: number;
  aborted: number;
  committedRecords: number;
  abortedRecords: number;
  txFailed: number;
  uncertainRecords: number;
  /** Uncompressed HDR encodings (µs) of the InitProducer and CommitTransaction latencies. */
  initProducerLatency?: Uint8Array;
  commitLatency?: Uint8Array;
}

export function emptyDeliveryTally(): DeliveryTally {
  return {
    initProducerCalls: 0,
    retriedBatches: 0,
    retriedRecords: 0,
    duplicateBatches: 0,
    duplicateRecords: 0,
    fenced: 0,
    committed: 0,
    aborted: 0,
    committedRecords: 0,
    abortedRecords: 0,
    txFailed: 0,
    uncertainRecords: 0,
  };
}

/** The run's idempotence and transaction reports from every producer's final tally. */
export function deliveryReports(
  config: DeliveryConfig,
  tallies: readonly DeliveryTally[],
): { idempotence: IdempotenceReport; transactions?: TransactionsReport } {
  const sum = emptyDeliveryTally();
  const init = createHistogram();
  const commit = createHistogram();
  try {
    for (const t of tallies) {
      for (const k of Object.keys(sum) as Array<keyof typeof sum>) (sum[k] as number) += t[k] as number;
      if (t.initProducerLatency) addEncoded(init, t.initProducerLatency);
      if (t.commitLatency) addEncoded(commit, t.commitLatency);
    }
    const idempotence: IdempotenceReport = {
      enabled: config.idempotent,
      initProducerCalls: sum.initProducerCalls,
      initProducerLatency: summarizeHistogram(init),
      retriedBatches: sum.retriedBatches,
      retriedRecords: sum.retriedRecords,
      duplicateBatches: sum.duplicateBatches,
      duplicateRecords: sum.duplicateRecords,
      fenced: sum.fenced,
    };
    if (!config.transactions) return { idempotence };
    return {
      idempotence,
      transactions: {
        committed: sum.committed,
        aborted: sum.aborted,
        committedRecords: sum.committedRecords,
        abortedRecords: sum.abortedRecords,
        failed: sum.txFailed,
        uncertainRecords: sum.uncertainRecords,
        commitLatency: summarizeHistogram(commit),
      },
    };
  } finally {
    init.destroy();
    commit.destroy();
  }
}

/** Adds the delivery reports to a result's producer totals (a run without delivery settings has none). */
export function addDeliveryReports(producer: ProducerTotals, config: DeliveryConfig | null, tallies: readonly DeliveryTally[]): void {
  if (!config) return;
  const { idempotence, transactions } = deliveryReports(config, tallies);
  producer.idempotence = idempotence;
  if (transactions) producer.transactions = transactions;
}

/**
 * Records consumers must not find, beyond those of failed batches: acked in aborted transactions, or in ones
 * whose end is unknown (they count as expected-missing, so their absence is not data loss).
 */
export function expectedAbsent(tallies: readonly DeliveryTally[]): number {
  let n = 0;
  for (const t of tallies) n += t.abortedRecords + t.uncertainRecords;
  return n;
}
