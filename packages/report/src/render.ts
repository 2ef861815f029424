// renderReport: one self-contained HTML page for a result. Tables are plain HTML (readable without
// JavaScript); charts are uPlot, inlined with the data, so the file opens anywhere without a network.
import {
  criterionFailed,
  type ConsumerTotals,
  type CriterionOutcome,
  type LatencySummary,
  type LoadTestResult,
  type ProducerTotals,
} from '@loadhouse/core';
import {
  COLORS,
  consumerCharts,
  consumersRan,
  distributionChart,
  latencyCharts,
  metricCharts,
  phaseBands,
  producerRan,
  resourceCharts,
  throughputCharts,
  type ChartGroup,
  type ChartSpec,
  type DistributionChart,
  type OmittedChart,
} from './charts.js';
import { formatInt, formatMetric, formatMs, formatNumber, formatSeconds, formatTime, formatWithUnit } from './format.js';
import { escapeHtml, flatten, inlineScript, inlineStyle, jsonForScript, plainValue, table, type Cell } from './html.js';
import { REPORT_CSS, REPORT_SCRIPT, uplotAssets } from './page-assets.js';
import { decadeLabel } from './spectrum.js';

export interface ReportOptions {
  /** The page title (default: `loadhouse: <scenario>`). */
  title?: string;
}

const num = (html: string): Cell => ({ html: escapeHtml(html), className: 'num' });
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

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

/** The run's target address (absent from a hand-made result without a config). */
function targetOf(result: LoadTestResult): string | undefined {
  return result.config?.target?.address;
}

export type Verdict = 'passed' | 'failed' | 'partial' | 'no criteria';

/**
 * What the run proved, read as the exit code reads it: a failed run or any failed criterion is failed; a run
 * that did not reach its end is partial; passed only for a whole run whose every criterion held. A run with
 * no criteria, or only not-applicable ones (N/A: they neither pass nor fail), proved nothing either way.
 */
export function verdictOf(result: LoadTestResult): Verdict {
  const criteria = Array.isArray(result.criteria) ? result.criteria : [];
  if (result.state === 'failed' || criteria.some(criterionFailed)) return 'failed';
  if (result.partial || result.state !== 'completed') return 'partial';
  return criteria.some((c) => c.notApplicable === undefined) ? 'passed' : 'no criteria';
}

function header(result: LoadTestResult, title: string): string {
  const state = result.state;
  const verdict = verdictOf(result);
  // The verdict is the headline (as in k6); how the run ended is secondary, beside it.
  const badges = [
    `<span class="badge verdict ${verdict === 'no criteria' ? 'unjudged' : verdict}" title="Verdict">${verdict}</span>`,
    `<span class="run-end" title="How the run ended">run ${escapeHtml(state)}${result.partial ? ', partial' : ''}</span>`,
  ];
  const target = targetOf(result);
  const meta: Array<[string, string]> = [
    ['Start', formatTime(result.startedAt)],
    ['End', formatTime(result.endedAt)],
    ['Duration', formatSeconds(result.durationSeconds)],
  ];
  if (result.warmupSeconds > 0) meta.push(['Warm-up', formatSeconds(result.warmupSeconds)]);
  if (target) meta.push(['Target', target]);
  if (result.runId) meta.push(['Run', result.runId]);
  if (result.shard) meta.push(['Shard', `${result.shard.index + 1}/${result.shard.count}`]);
  meta.push(['End reason', result.endReason]);
  const failure = result.state === 'failed' && result.error ? `${result.error.code}: ${result.error.message}` : undefined;
  return (
    `<header class="report"><h1>${escapeHtml(title)} ${badges.join(' ')}</h1>` +
    `<ul class="meta">${meta.map(([k, v]) => `<li>${escapeHtml(k)}: <b>${escapeHtml(v)}</b></li>`).join('')}</ul>` +
    (result.endMessage ? `<p class="end-message ${escapeHtml(state)}">${escapeHtml(result.endMessage)}</p>` : '') +
    (failure ? `<p class="end-message failed">${escapeHtml(failure)}</p>` : '') +
    kpis(result) +
    '</header>'
  );
}

function kpi(label: string, value: string, sub?: string): string {
  return (
    `<div class="kpi"><div class="k">${escapeHtml(label)}</div><div class="v">${escapeHtml(value)}</div>` +
    (sub ? `<div class="s">${escapeHtml(sub)}</div>` : '') +
    '</div>'
  );
}

function kpis(result: LoadTestResult): string {
  const out: string[] = [];
  const p = result.producer;
  if (p && producerRan(result)) {
    out.push(kpi('Produced (acked)', formatInt(p.acked), `${formatInt(p.scheduled)} scheduled`));
    out.push(kpi('Achieved rate', `${formatInt(p.msgsPerSec)}/s`, isNum(p.targetRate) ? `target ${formatInt(p.targetRate)}/s` : undefined));
    out.push(kpi('Throughput', `${formatNumber(p.mbPerSec)} MiB/s`));
    if (p.latency?.response?.count)
      out.push(kpi('P99 response', formatMs(p.latency.response.p99), `P999 ${formatMs(p.latency.response.p999)}`));
    if (p.latency?.service?.count)
      out.push(kpi('P99 service', formatMs(p.latency.service.p99), `P999 ${formatMs(p.latency.service.p999)}`));
    const errors = (p.failed ?? 0) + (p.dropped ?? 0);
    out.push(
      kpi('Failed + dropped', formatInt(errors), isNum(p.errorRatePercent) ? `${formatNumber(p.errorRatePercent)}% error rate` : undefined),
    );
  }
  const c = result.consumer;
  if (c && consumersRan(result)) {
    out.push(kpi('Consumed', formatInt(c.consumed), `${formatInt(c.msgsPerSec)}/s`));
    if (c.lag) out.push(kpi('Consumer lag', `${formatInt(c.lag.final)} final`, `${formatInt(c.lag.max)} max`));
  }
  const criteria = Array.isArray(result.criteria) ? result.criteria : [];
  if (criteria.length > 0) {
    const passed = criteria.filter((x) => x.passed).length;
    const na = criteria.filter((x) => x.notApplicable !== undefined).length;
    out.push(kpi('Criteria', `${passed}/${criteria.length - na} passed`, na ? `${na} not applicable` : undefined));
  }
  if (result.integrity?.checked) {
    const i = result.integrity;
    out.push(
      kpi(
        'Integrity',
        i.missing + i.duplicates + i.reordered === 0 ? 'clean' : `${formatInt(i.missing)} missing`,
        `${formatInt(i.duplicates)} dup, ${formatInt(i.reordered)} reordered`,
      ),
    );
  }
  return out.length ? `<div class="kpis">${out.join('')}</div>` : '';
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

function spectrumTable(d: DistributionChart): string {
  const head: Cell[] = ['Percentile', ...d.spectra.map((s) => ({ html: escapeHtml(s.label), className: 'num' }))];
  const first = d.spectra[0]!.spectrum;
  const rows = first.keyPoints.map((p, i) => [
    p.percentile === 100 ? '100% (max)' : `${p.percentile}%`,
    ...d.spectra.map((s) => num(s.spectrum.keyPoints[i] ? formatMs(s.spectrum.keyPoints[i]!.valueMs) : '-')),
  ]);
  return table(head, rows, 'spectrum');
}

function distribution(
  charts: Charts,
  result: LoadTestResult,
  name: string,
  title: string,
  lines: Array<{ key: string; label: string; color: string }>,
  missing: string,
): string {
  const d = distributionChart(result, name, title, lines);
  if (!d) return notes([{ name, note: missing }]);
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
  const counts = table(
    ['Missing', 'Duplicates', 'Reordered'].map((t) => ({ html: t, className: 'num' })),
    [[num(formatInt(i.missing)), num(formatInt(i.duplicates)), num(formatInt(i.reordered))]],
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
  return section('integrity', 'Integrity', counts + ex);
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
  const body: string[] = [header(result, title), criteriaSection(result)];

  const noSamples =
    result.series.length === 0 ? '<p class="note" data-omitted="series">The result holds no samples: no charts over time.</p>' : '';
  body.push(section('throughput', 'Throughput', noSamples || charts.group(throughputCharts(result))));

  const lat = noSamples || charts.group(latencyCharts(result));
  const dist = distribution(
    charts,
    result,
    'latency-distribution',
    'Producer latency distribution (percentile spectrum)',
    [
      { key: 'producer.response', label: 'response', color: COLORS.blue },
      { key: 'producer.service', label: 'service', color: COLORS.orange },
    ],
    'The result has no producer.response or producer.service histogram: no latency distribution.',
  );
  body.push(section('latency', 'Producer latency', `${lat + dist}<h3>Whole run</h3>${latencyTable(result)}`));

  if (consumersRan(result)) {
    const cons = noSamples || charts.group(consumerCharts(result));
    const cdist = distribution(
      charts,
      result,
      'consumer-latency-distribution',
      'Consumer latency distribution (percentile spectrum)',
      [
        { key: 'consumer.endToEnd', label: 'end-to-end', color: COLORS.green },
        { key: 'consumer.poll', label: 'poll', color: COLORS.brown },
      ],
      'The result has no consumer histograms: no consumer latency distribution.',
    );
    body.push(section('consumer', 'Consumer', cons + cdist));
  } else {
    body.push(section('consumer', 'Consumer', notes(consumerCharts(result).notes)));
  }

  body.push(phasesSection(result));

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

  const payload = { phases: phaseBands(result), charts: charts.specs };
  const uplot = uplotAssets();
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${inlineStyle(uplot.css)}</style>`,
    `<style>${inlineStyle(REPORT_CSS)}</style>`,
    '</head><body><main>',
    '<noscript><p>Charts need JavaScript; every table below is complete without it.</p></noscript>',
    body.filter(Boolean).join('\n'),
    `<footer>Generated by @loadhouse/report from a result of schemaVersion ${escapeHtml(String(result.schemaVersion))}. ` +
      'Latencies in milliseconds; sizes in binary units (MiB = 2<sup>20</sup> bytes).</footer>',
    '</main>',
    `<script type="application/json" id="loadhouse-data">${jsonForScript(payload)}</script>`,
    `<script>${inlineScript(uplot.js)}</script>`,
    `<script>${inlineScript(REPORT_SCRIPT)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
