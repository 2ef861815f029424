// The summary's lines about retries, the idempotent producer and transactions (result.producer.idempotence /
// transactions): counts first, then the InitProducer, commit and abort latencies.
// Also the keyed groups' spread over partitions (result.partitions).
import type { DeliveryLatency, LoadTestResult, ProducerTotals } from '@loadhouse/core';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
// Percentiles are null in a merge of shards that kept no histograms: said so, never shown as a figure.
const latency = (s: DeliveryLatency) =>
  !s.count
    ? '-'
    : s.p50 === null
      ? `percentiles unmeasured (merged from summaries), max ${ms(s.max)} ms, mean ${ms(s.mean)} ms (${int(s.count)} calls)`
      : `p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms (${int(s.count)} calls)`;

export function deliveryLines(p: ProducerTotals): string[] {
  const lines: string[] = [];
  const i = p.idempotence;
  if (i) {
    lines.push('');
    lines.push(`  Idempotence: ${i.enabled ? 'on' : 'off (retries may duplicate records)'}`);
    lines.push(
      `    Retried: ${int(i.retriedBatches)} batches (${int(i.retriedRecords)} records); filtered as duplicates by the target: ${int(i.duplicateBatches)} batches (${int(i.duplicateRecords)} records)`,
    );
    if (i.enabled) {
      lines.push(`    Fenced or sequence refused: ${int(i.fenced)} batches`);
      lines.push(`    InitProducer: ${latency(i.initProducerLatency)}`);
    }
  }
  const t = p.transactions;
  if (t) {
    lines.push(
      `  Transactions: ${int(t.committed)} committed (${int(t.committedRecords)} records), ${int(t.aborted)} aborted (${int(t.abortedRecords)} records), ${int(t.failed)} failed`,
    );
    lines.push(`    Commit: ${latency(t.commitLatency)}`);
    if (t.abortLatency?.count) lines.push(`    Abort: ${latency(t.abortLatency)}`);
  }
  return lines;
}

/** Keyed groups: how their records spread over partitions (result.partitions). */
export function partitionLines(result: LoadTestResult): string[] {
  const report = result.partitions;
  if (!report) return [];
  const lines = ['', '  Keys and partitions (acked records per partition):'];
  for (const g of report.groups) {
    const counts = g.acked.length <= 16 ? `  [${g.acked.join(', ')}]` : '';
    lines.push(`    group ${g.group} keys ${g.keys}: imbalance ${g.imbalance.toFixed(2)} (max/mean), CV ${g.cv.toFixed(2)}${counts}`);
  }
  return lines;
}
