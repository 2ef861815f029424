// The consumer group lines of the summary: offset commits and their latency, and what restarted groups read
// again against what their commit interval allows (docs/consumer-groups.md).
import type { ConsumerTotals } from '@loadhouse/core';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => `${n.toFixed(2)} ms`;

export function groupLines(c: ConsumerTotals): string[] {
  const lines: string[] = [];
  const commit = c.commit;
  if (commit) {
    const codes = Object.entries(commit.errorsByCode)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const latency =
      commit.latency.count > 0
        ? `; latency p50 ${ms(commit.latency.p50)}, p99 ${ms(commit.latency.p99)}, max ${ms(commit.latency.max)}`
        : '';
    lines.push(`  Commits: ${int(commit.commits)}  (failed ${int(commit.failed)}${codes ? `: ${codes}` : ''})${latency}`);
  }
  const r = c.restarts;
  if (r) {
    const crash =
      r.afterCrash === r.restarts
        ? 'each after a crash'
        : r.afterCrash === 0
          ? 'each after a graceful stop'
          : `${r.afterCrash} after a crash`;
    lines.push(`  Restarts: ${int(r.restarts)} (${crash}); resumed from the committed offsets`);
    lines.push(
      `    read again ${int(r.redelivered)} (the commit interval allows ${int(r.redeliveryBound)}), beyond it ${int(r.beyondBound)}, skipped ${int(r.skipped)}` +
        (r.pending ? `, ${r.pending} still running (not counted)` : ''),
    );
    if (r.maxFirstRecordSeconds !== null) lines.push(`    restart to first record: at most ${r.maxFirstRecordSeconds.toFixed(2)} s`);
  }
  return lines;
}
