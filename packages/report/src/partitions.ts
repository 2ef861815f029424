// The report's "Partition balance" section: how each keyed producer group's acknowledged records spread over
// the partitions (result.partitions, docs/workload.md). The figures first (imbalance, CV), then a bar chart drawn
// as inline SVG (no script needed) and the most and least loaded partitions. A topic of thousands of partitions
// stays readable: above MAX_BARS partitions, each bar covers a run of neighbours and shows their highest and
// lowest counts.
import type { LoadTestResult, PartitionBalance } from '@loadhouse/core';
import { formatInt, formatNumber } from './format.js';
import { escapeHtml, num, table, type Cell } from './html.js';

/** Bars drawn at most per group. */
export const MAX_BARS = 200;
/** Below this many partitions every partition is listed; above it the most and least loaded few. */
const LIST_ALL = 12;
const EXTREMES = 5;

// The chart's geometry, in SVG units: it scales to its column's width, about 560 px on a wide page, so that the
// labels keep about their CSS size.
const W = 600;
const H = 190;
const LEFT = 52;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 22;

interface Bar {
  first: number;
  last: number;
  high: number;
  low: number;
}

/** One bar per partition, or per run of `ceil(n / MAX_BARS)` neighbouring partitions. */
export function bars(acked: readonly number[]): Bar[] {
  const per = Math.max(1, Math.ceil(acked.length / MAX_BARS));
  const out: Bar[] = [];
  for (let first = 0; first < acked.length; first += per) {
    const last = Math.min(acked.length, first + per) - 1;
    out.push({ first, last, ...range(acked, first, last + 1) });
  }
  return out;
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

/** Lowest and highest of many counts (a spread of a million arguments would overflow the stack). */
function range(counts: readonly number[], from = 0, to = counts.length): { low: number; high: number } {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const v = counts[i]!;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return to > from ? { low, high } : { low: 0, high: 0 };
}

function chart(g: PartitionBalance, mean: number): string {
  const list = bars(g.acked);
  const top = Math.max(1, ...list.map((b) => b.high));
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const slot = plotW / list.length;
  const width = Math.min(48, Math.max(0.5, slot * (list.length > 60 ? 0.9 : 0.75)));
  const y = (v: number) => TOP + plotH - (v / top) * plotH;
  const grouped = list.some((b) => b.last > b.first);
  const rects = list.map((b, i) => {
    const x = (LEFT + i * slot + (slot - width) / 2).toFixed(1);
    const label =
      b.last === b.first
        ? `partition ${b.first}: ${formatInt(b.high)} acked (${fmt(mean > 0 ? b.high / mean : 0)} x mean)`
        : `partitions ${b.first}-${b.last}: ${formatInt(b.low)} to ${formatInt(b.high)} acked`;
    // A grouped bar is drawn to its highest count, with its lowest count darker: an uneven run shows as a
    // light band above a dark one.
    const low = grouped
      ? `<rect class="low" x="${x}" y="${y(b.low).toFixed(1)}" width="${width.toFixed(1)}" height="${(TOP + plotH - y(b.low)).toFixed(1)}"/>`
      : '';
    return (
      `<g><title>${escapeHtml(label)}</title>` +
      `<rect class="bar${grouped ? '' : ' solo'}" x="${x}" y="${y(b.high).toFixed(1)}" width="${width.toFixed(1)}" height="${(TOP + plotH - y(b.high)).toFixed(1)}"/>${low}</g>`
    );
  });
  const meanY = y(mean).toFixed(1);
  const last = g.acked.length - 1;
  const axis =
    `<line class="axis" x1="${LEFT}" y1="${TOP + plotH}" x2="${W - RIGHT}" y2="${TOP + plotH}"/>` +
    `<text x="${LEFT - 6}" y="${TOP + 9}" text-anchor="end">${escapeHtml(formatInt(top))}</text>` +
    `<text x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end">0</text>` +
    `<line class="mean" x1="${LEFT}" y1="${meanY}" x2="${W - RIGHT}" y2="${meanY}"/>` +
    `<text class="mean-label" x="${LEFT - 6}" y="${(Number(meanY) + 4).toFixed(1)}" text-anchor="end">mean</text>` +
    `<text x="${LEFT}" y="${H - 6}">partition 0</text>` +
    `<text x="${W - RIGHT}" y="${H - 6}" text-anchor="end">${last}</text>`;
  const about = grouped
    ? `Each bar covers ${formatInt(list[0]!.last - list[0]!.first + 1)} neighbouring partitions: light up to the highest count, dark up to the lowest.`
    : 'One bar per partition.';
  return (
    `<figure class="bars" data-partition-bars="${g.group}"><figcaption>Acked records per partition, group ${g.group}</figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(`acked records per partition of group ${g.group}`)}">${rects.join('')}${axis}</svg>` +
    `<p class="note">${escapeHtml(about)} The dashed line is the mean.</p></figure>`
  );
}

/** Every partition when there are few; the most and the least loaded otherwise (ties: the lowest partition first). */
function extremes(g: PartitionBalance, mean: number): string {
  const byCount = g.acked.map((acked, partition) => ({ partition, acked }));
  const most = [...byCount].sort((a, b) => b.acked - a.acked || a.partition - b.partition);
  const all = byCount.length <= LIST_ALL;
  const row = (p: { partition: number; acked: number }, label: string): Cell[] => [
    label,
    num(String(p.partition)),
    num(formatInt(p.acked)),
    num(mean > 0 ? `${fmt(p.acked / mean)} x` : '-'),
  ];
  const rows = all
    ? most.map((p) => row(p, ''))
    : [
        ...most.slice(0, EXTREMES).map((p, i) => row(p, i === 0 ? 'Most loaded' : '')),
        ...byCount
          .sort((a, b) => a.acked - b.acked || a.partition - b.partition)
          .slice(0, EXTREMES)
          .map((p, i) => row(p, i === 0 ? 'Least loaded' : '')),
      ];
  const head: Cell[] = [
    all ? '' : `${EXTREMES} most and least loaded of ${formatInt(byCount.length)}`,
    num('Partition'),
    num('Acked'),
    num('Of the mean'),
  ];
  return table(head, rows, 'partition-extremes');
}

function groupPart(g: PartitionBalance): string {
  const total = g.acked.reduce((a, b) => a + b, 0);
  const mean = g.acked.length > 0 ? total / g.acked.length : 0;
  const { low, high } = range(g.acked);
  const figures = table(
    ['Group', 'Keys', num('Partitions'), num('Acked'), num('Mean'), num('Min'), num('Max'), num('Imbalance (max/mean)'), num('CV')],
    [
      [
        String(g.group),
        { html: `<code>${escapeHtml(g.keys)}</code>` },
        num(formatInt(g.acked.length)),
        num(formatInt(total)),
        num(formatNumber(mean)),
        num(formatInt(low)),
        num(formatInt(high)),
        num(fmt(g.imbalance)),
        num(fmt(g.cv)),
      ],
    ],
    'partition-balance',
  );
  if (total === 0) return `${figures}<p class="note">Group ${g.group} had no acknowledged records: nothing to draw.</p>`;
  return `${figures}<div class="two-col">${chart(g, mean)}<div>${extremes(g, mean)}</div></div>`;
}

/** The section, or '' for a run without keyed records. */
export function partitionsSection(result: LoadTestResult): string {
  const report = result.partitions;
  const groups = Array.isArray(report?.groups) ? report.groups : [];
  if (!report || groups.length === 0) return '';
  const about =
    `<p>The most uneven group: imbalance <strong>${escapeHtml(fmt(report.imbalance))}</strong> (the most loaded partition's ` +
    `count over the mean; 1 is even), CV <strong>${escapeHtml(fmt(report.cv))}</strong> (standard deviation over mean; 0 is even).</p>` +
    '<p class="note">Acknowledged records per partition, per keyed producer group. A skewed key distribution is meant to load some partitions more: these figures say how much.</p>';
  return `<section id="partitions"><h2>Partition balance (keyed records)</h2>${about}${groups.map(groupPart).join('')}</section>`;
}
