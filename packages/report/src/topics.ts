// A many-topic run in the report (`--topics N`): one row per topic with what its producers and consumers
// counted, so an unevenly served topic stands out; the rows add up to the run's totals.
import type { LoadTestResult } from '@loadhouse/core';
import { formatBytes, formatInt } from './format.js';
import { escapeHtml, num, table, type Cell } from './html.js';

export function topicsSection(result: LoadTestResult): string {
  const topics = Array.isArray(result.topics) ? result.topics : [];
  if (topics.length < 2) return '';
  const consumed = topics.some((t) => t.consumer);
  const h = (t: string): Cell => ({ html: escapeHtml(t), className: 'num' });
  const head: Cell[] = ['Topic', h('Acked'), h('Acked /s'), h('Failed'), h('Dropped'), h('Bytes')];
  if (consumed) head.push(h('Consumed'), h('Consumed /s'), h('Final lag'));
  const rows = topics.map((t) => {
    const cells: Cell[] = [
      t.topic,
      num(formatInt(t.producer.acked)),
      num(formatInt(t.producer.msgsPerSec)),
      num(formatInt(t.producer.failed)),
      num(formatInt(t.producer.dropped)),
      num(formatBytes(t.producer.bytes)),
    ];
    if (consumed) {
      const c = t.consumer;
      cells.push(num(c ? formatInt(c.consumed) : '-'), num(c ? formatInt(c.msgsPerSec) : '-'), num(c ? formatInt(c.lag) : '-'));
    }
    return cells;
  });
  const about =
    `<p class="note">${topics.length} topics, ${topics[0]!.partitions} partitions each. Producer k of each group wrote topic k mod ` +
    `${topics.length}, consumer k read it; counts are after warm-up and add up to the run's totals. Latency percentiles are the run's, not split by topic.</p>`;
  return `<section id="topics"><h2>Topics</h2>${about}${table(head, rows, 'topics')}</section>`;
}
