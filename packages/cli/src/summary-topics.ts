// The summary's per-topic table of a many-topic run (`--topics N`): a short table, the first topics only, so a
// thousand topics do not bury the rest of the summary; the result keeps them all.
import type { LoadTestResult, TopicTotals } from '@loadhouse/core';

/** Rows shown at most; the rest are counted on one line. */
export const TOPIC_ROWS = 10;

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function topicLines(result: LoadTestResult): string[] {
  const topics = result.topics;
  if (!topics || topics.length < 2) return [];
  const consumed = topics.some((t) => t.consumer);
  const head = ['topic', 'acked', 'msgs/s', 'failed', 'dropped', ...(consumed ? ['consumed', 'lag'] : [])];
  const row = (t: TopicTotals): string[] => [
    t.topic,
    int(t.producer.acked),
    int(t.producer.msgsPerSec),
    int(t.producer.failed),
    int(t.producer.dropped),
    ...(consumed ? [int(t.consumer?.consumed ?? 0), int(t.consumer?.lag ?? 0)] : []),
  ];
  const rows = topics.slice(0, TOPIC_ROWS).map(row);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  const rates = topics.map((t) => t.producer.msgsPerSec);
  const out = ['', `Topics: ${topics.length}, ${topics[0]!.partitions} partitions each (per-topic totals; they add up to the run's)`];
  out.push(line(head), ...rows.map(line));
  if (topics.length > TOPIC_ROWS) out.push(`  ... ${topics.length - TOPIC_ROWS} more (all in the result's topics section)`);
  out.push(`  msgs/s per topic: lowest ${int(Math.min(...rates))}, highest ${int(Math.max(...rates))}`);
  return out;
}
