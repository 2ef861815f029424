// The report's "Delivery" section: what retries, the idempotent producer and transactions did
// (result.producer.idempotence / transactions), and the latency of InitProducer, commit and abort calls.
import type { DeliveryLatency, LoadTestResult } from '@loadhouse/core';
import { formatInt, formatMs } from './format.js';
import { escapeHtml, num, table, type Cell } from './html.js';

const h = (t: string): Cell => ({ html: t, className: 'num' });

/** A call's latency row; percentiles a merge could not combine (null) read "unmeasured", never a figure. */
function latencyRow(name: string, s: DeliveryLatency | undefined): Cell[] | undefined {
  if (!s?.count) return undefined;
  const pct = (v: number | null) => num(v === null ? 'unmeasured' : formatMs(v));
  return [name, pct(s.p50), pct(s.p95), pct(s.p99), pct(s.p999), num(formatMs(s.max)), num(formatMs(s.mean)), num(formatInt(s.count))];
}

/** The section, or '' for a run without delivery settings (sent once, no producer id). */
export function deliverySection(result: LoadTestResult): string {
  const i = result.producer?.idempotence;
  const t = result.producer?.transactions;
  if (!i && !t) return '';
  const parts: string[] = [];
  if (i) {
    parts.push(
      `<p>Idempotent producers: <strong>${i.enabled ? 'on' : 'off'}</strong>${
        i.enabled ? '' : ' (a retried batch the target had stored is stored again: duplicates)'
      }.</p>`,
      table(
        [h('Retried batches'), h('Retried records'), h('Duplicates filtered (batches)'), h('Duplicates filtered (records)'), h('Fenced')],
        [
          [
            num(formatInt(i.retriedBatches)),
            num(formatInt(i.retriedRecords)),
            num(formatInt(i.duplicateBatches)),
            num(formatInt(i.duplicateRecords)),
            num(formatInt(i.fenced)),
          ],
        ],
        'delivery-counts',
      ),
    );
  }
  if (t) {
    parts.push(
      '<h3>Transactions</h3>',
      table(
        ['', h('Transactions'), h('Records')],
        [
          ['Committed', num(formatInt(t.committed)), num(formatInt(t.committedRecords))],
          ['Aborted', num(formatInt(t.aborted)), num(formatInt(t.abortedRecords))],
          ['Failed (fate unknown)', num(formatInt(t.failed)), num(formatInt(t.uncertainRecords))],
        ],
        'transactions',
      ),
    );
  }
  const rows = [
    latencyRow('InitProducer', i?.initProducerLatency),
    latencyRow('CommitTransaction', t?.commitLatency),
    latencyRow('AbortTransaction', t?.abortLatency),
  ].filter((r): r is Cell[] => r !== undefined);
  if (rows.length) {
    parts.push(
      `<h3>Call latency</h3>${table(['Call', h('P50'), h('P95'), h('P99'), h('P999'), h('Max'), h('Mean'), h('Calls')], rows, 'delivery-latency')}`,
    );
    if (rows.some((r) => r.slice(1, 5).some((c) => typeof c !== 'string' && c.html === 'unmeasured'))) {
      parts.push(
        '<p class="note">Unmeasured percentiles: this result was merged from shards that kept no histograms of these calls, and percentiles of several shards cannot be combined from their summaries. Count, max and mean are exact.</p>',
      );
    }
  }
  parts.push(
    `<p class="note">${escapeHtml(
      'Counts include the warm-up (a transaction does not split at its end). Records of aborted transactions, and of transactions whose end is unknown, are expected missing in the integrity check.',
    )}</p>`,
  );
  return `<section id="delivery"><h2>Delivery: retries, idempotence, transactions</h2>${parts.join('')}</section>`;
}
