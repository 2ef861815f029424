// The delivery reports of shards (idempotence, transactions) merged into one run's: counts sum; the latencies of
// InitProducer, commit and abort come from the shards' merged histograms (exact). A shard written without those
// histograms leaves only its summary: count, max and mean still combine exactly, percentiles do not, and they
// are then null (unmeasured) rather than an estimate that would read as measured.
import { summarizeEncoded } from '../metrics/histogram.js';
import type { DeliveryLatency, IdempotenceReport, LoadTestResult, ProducerTotals, TransactionsReport } from '../types.js';
import { DELIVERY_HISTOGRAMS } from '../worker/delivery-tally.js';
import { max, sum } from './merge-totals.js';

type Part = { latency: DeliveryLatency | undefined; histogram: string | undefined };

/** One latency of every shard: exact from the merged histogram when every shard that measured it kept one. */
export function mergeDeliveryLatency(parts: readonly Part[], merged: string | undefined): DeliveryLatency {
  const counted = parts.filter((p) => (p.latency?.count ?? 0) > 0);
  if (counted.length === 0) return summarizeEncoded(undefined);
  if (counted.every((p) => p.histogram) && merged) return summarizeEncoded(merged);
  if (counted.length === 1) return counted[0]!.latency!;
  const latencies = counted.map((p) => p.latency!);
  const count = sum(latencies.map((l) => l.count));
  return {
    p50: null,
    p95: null,
    p99: null,
    p999: null,
    max: max(latencies.map((l) => l.max)),
    mean: Math.round((sum(latencies.map((l) => l.mean * l.count)) / count) * 1000) / 1000,
    count,
  };
}

const sumOf = <T>(items: readonly T[], pick: (t: T) => number) => sum(items.map(pick));

/**
 * `producer.idempotence` and `producer.transactions` of the merged result, when every shard has them (a shard
 * without them ran other delivery settings, or none: a sum over some shards would describe no run).
 */
export function mergeDelivery(
  results: readonly LoadTestResult[],
  histograms: Record<string, string>,
): Pick<ProducerTotals, 'idempotence' | 'transactions'> {
  const out: Pick<ProducerTotals, 'idempotence' | 'transactions'> = {};
  const part = (r: LoadTestResult, latency: DeliveryLatency | undefined, key: string): Part => ({
    latency,
    histogram: r.histograms?.[key],
  });
  if (results.every((r) => r.producer.idempotence)) {
    const all = results.map((r) => r.producer.idempotence!);
    const idempotence: IdempotenceReport = {
      enabled: all.every((i) => i.enabled),
      initProducerCalls: sumOf(all, (i) => i.initProducerCalls),
      initProducerLatency: mergeDeliveryLatency(
        results.map((r) => part(r, r.producer.idempotence!.initProducerLatency, DELIVERY_HISTOGRAMS.initProducer)),
        histograms[DELIVERY_HISTOGRAMS.initProducer],
      ),
      retriedBatches: sumOf(all, (i) => i.retriedBatches),
      retriedRecords: sumOf(all, (i) => i.retriedRecords),
      duplicateBatches: sumOf(all, (i) => i.duplicateBatches),
      duplicateRecords: sumOf(all, (i) => i.duplicateRecords),
      fenced: sumOf(all, (i) => i.fenced),
    };
    out.idempotence = idempotence;
  }
  if (results.every((r) => r.producer.transactions)) {
    const all = results.map((r) => r.producer.transactions!);
    const transactions: TransactionsReport = {
      committed: sumOf(all, (t) => t.committed),
      aborted: sumOf(all, (t) => t.aborted),
      committedRecords: sumOf(all, (t) => t.committedRecords),
      abortedRecords: sumOf(all, (t) => t.abortedRecords),
      failed: sumOf(all, (t) => t.failed),
      uncertainRecords: sumOf(all, (t) => t.uncertainRecords),
      commitLatency: mergeDeliveryLatency(
        results.map((r) => part(r, r.producer.transactions!.commitLatency, DELIVERY_HISTOGRAMS.commit)),
        histograms[DELIVERY_HISTOGRAMS.commit],
      ),
    };
    // Absent from results written before aborts were timed: then absent from the merge too (unknown, not 0).
    if (all.every((t) => t.abortLatency)) {
      transactions.abortLatency = mergeDeliveryLatency(
        results.map((r) => part(r, r.producer.transactions!.abortLatency, DELIVERY_HISTOGRAMS.abort)),
        histograms[DELIVERY_HISTOGRAMS.abort],
      );
    }
    out.transactions = transactions;
  }
  return out;
}
