// renderReport: one self-contained HTML page for a result. Tables are plain HTML (readable without
// JavaScript); charts are uPlot, inlined with the data, so the file opens anywhere without a network.
import { capacityCharts, capacityTables } from './capacity.js';
import { topicsSection } from './topics.js';
import { groupsSection } from './groups.js';
import { partitionsSection } from './partitions.js';
import type { ConsumerTotals, CriterionOutcome, LatencySummary, LoadTestResult, ProducerTotals } from '@loadhouse/core';
import {
  consumerCharts,
  consumersRan,
  latencyCharts,
  metricCharts,
  phaseBands,
  resourceCharts,
  throughputCharts,
  type ChartGroup,
  type ChartSpec,
  type OmittedChart,
} from './charts.js';
import { CONSUMER_DISTRIBUTION, PRODUCER_DISTRIBUTION, distributionChart, spectrumTable, type Distribution } from './distribution.js';
import { formatInt, formatMetric, formatMs, formatSeconds, formatWithUnit, isNum } from './format.js';
import { deliverySection } from './delivery.js';
import { diagnosisSection } from './diagnosis.js';
import { header } from './header.js';
import { escapeHtml, flatten, num, plainValue, table, type Cell } from './html.js';
import { htmlPage } from './page.js';
import { decadeLabel } from './spectrum.js';

export interface ReportOptions {
  /** The page title (default: `loadhouse: <scenario>`). */
  title?: string;
}

/** Collects the charts drawn on the page, in page order, for the embedded JSON. */
class Charts {
  readonly specs: ChartSpec[] = [];

  figure(spec: ChartSpec): string {
    this.specs.push(spec);
    return (
      `<figure class="chart" data-chart="${escapeHtml(spec.name)}">` +
      `<figcaption>${escapeHtml(spec.title)}</figcaption><div class="plot"></div></figure>`
    );
  }

  group(group: ChartGroup): string {
    const figures = group.charts.map((c) => this.figure(c)).join('');
    return (figures ? `<div class="charts">${figures}</div>` : '') + notes(group.notes);
  }
}

function notes(list: OmittedChart[]): string {
  return list.map((n) => `<p class="note" data-omitted="${escapeHtml(n.name)}">${escapeHtml(n.note)}</p>`).join('');
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

const OP_TEXT: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=' };

function criterionLabel(c: CriterionOutcome): string {
  return c.label ?? c.metric;
}

/** A not-applicable criterion is neither a pass nor a fail (docs/scenarios.md, "Scaled criteria"). */
function verdict(c: CriterionOutcome): 'pass' | 'fail' | 'na' {
  return c.notApplicable !== undefined ? 'na' : c.passed ? 'pass' : 'fail';
}

function criteriaSection(result: LoadTestResult): string {
  const criteria = Array.isArray(result.criteria) ? result.criteria : [];
  if (criteria.length === 0)
    return section('criteria', 'Success criteria', '<p class="note">This scenario declares no success criteria.</p>');
  const rows = criteria.map((c) => [
    criterionLabel(c),
    { html: `<code>${escapeHtml(c.metric)}</code>` },
    num(`${OP_TEXT[c.op] ?? c.op} ${formatWithUnit(c.value, c.unit)}`),
    num(c.measured === null ? 'not measured' : formatWithUnit(c.measured, c.unit)),
    { html: `<span class="badge ${verdict(c)}">${verdict(c) === 'na' ? 'n/a' : verdict(c)}</span>` },
    c.note ?? '',
  ]);
  const head: Cell[] = [
    'Criterion',
    'Metric',
    { html: 'Target', className: 'num' },
    { html: 'Measured', className: 'num' },
    'Result',
    'Note',
  ];
  return section(
    'criteria',
    'Success criteria',
    table(head, rows, 'criteria', (i) => verdict(criteria[i]!)),
  );
}

function latencyRow(name: string, s: LatencySummary | undefined): Cell[] | undefined {
  if (!s?.count) return undefined;
  return [
    name,
    num(formatMs(s.p50)),
    num(formatMs(s.p95)),
    num(formatMs(s.p99)),
    num(formatMs(s.p999)),
    num(formatMs(s.max)),
    num(formatMs(s.mean)),
    num(formatInt(s.count)),
  ];
}

function latencyTable(result: LoadTestResult): string {
  const p = result.producer?.latency;
  const c = result.consumer?.latency;
  const rows = [
    latencyRow('Producer response', p?.response),
    latencyRow('Producer service', p?.service),
    latencyRow('Schedule lag', p?.scheduleLag),
    latencyRow('Consumer poll', c?.poll),
    latencyRow('Consumer end-to-end', c?.endToEnd),
  ].filter((r): r is Cell[] => r !== undefined);
  if (rows.length === 0) return '<p class="note">No latencies were recorded.</p>';
  const h = (t: string): Cell => ({ html: t, className: 'num' });
  return table(['Latency (whole run, after warm-up)', h('P50'), h('P95'), h('P99'), h('P999'), h('Max'), h('Mean'), h('Count')], rows);
}

function distribution(charts: Charts, result: LoadTestResult, dist: Distribution): string {
  const d = distributionChart(result, dist.name, dist.title, dist.lines);
  if (!d) return notes([{ name: dist.name, note: dist.missing }]);
  const axis = Array.from({ length: d.chart.decades! + 1 }, (_, k) => decadeLabel(k, d.chart.decades!)).join(', ');
  return (
    `<div class="two-col">${charts.figure(d.chart)}<div><h3>Percentiles from the cumulative histograms</h3>${spectrumTable(d)}` +
    `<p class="note">x axis: 1/(1-p), each decade one more nine (${escapeHtml(axis)}). ` +
    `${formatInt(d.spectra[0]!.spectrum.count)} records.</p></div></div>`
  );
}

function phaseCells(p: ProducerTotals | undefined, c: ConsumerTotals | undefined): Cell[] {
  return [
    num(p ? `${formatInt(p.msgsPerSec)}/s` : '-'),
    num(p && isNum(p.targetRate) ? `${formatInt(p.targetRate)}/s` : '-'),
    num(p?.latency?.response?.count ? formatMs(p.latency.response.p99) : '-'),
    num(p ? formatInt((p.failed ?? 0) + (p.dropped ?? 0)) : '-'),
    num(c ? `${formatInt(c.msgsPerSec)}/s` : '-'),
    num(c?.lag ? formatInt(c.lag.max) : '-'),
  ];
}

function phasesSection(result: LoadTestResult): string {
  const phases = Array.isArray(result.phases) ? result.phases : [];
  if (phases.length === 0) return '';
  const h = (t: string): Cell => ({ html: t, className: 'num' });
  const rows = phases.map((ph) => [
    ph.name,
    num(formatSeconds(ph.elapsedSeconds)),
    num(formatSeconds(ph.durationSeconds)),
    ...phaseCells(ph.producer, ph.consumer),
  ]);
  return section(
    'phases',
    'Phases',
    table(
      [
        'Phase',
        h('Starts at'),
        h('Duration'),
        h('Produced'),
        h('Target'),
        h('P99 response'),
        h('Failed + dropped'),
        h('Consumed'),
        h('Max lag'),
      ],
      rows,
    ),
  );
}

/**
 * Key/value table of nested data. `measured` values (resources, scenario results) are formatted by the unit
 * their name implies; configuration and environment values are shown exactly as recorded.
 */
function kvTable(value: unknown, empty: string, measured = false): string {
  const rows = flatten(value);
  if (rows.length === 0 || (rows.length === 1 && rows[0]![1] === undefined)) return `<p class="note">${escapeHtml(empty)}</p>`;
  const show = (k: string, v: unknown) => (measured && isNum(v) ? formatMetric(k, v) : measured && v === null ? '-' : plainValue(v));
  return table(
    [],
    rows.map(([k, v]) => [k, show(k, v)]),
    'kv',
  );
}

function metricsTable(metrics: Record<string, number> | undefined): string {
  const entries = Object.entries(metrics ?? {}).filter(([, v]) => isNum(v));
  if (entries.length === 0) return '';
  const rank = (k: string) => (k.startsWith('target.') ? 0 : k.startsWith('s3.') ? 1 : 2);
  entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return `<h3>Final values</h3>${table(
    ['Metric', { html: 'Value', className: 'num' }],
    entries.map(([k, v]) => [{ html: `<code>${escapeHtml(k)}</code>` }, num(formatMetric(k, v))]),
  )}`;
}

function integritySection(result: LoadTestResult): string {
  const i = result.integrity;
  if (!i) return '';
  if (!i.checked)
    return section(
      'integrity',
      'Integrity',
      '<p class="note">Integrity was not checked in this run (no consumer read the produced records back).</p>',
    );
  // Record-level columns only where the result has them (older results and uninstrumented runs do not).
  const extra = (
    [
      ['Corrupted', i.corrupted],
      ['Offset mismatches', i.offsetMismatches],
      ['Lost acked', i.lostAcked],
      ['Lost committed', i.lostCommitted],
      ['Unacked seen', i.unackedSeen],
    ] as const
  ).filter(([, v]) => v !== undefined) as ReadonlyArray<readonly [string, number]>;
  const counts = table(
    ['Missing', 'Duplicates', 'Reordered', ...extra.map(([t]) => t)].map((t) => ({ html: t, className: 'num' })),
    [[num(formatInt(i.missing)), num(formatInt(i.duplicates)), num(formatInt(i.reordered)), ...extra.map(([, v]) => num(formatInt(v)))]],
  );
  const examples = (i.examples ?? []).slice(0, 50);
  const ex = examples.length
    ? `<h3>Examples</h3>${table(
        [
          'Kind',
          { html: 'Producer', className: 'num' },
          { html: 'Partition', className: 'num' },
          { html: 'Sequence', className: 'num' },
          { html: 'Offset', className: 'num' },
        ],
        examples.map((e) => [
          e.kind,
          num(String(e.producer)),
          num(String(e.partition)),
          num(String(e.sequence)),
          num(e.offset === undefined ? '-' : String(e.offset)),
        ]),
      )}` +
      (i.examples.length > examples.length
        ? `<p class="note">${formatInt(i.examples.length - examples.length)} more examples in the result file.</p>`
        : '')
    : '';
  const unchecked = i.lostCommittedUnmeasured
    ? `<p class="note">Committed transactions not fully checked against what consumers read: ${escapeHtml(i.lostCommittedUnmeasured)}.</p>`
    : '';
  return section('integrity', 'Integrity', counts + unchecked + ex);
}

function errorsSection(result: LoadTestResult): string {
  const parts: string[] = [];
  const byCode: Array<[string, string, number]> = [];
  for (const [side, codes] of [
    ['producer', result.producer?.errorsByCode],
    ['consumer', result.consumer?.errorsByCode],
  ] as const) {
    for (const [code, n] of Object.entries(codes ?? {})) byCode.push([side, code, n]);
  }
  if (byCode.length)
    parts.push(
      table(
        ['Side', 'gRPC status', { html: 'Count', className: 'num' }],
        byCode.map(([s, c, n]) => [s, c, num(formatInt(n))]),
      ),
    );
  const errors = Array.isArray(result.errors) ? result.errors : [];
  if (errors.length)
    parts.push(
      `<h3>Errors raised during the run</h3>${table(
        ['Code', 'Message', 'Plugin'],
        errors.map((e) => [e.code, e.message, e.plugin ?? '']),
      )}`,
    );
  const g = result.generator;
  if (g && (g.saturatedWindows > 0 || g.warnings?.length)) {
    parts.push(
      `<h3>Load generator</h3><p>${escapeHtml(`${formatInt(g.saturatedWindows)} of ${formatInt(g.totalWindows)} sample windows saturated the generator (numbers in those windows describe the tool, not the target).`)}</p>` +
        (g.warnings?.length ? `<ul>${g.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''),
    );
  }
  return parts.length ? section('errors', 'Errors and warnings', parts.join('')) : '';
}

function defaultTitle(result: LoadTestResult): string {
  return `loadhouse: ${result.scenario ?? 'run'}`;
}

/** Renders a result as one self-contained HTML page (no network needed to open it). */
export function renderReport(result: LoadTestResult, options: { title?: string } = {}): string {
  const title = options.title ?? defaultTitle(result);
  const charts = new Charts();
  const body: string[] = [header(result, title), criteriaSection(result), diagnosisSection(result)];
  if (result.capacity) body.push(section('capacity', 'Capacity', charts.group(capacityCharts(result)) + capacityTables(result)));

  const noSamples =
    result.series.length === 0 ? '<p class="note" data-omitted="series">The result holds no samples: no charts over time.</p>' : '';
  body.push(section('throughput', 'Throughput', noSamples || charts.group(throughputCharts(result))));

  const lat = noSamples || charts.group(latencyCharts(result));
  const dist = distribution(charts, result, PRODUCER_DISTRIBUTION);
  body.push(section('latency', 'Producer latency', `${lat + dist}<h3>Whole run</h3>${latencyTable(result)}`));
  body.push(deliverySection(result));

  if (consumersRan(result)) {
    const cons = noSamples || charts.group(consumerCharts(result));
    const cdist = distribution(charts, result, CONSUMER_DISTRIBUTION);
    body.push(section('consumer', 'Consumer', cons + cdist));
  } else {
    body.push(section('consumer', 'Consumer', notes(consumerCharts(result).notes)));
  }

  body.push(groupsSection(result));
  body.push(phasesSection(result));
  body.push(topicsSection(result));
  body.push(partitionsSection(result));

  const resources = noSamples || charts.group(resourceCharts(result));
  const resTable = result.resources && Object.keys(result.resources).length ? `<h3>Summary</h3>${kvTable(result.resources, '', true)}` : '';
  body.push(section('resources', 'Memory and CPU', resources + resTable));

  const metrics = noSamples || charts.group(metricCharts(result));
  body.push(section('metrics', 'S3, cache and other metric sources', metrics + metricsTable(result.metrics)));

  body.push(integritySection(result));
  if (result.scenarioResults && Object.keys(result.scenarioResults).length > 0) {
    body.push(section('scenario-results', 'Scenario results', kvTable(result.scenarioResults, '', true)));
  }
  body.push(errorsSection(result));
  body.push(
    section(
      'config',
      'Configuration and environment',
      `<h3>Configuration</h3>${kvTable(result.config, 'No configuration recorded.')}` +
        `<h3>Environment</h3>${kvTable(result.environment, 'No environment recorded.')}`,
    ),
  );

  return htmlPage(
    title,
    body.filter(Boolean).join('\n'),
    { phases: phaseBands(result), charts: charts.specs },
    `Generated by @loadhouse/report from a result of schemaVersion ${escapeHtml(String(result.schemaVersion))}. ` +
      'Latencies in milliseconds; sizes in binary units (MiB = 2<sup>20</sup> bytes).',
  );
}
