// Retries, idempotence and transactions as gauges, set once when the run ends (result.producer.idempotence /
// transactions exist only then): what an alert on "the target stored a retried batch twice" or "commits got slow"
// reads. Percentiles a merge left unmeasured (null) are left out rather than exported as a number.
import type { DeliveryLatency, ProducerTotals } from '@loadhouse/core';
import type { Gauge, Registry } from 'prom-client';
import { gaugeSets, QUANTILES } from './gauge-sets.js';

/** Names of the delivery gauges (loadhouse's own figures, so never renamed by the prefix). */
export const DELIVERY_METRIC_NAMES = {
  retriedBatches: 'loadhouse_delivery_retried_batches',
  retriedRecords: 'loadhouse_delivery_retried_records',
  duplicateBatches: 'loadhouse_delivery_duplicates_filtered_batches',
  duplicateRecords: 'loadhouse_delivery_duplicates_filtered_records',
  fenced: 'loadhouse_delivery_fenced_batches',
  transactions: 'loadhouse_delivery_transactions',
  transactionRecords: 'loadhouse_delivery_transaction_records',
  callDuration: 'loadhouse_delivery_call_duration_seconds',
  calls: 'loadhouse_delivery_calls',
} as const;

type Name = keyof typeof DELIVERY_METRIC_NAMES;

const HELP: Record<Name, string> = {
  retriedBatches: 'Batches sent again after a retriable failure (whole run, warm-up included)',
  retriedRecords: 'Records of the batches sent again after a retriable failure',
  duplicateBatches: 'Batches the target answered duplicates_filtered: a copy it had stored already and did not store again',
  duplicateRecords: 'Records of the batches the target filtered as duplicates',
  fenced: 'Batches answered FAILED_PRECONDITION: the producer was fenced or its sequence refused',
  transactions: 'Transactions by outcome (committed, aborted, failed: commit or abort call failed, fate unknown)',
  transactionRecords: 'Records acked inside transactions by outcome (committed, aborted, uncertain)',
  callDuration: 'Latency of InitProducer, CommitTransaction and AbortTransaction calls by quantile (0.5 to 0.999, and 1: the max)',
  calls: 'Successful InitProducer, CommitTransaction and AbortTransaction calls',
};

export type DeliveryGauges = Record<Name, Gauge<string>>;

/** The delivery gauges of a registry for these label names (one set per registry, as runs may share it). */
export const deliveryGaugesFor: (registry: Registry, labelNames: readonly string[]) => DeliveryGauges = gaugeSets(
  DELIVERY_METRIC_NAMES,
  HELP,
  (make) => ({
    retriedBatches: make('retriedBatches'),
    retriedRecords: make('retriedRecords'),
    duplicateBatches: make('duplicateBatches'),
    duplicateRecords: make('duplicateRecords'),
    fenced: make('fenced'),
    transactions: make('transactions', ['outcome']),
    transactionRecords: make('transactionRecords', ['outcome']),
    callDuration: make('callDuration', ['call', 'quantile']),
    calls: make('calls', ['call']),
  }),
);

function setCall(g: DeliveryGauges, labels: Record<string, string>, call: string, s: DeliveryLatency | undefined): void {
  if (!s) return;
  g.calls.set({ ...labels, call }, s.count);
  if (!s.count) return;
  for (const [quantile, key] of QUANTILES) {
    const ms = s[key];
    if (ms !== null) g.callDuration.set({ ...labels, call, quantile }, ms / 1000);
  }
}

/** Sets the gauges of one finished run's delivery reports; a run without them sets nothing. */
export function recordDelivery(
  g: DeliveryGauges,
  labels: Record<string, string>,
  p: Pick<ProducerTotals, 'idempotence' | 'transactions'>,
): void {
  const i = p.idempotence;
  if (i) {
    g.retriedBatches.set(labels, i.retriedBatches);
    g.retriedRecords.set(labels, i.retriedRecords);
    g.duplicateBatches.set(labels, i.duplicateBatches);
    g.duplicateRecords.set(labels, i.duplicateRecords);
    g.fenced.set(labels, i.fenced);
    if (i.enabled) setCall(g, labels, 'init_producer', i.initProducerLatency);
  }
  const t = p.transactions;
  if (t) {
    g.transactions.set({ ...labels, outcome: 'committed' }, t.committed);
    g.transactions.set({ ...labels, outcome: 'aborted' }, t.aborted);
    g.transactions.set({ ...labels, outcome: 'failed' }, t.failed);
    g.transactionRecords.set({ ...labels, outcome: 'committed' }, t.committedRecords);
    g.transactionRecords.set({ ...labels, outcome: 'aborted' }, t.abortedRecords);
    g.transactionRecords.set({ ...labels, outcome: 'uncertain' }, t.uncertainRecords);
    setCall(g, labels, 'commit', t.commitLatency);
    setCall(g, labels, 'abort', t.abortLatency);
  }
}
