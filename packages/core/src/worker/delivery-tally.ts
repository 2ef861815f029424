// The counts of retries, idempotence and transactions: a producer's running tally (plain data, sent with its
// totals) and the run's sums of them, turned into result.producer.idempotence / transactions.
import { addEncoded, createHistogram, encodeHistogram, type Histogram, summarizeHistogram } from '../metrics/histogram.js';
import type { DeliveryConfig, IdempotenceReport, ProducerTotals, TransactionsReport } from '../types.js';

/**
 * Keys of the delivery calls' histograms in `result.histograms`: kept so that `loadhouse merge` combines shards'
 * latencies exactly, as it does the producer's and consumer's.
 */
export const DELIVERY_HISTOGRAMS = {
  initProducer: 'delivery.initProducer',
  commit: 'delivery.commit',
  abort: 'delivery.abort',
} as const;

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
  /** Uncompressed HDR encodings (µs) of the InitProducer, CommitTransaction and AbortTransaction latencies. */
  initProducerLatency?: Uint8Array;
  commitLatency?: Uint8Array;
  abortLatency?: Uint8Array;
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

/** The run's idempotence and transaction reports from every producer's final tally, and their histograms. */
export function deliveryReports(
  config: DeliveryConfig,
  tallies: readonly DeliveryTally[],
): { idempotence: IdempotenceReport; transactions?: TransactionsReport; histograms: Record<string, string> } {
  const sum = emptyDeliveryTally();
  const init = createHistogram();
  const commit = createHistogram();
  const abort = createHistogram();
  try {
    for (const t of tallies) {
      for (const k of Object.keys(sum) as Array<keyof typeof sum>) (sum[k] as number) += t[k] as number;
      if (t.initProducerLatency) addEncoded(init, t.initProducerLatency);
      if (t.commitLatency) addEncoded(commit, t.commitLatency);
      if (t.abortLatency) addEncoded(abort, t.abortLatency);
    }
    const histograms: Record<string, string> = {};
    const keep = (key: string, h: Histogram) => {
      if (h.totalCount > 0) histograms[key] = encodeHistogram(h);
    };
    keep(DELIVERY_HISTOGRAMS.initProducer, init);
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
    if (!config.transactions) return { idempotence, histograms };
    keep(DELIVERY_HISTOGRAMS.commit, commit);
    keep(DELIVERY_HISTOGRAMS.abort, abort);
    return {
      idempotence,
      histograms,
      transactions: {
        committed: sum.committed,
        aborted: sum.aborted,
        committedRecords: sum.committedRecords,
        abortedRecords: sum.abortedRecords,
        failed: sum.txFailed,
        uncertainRecords: sum.uncertainRecords,
        commitLatency: summarizeHistogram(commit),
        abortLatency: summarizeHistogram(abort),
      },
    };
  } finally {
    init.destroy();
    commit.destroy();
    abort.destroy();
  }
}

/**
 * Adds the delivery reports to a result's producer totals and their histograms to its `histograms` (a run
 * without delivery settings has none).
 */
export function addDeliveryReports(
  result: { producer: ProducerTotals; histograms: Record<string, string> },
  config: DeliveryConfig | null,
  tallies: readonly DeliveryTally[],
): void {
  if (!config) return;
  const { idempotence, transactions, histograms } = deliveryReports(config, tallies);
  result.producer.idempotence = idempotence;
  if (transactions) result.producer.transactions = transactions;
  Object.assign(result.histograms, histograms);
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
