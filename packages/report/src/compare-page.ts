// renderComparison: the page of `loadhouse compare --html`: the verdict and why, the metric table with the test
// behind each row, and the two runs' windows drawn over each other, so that a reader sees the shift the statistics
// judged (or the noise that hid it).
import type { Comparison, LoadTestResult, MetricComparison, Sample } from '@loadhouse/core';
import { axis, COLORS, round, type ChartSeries, type ChartSpec } from './charts.js';
import { formatBytes, formatMs, formatNumber, formatTime } from './format.js';
import { escapeHtml, num, table, type Cell } from './html.js';
import { htmlPage } from './page.js';

const VERDICT_CLASS: Record<Comparison['verdict'], string> = {
  regressed: 'failed',
  improved: 'passed',
  same: 'passed',
  inconclusive: 'partial',
};

const OUTCOME: Record<MetricComparison['outcome'], Cell> = {
  regressed: { html: '<span class="badge fail">worse</span>' },
  improved: { html: '<span class="badge pass">better</span>' },
  same: 'no',
  untested: { html: '<span class="badge unmeasured">too few windows</span>' },
};

function figure(m: MetricComparison, v: number): string {
  if (m.unit === 'ms') return formatMs(v);
  if (m.unit === 'bytes') return formatBytes(v);
  if (m.unit === '%') return `${formatNumber(v)}%`;
  return `${formatNumber(v)}/s`;
}

function change(m: MetricComparison): string {
  if (m.changePercent === null) return m.candidate === m.baseline ? '0%' : 'from 0';
  return `${m.changePercent > 0 ? '+' : ''}${formatNumber(m.changePercent)}%`;
}

const pText = (p: number) => (p < 0.0001 ? '< 0.0001' : p.toPrecision(2));

function metricTable(c: Comparison): string {
  const head: Cell[] = [
    'Metric',
    num('Baseline'),
    num('Candidate'),
    num('Change'),
    num('Windows'),
    num('p (worse)'),
    num('p (better)'),
    'Significant?',
  ];
  const rows = c.metrics.map((m): Cell[] => [
    m.label,
    num(figure(m, m.baseline)),
    num(figure(m, m.candidate)),
    num(change(m)),
    num(`${m.windows.baseline} / ${m.windows.candidate}`),
    num(pText(m.pWorse)),
    num(pText(m.pBetter)),
    OUTCOME[m.outcome],
  ]);
  return table(head, rows, 'comparison');
}

/** Per-window values of both runs, aligned by window (both share the window length unless compared with --force). */
function overlay(
  name: string,
  title: string,
  unit: 'ms' | 'msgs/s',
  b: LoadTestResult,
  c: LoadTestResult,
  get: (s: Sample) => number | undefined,
): ChartSpec | undefined {
  const windows = (r: LoadTestResult) => r.series.filter((s) => !s.warmup).map((s) => get(s) ?? null);
  const bv = windows(b);
  const cv = windows(c);
  if (![...bv, ...cv].some((v) => v !== null)) return undefined;
  const length = Math.max(bv.length, cv.length);
  const step = b.config.intervalMs / 1000;
  const x = Array.from({ length }, (_, i) => round((i + 1) * step));
  const pad = (v: Array<number | null>) => Array.from({ length }, (_, i) => round(v[i] ?? null));
  const series: ChartSeries[] = [
    { label: 'baseline', color: COLORS.blue, unit, scale: 'y' },
    { label: 'candidate', color: COLORS.orange, unit, scale: 'y' },
  ];
  return {
    name,
    title,
    kind: 'time',
    height: 240,
    axes: [axis('y', unit === 'ms' ? 'latency' : 'records/s', unit)],
    series,
    data: [x, pad(bv), pad(cv)],
  };
}

function overlays(b: LoadTestResult, c: LoadTestResult): ChartSpec[] {
  const lat = (s: Sample, key: 'response' | 'service', p: 'p50' | 'p99') =>
    s.producer.latency[key].count > 0 ? s.producer.latency[key][p] : undefined;
  const e2e = (s: Sample) => (s.consumer.latency.endToEnd.count > 0 ? s.consumer.latency.endToEnd.p99 : undefined);
  return [
    overlay('compare-service-p50', 'Service latency p50 per window (seconds after warm-up)', 'ms', b, c, (s) => lat(s, 'service', 'p50')),
    overlay('compare-response-p99', 'Response latency p99 per window', 'ms', b, c, (s) => lat(s, 'response', 'p99')),
    overlay('compare-rate', 'Produce rate achieved per window', 'msgs/s', b, c, (s) =>
      s.producer.targetRate > 0 ? s.producer.msgsPerSec : undefined,
    ),
    overlay('compare-e2e-p99', 'End-to-end latency p99 per window', 'ms', b, c, e2e),
  ].filter((x): x is ChartSpec => x !== undefined);
}

function list(title: string, items: string[]): string {
  return items.length ? `<h3>${escapeHtml(title)}</h3><ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>` : '';
}

/** Renders a comparison of two results (`compareResults`) as one self-contained HTML page. */
export function renderComparison(baseline: LoadTestResult, candidate: LoadTestResult, comparison: Comparison): string {
  const title = `loadhouse compare: ${comparison.candidate.scenario}`;
  const c = comparison;
  const runs = table(
    ['', 'File', 'Started', 'Windows', 'State'],
    [c.baseline, c.candidate].map((r, i) => [
      i === 0 ? 'Baseline' : 'Candidate',
      r.name,
      formatTime(r.startedAt),
      num(String(r.windows)),
      `${r.state}${r.partial ? ', partial' : ''}`,
    ]),
  );
  const names = c.regressions.map((m) => m.label).join(', ');
  const charts = overlays(baseline, candidate);
  const figures = charts.map(
    (spec) =>
      `<figure class="chart" data-chart="${escapeHtml(spec.name)}"><figcaption>${escapeHtml(spec.title)}</figcaption><div class="plot"></div></figure>`,
  );
  const body = [
    `<header><h1>${escapeHtml(title)}</h1><p><span class="badge verdict ${VERDICT_CLASS[c.verdict]}" title="Verdict">${escapeHtml(c.verdict)}</span>` +
      `${names ? ` ${escapeHtml(names)}` : ''}</p>${runs}</header>`,
    `<section id="comparison"><h2>Metric by metric</h2>${metricTable(c)}` +
      `<p class="note">A change counts when the whole-run figures differ by more than ${escapeHtml(String(c.thresholdPercent))}% (the larger over the smaller) ` +
      `and the per-window values show it beyond run-to-run noise: one-sided Mann-Whitney over the windows, Holm-corrected over the metrics, family-wise alpha ${escapeHtml(String(c.alpha))}.</p>` +
      list('Inconclusive because', c.inconclusiveBecause) +
      list('Warnings', c.warnings) +
      '</section>',
    `<section id="windows"><h2>Both runs window by window</h2>${figures.length ? `<div class="charts">${figures.join('')}</div>` : '<p class="note">The results hold no windows after warm-up.</p>'}</section>`,
  ].join('\n');
  return htmlPage(
    title,
    body,
    { phases: [], charts },
    'Generated by @loadhouse/report from two results (docs/compare.md). Latencies in milliseconds.',
  );
}
