// The report's "Consumer groups" section: offset commits (how many, failures, latency) and every restart of a
// group judged against what its commit interval allows (result.consumer.commit / restarts,
// docs/consumer-groups.md). Absent from a run whose groups neither committed nor restarted.
import type { ConsumerTotals, LoadTestResult } from '@loadhouse/core';
import { formatInt, formatMs } from './format.js';
import { escapeHtml, num, table, type Cell } from './html.js';

type CommitStats = NonNullable<ConsumerTotals['commit']>;
type ConsumerRestarts = NonNullable<ConsumerTotals['restarts']>;
type ConsumerResume = ConsumerRestarts['resumes'][number];

/** Restart rows shown on the page at most; the result file has them all. */
const MAX_RESUMES = 50;
/** Partitions outside their bound listed at most. */
const MAX_OUTLIERS = 30;

function seconds(s: number | null): string {
  return s === null ? '-' : `${s.toFixed(2)} s`;
}

function commitPart(c: CommitStats): string {
  const codes = Object.entries(c.errorsByCode)
    .map(([k, v]) => `${k} ${formatInt(v)}`)
    .join(', ');
  // No acknowledged commit, no latency: shown as unmeasured, never as 0 ms.
  const lat = (v: number) => num(c.latency.count > 0 ? formatMs(v) : 'unmeasured');
  return (
    '<h3>Offset commits</h3>' +
    table(
      [num('Acknowledged'), num('Failed'), 'Failures by status', num('P50'), num('P95'), num('P99'), num('P999'), num('Max'), num('Mean')],
      [
        [
          num(formatInt(c.commits)),
          num(formatInt(c.failed)),
          codes || '-',
          lat(c.latency.p50),
          lat(c.latency.p95),
          lat(c.latency.p99),
          lat(c.latency.p999),
          lat(c.latency.max),
          lat(c.latency.mean),
        ],
      ],
      'commits',
      () => (c.failed > 0 ? 'fail' : ''),
    ) +
    '<p class="note">Latency: from the CommitOffset call to its acknowledgement, acknowledged commits only, after warm-up.</p>'
  );
}

/** Fails when a restart read again beyond its bound or skipped records; a running one is not judged yet. */
function resumeClass(r: ConsumerResume): string {
  if (r.redelivered === null) return '';
  return (r.beyondBound ?? 0) > 0 || r.skipped > 0 ? 'fail' : 'pass';
}

function restartRow(r: ConsumerResume, index: number): Cell[] {
  return [
    num(String(index + 1)),
    num(seconds(r.atSeconds)),
    r.group,
    r.topic,
    r.after === 'crash' ? 'a crash' : 'a graceful stop',
    num(r.redelivered === null ? 'still running' : formatInt(r.redelivered)),
    num(formatInt(r.bound)),
    num(r.beyondBound === null ? '-' : formatInt(r.beyondBound)),
    num(formatInt(r.skipped)),
    num(r.firstRecordSeconds === null ? 'none read' : seconds(r.firstRecordSeconds)),
  ];
}

/** The partitions that read again beyond their bound or resumed past what was read: where the target went wrong. */
function outliers(resumes: ConsumerResume[]): string {
  const rows: Cell[][] = [];
  let more = 0;
  resumes.forEach((r, index) => {
    for (const p of r.partitions) {
      const beyond = p.redelivered === null ? 0 : Math.max(0, p.redelivered - p.bound);
      if (beyond === 0 && p.skipped === 0) continue;
      if (rows.length >= MAX_OUTLIERS) {
        more++;
        continue;
      }
      rows.push([
        num(String(index + 1)),
        p.topic ?? r.topic,
        num(String(p.partition)),
        num(formatInt(p.committedBefore)),
        num(formatInt(p.previousEnd)),
        num(formatInt(p.resumedFrom)),
        num(p.redelivered === null ? '-' : formatInt(p.redelivered)),
        num(formatInt(p.bound)),
        num(formatInt(p.skipped)),
      ]);
    }
  });
  if (rows.length === 0) return '';
  return (
    '<h3>Partitions outside their bound</h3>' +
    table(
      [
        num('Restart'),
        'Topic',
        num('Partition'),
        num('Last good commit'),
        num('Read up to'),
        num('Resumed from'),
        num('Read again'),
        num('Bound'),
        num('Skipped'),
      ],
      rows,
      'restart-partitions',
    ) +
    (more > 0 ? `<p class="note">${formatInt(more)} more partitions outside their bound in the result file.</p>` : '')
  );
}

function restartsPart(r: ConsumerRestarts): string {
  const crash =
    r.afterCrash === r.restarts
      ? 'each after a crash'
      : r.afterCrash === 0
        ? 'each after a graceful stop'
        : `${formatInt(r.afterCrash)} after a crash`;
  const summary = table(
    [
      num('Restarts'),
      num('Read again'),
      num('Bound'),
      num('Beyond the bound'),
      num('Skipped'),
      num('Slowest to first record'),
      num('Still running'),
    ],
    [
      [
        num(formatInt(r.restarts)),
        num(formatInt(r.redelivered)),
        num(formatInt(r.redeliveryBound)),
        num(formatInt(r.beyondBound)),
        num(formatInt(r.skipped)),
        num(seconds(r.maxFirstRecordSeconds)),
        num(formatInt(r.pending)),
      ],
    ],
    'restarts',
    () => (r.beyondBound > 0 || r.skipped > 0 ? 'fail' : ''),
  );
  const shown = r.resumes.slice(0, MAX_RESUMES);
  const each = table(
    [num('#'), num('At'), 'Group', 'Topic', 'After', num('Read again'), num('Bound'), num('Beyond'), num('Skipped'), num('First record')],
    shown.map(restartRow),
    'resumes',
    (i) => resumeClass(shown[i]!),
  );
  const about =
    `<p>${formatInt(r.restarts)} restarts (${escapeHtml(crash)}), each resumed from the offsets the target returned as committed.</p>` +
    '<p class="note">Read again: records an earlier instance of the group had read. The bound is what was read since ' +
    'the last acknowledged commit before the stop, so reading that again is expected; beyond it, the target resumed ' +
    'the group before a commit it had acknowledged. Skipped: offsets no instance read, the group resumed past them. ' +
    'First record: from the restart to its first record.' +
    (r.pending > 0 ? ' Restarts still running when the result was written are not counted yet.' : '') +
    '</p>';
  const rest = r.resumes.length - shown.length;
  return (
    `<h3>Restarts</h3>${about}${summary}${each}` +
    (rest > 0 ? `<p class="note">${formatInt(rest)} more restarts in the result file.</p>` : '') +
    outliers(r.resumes)
  );
}

/** The section, or '' when no group committed or restarted. */
export function groupsSection(result: LoadTestResult): string {
  const commit = result.consumer?.commit;
  const restarts = result.consumer?.restarts;
  if (!commit && !restarts) return '';
  const parts = [commit ? commitPart(commit) : '', restarts ? restartsPart(restarts) : ''];
  return `<section id="consumer-groups"><h2>Consumer groups: commits and restarts</h2>${parts.join('')}</section>`;
}
