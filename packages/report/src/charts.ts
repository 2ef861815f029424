// Turns a result into chart specifications: plain data the page's script hands to uPlot. A chart whose data
// is absent becomes a short note instead, so the page never shows an empty plot.
import { faultBands } from './fault-bands.js';
import type { LatencySummary, LoadTestResult, Sample } from '@loadhouse/core';
import { metricUnit } from './format.js';
import { decimate, MAX_POINTS } from './decimate.js';

export { decimate, MAX_POINTS };

export type ChartUnit = 'msgs/s' | 'ms' | 'bytes' | '%' | 'records' | '/s' | '';

export interface ChartSeries {
  label: string;
  color: string;
  unit: ChartUnit;
  /** The y scale (axis) this series is drawn against. */
  scale: string;
  dash?: number[];
  fill?: string;
}

export interface ChartAxis {
  scale: string;
  label: string;
  unit: ChartUnit;
  side: 'left' | 'right';
}

export interface ChartSpec {
  /** The `data-chart` attribute of the chart's container. */
  name: string;
  title: string;
  /**
   * `time`: x is elapsed seconds, phases are marked. `spectrum`: x is 1/(1-p) on a log axis. `rate`: x is an
   * offered rate (records/s), one point per step.
   */
  kind: 'time' | 'spectrum' | 'rate';
  height: number;
  axes: ChartAxis[];
  series: ChartSeries[];
  /** uPlot's column data: x values first, then one array per series. */
  data: Array<Array<number | null>>;
  /** Spectrum only: decades on the x axis. */
  decades?: number;
  /** Vertical lines at these x values, labelled (a capacity search's answer). */
  marks?: Array<{ x: number; label: string }>;
}

export interface OmittedChart {
  name: string;
  note: string;
}

export interface PhaseBand {
  name: string;
  start: number;
  end: number;
  warmup?: boolean;
  /** A fault the run injected (`result.faults`): shaded apart from the phases. */
  fault?: boolean;
}

export interface ChartGroup {
  charts: ChartSpec[];
  /** Notes on charts left out, or on series left out of a drawn chart. */
  notes: OmittedChart[];
}

export const COLORS = {
  blue: '#1f77b4',
  orange: '#ff7f0e',
  green: '#2ca02c',
  red: '#d62728',
  purple: '#9467bd',
  brown: '#8c564b',
  pink: '#e377c2',
  gray: '#7f7f7f',
  olive: '#bcbd22',
  cyan: '#17becf',
} as const;
const PALETTE = Object.values(COLORS);

type Getter = (s: Sample) => number | null | undefined;

interface SeriesDef extends Omit<ChartSeries, 'scale'> {
  scale?: string;
  get: Getter;
}

/** Six significant digits are plenty for a plot and keep a day-long run's page small. */
export function round(v: number | null | undefined): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return Number(v.toPrecision(6));
}

/** Reads a value, treating a missing nested field (older or partial result) as absent rather than throwing. */
function safe(get: Getter, s: Sample): number | null {
  try {
    const v = get(s);
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** A time chart with the defined series that have at least one value; undefined when none has. */
function timeChart(
  name: string,
  title: string,
  samples: Sample[],
  axes: ChartAxis[],
  defs: SeriesDef[],
  height = 260,
): ChartSpec | undefined {
  const x = samples.map((s) => s.elapsedSeconds);
  const series: ChartSeries[] = [];
  const data: Array<Array<number | null>> = [x];
  for (const def of defs) {
    const values = samples.map((s) => safe(def.get, s));
    if (!values.some((v) => v !== null)) continue;
    const { get: _get, ...rest } = def;
    series.push({ ...rest, scale: def.scale ?? 'y' });
    data.push(values);
  }
  if (series.length === 0 || samples.length === 0) return undefined;
  const used = new Set(series.map((s) => s.scale));
  return {
    name,
    title,
    kind: 'time',
    height,
    axes: axes.filter((a) => used.has(a.scale)),
    series,
    data: decimate(data).map((column) => column.map(round)),
  };
}

const latency = (summary: LatencySummary | undefined, key: keyof LatencySummary): number | null =>
  summary && summary.count > 0 ? summary[key] : null;

export function producerRan(result: LoadTestResult): boolean {
  return (
    (result.producer?.scheduled ?? 0) > 0 ||
    (result.producer?.acked ?? 0) > 0 ||
    result.series.some((s) => (s.producer?.scheduled ?? 0) > 0 || (s.producer?.acked ?? 0) > 0 || (s.producer?.targetRate ?? 0) > 0)
  );
}

export function consumersRan(result: LoadTestResult): boolean {
  return (
    (result.consumer?.consumed ?? 0) > 0 ||
    (result.consumer?.polls ?? 0) > 0 ||
    result.series.some((s) => (s.consumer?.consumed ?? 0) > 0 || (s.consumer?.polls ?? 0) > 0 || (s.consumer?.lag ?? 0) > 0)
  );
}

/** Phases, then the injected faults, as bands on the time axis; every chart shades them. */
export function phaseBands(result: LoadTestResult): PhaseBand[] {
  return [...runPhaseBands(result), ...faultBands(result)];
}

/** Phases as bands on the time axis: from `result.phases`, else from the samples' phase names; warm-up too. */
function runPhaseBands(result: LoadTestResult): PhaseBand[] {
  const bands: PhaseBand[] = [];
  if (result.warmupSeconds > 0) bands.push({ name: 'warm-up', start: 0, end: result.warmupSeconds, warmup: true });
  const phases = Array.isArray(result.phases) ? result.phases : [];
  if (phases.length > 0) {
    for (const p of phases) {
      if (typeof p.elapsedSeconds !== 'number') continue;
      bands.push({ name: p.name, start: p.elapsedSeconds, end: p.elapsedSeconds + (p.durationSeconds ?? 0) });
    }
    return bands;
  }
  let current: PhaseBand | undefined;
  for (const s of result.series) {
    const start = s.elapsedSeconds - (s.intervalSeconds ?? 0);
    if (!s.phase) {
      current = undefined;
      continue;
    }
    if (current && current.name === s.phase) current.end = s.elapsedSeconds;
    else {
      current = { name: s.phase, start: Math.max(0, start), end: s.elapsedSeconds };
      bands.push(current);
    }
  }
  return bands;
}

export function throughputCharts(result: LoadTestResult): ChartGroup {
  const consumers = consumersRan(result);
  const producers = producerRan(result);
  const notes: OmittedChart[] = [];
  if (!producers && !consumers) {
    return { charts: [], notes: [{ name: 'throughput', note: 'No records were produced or consumed: no throughput chart.' }] };
  }
  const defs: SeriesDef[] = [];
  if (producers) {
    defs.push(
      { label: 'target rate', color: COLORS.gray, unit: 'msgs/s', dash: [6, 4], get: (s) => s.producer.targetRate },
      { label: 'produced (acked)', color: COLORS.blue, unit: 'msgs/s', get: (s) => s.producer.msgsPerSec },
    );
  }
  if (consumers) defs.push({ label: 'consumed', color: COLORS.green, unit: 'msgs/s', get: (s) => s.consumer.msgsPerSec });
  else notes.push({ name: 'throughput', note: 'No consumer ran: the chart shows the producer side only.' });
  const chart = timeChart('throughput', 'Throughput: achieved vs target', result.series, [axis('y', 'records/s', 'msgs/s')], defs);
  return chart
    ? { charts: [chart], notes }
    : { charts: [], notes: [{ name: 'throughput', note: 'The samples hold no throughput values.' }] };
}

export function axis(scale: string, label: string, unit: ChartUnit, side: 'left' | 'right' = 'left'): ChartAxis {
  return { scale, label, unit, side };
}

function percentileDefs(pick: (s: Sample) => LatencySummary | undefined): SeriesDef[] {
  return [
    { label: 'P50', color: COLORS.blue, unit: 'ms', get: (s) => latency(pick(s), 'p50') },
    { label: 'P99', color: COLORS.orange, unit: 'ms', get: (s) => latency(pick(s), 'p99') },
    { label: 'P999', color: COLORS.red, unit: 'ms', get: (s) => latency(pick(s), 'p999') },
  ];
}

export function latencyCharts(result: LoadTestResult): ChartGroup {
  const group: ChartGroup = { charts: [], notes: [] };
  const specs = [
    {
      name: 'latency-response',
      title: 'Response latency (from intended send time) over time',
      pick: (s: Sample) => s.producer?.latency?.response,
      missing: 'No producer response latencies were recorded.',
    },
    {
      name: 'latency-service',
      title: 'Service latency (from actual send) over time',
      pick: (s: Sample) => s.producer?.latency?.service,
      missing: 'No producer service latencies were recorded.',
    },
  ];
  for (const spec of specs) {
    const chart = timeChart(spec.name, spec.title, result.series, [axis('y', 'latency', 'ms')], percentileDefs(spec.pick));
    if (chart) group.charts.push(chart);
    else group.notes.push({ name: spec.name, note: spec.missing });
  }
  return group;
}

export function consumerCharts(result: LoadTestResult): ChartGroup {
  if (!consumersRan(result)) {
    return { charts: [], notes: [{ name: 'consumer-lag', note: 'No consumer ran in this test: no consumer lag or rate to show.' }] };
  }
  const group: ChartGroup = { charts: [], notes: [] };
  const lag = timeChart(
    'consumer-lag',
    'Consumer lag and consumer rate',
    result.series,
    [axis('y', 'lag (records)', 'records'), axis('rate', 'consumed', 'msgs/s', 'right')],
    [
      { label: 'lag', color: COLORS.purple, unit: 'records', fill: 'rgba(148,103,189,0.15)', get: (s) => s.consumer.lag },
      { label: 'consumed', color: COLORS.green, unit: 'msgs/s', scale: 'rate', get: (s) => s.consumer.msgsPerSec },
    ],
  );
  if (lag) group.charts.push(lag);
  else group.notes.push({ name: 'consumer-lag', note: 'The samples hold no consumer lag values.' });
  const lat = timeChart(
    'consumer-latency',
    'Consumer latency over time',
    result.series,
    [axis('y', 'latency', 'ms')],
    [
      { label: 'end-to-end P50', color: COLORS.blue, unit: 'ms', get: (s) => latency(s.consumer?.latency?.endToEnd, 'p50') },
      { label: 'end-to-end P99', color: COLORS.orange, unit: 'ms', get: (s) => latency(s.consumer?.latency?.endToEnd, 'p99') },
      { label: 'poll P99', color: COLORS.brown, unit: 'ms', dash: [6, 4], get: (s) => latency(s.consumer?.latency?.poll, 'p99') },
    ],
  );
  if (lat) group.charts.push(lat);
  else group.notes.push({ name: 'consumer-latency', note: 'No consumer latencies were recorded.' });
  return group;
}

export function resourceCharts(result: LoadTestResult): ChartGroup {
  const group: ChartGroup = { charts: [], notes: [] };
  const memory = timeChart(
    'memory',
    'Memory (RSS)',
    result.series,
    [axis('y', 'memory', 'bytes')],
    [
      { label: 'target RSS', color: COLORS.red, unit: 'bytes', get: (s) => s.target?.rssBytes },
      { label: 'generator RSS', color: COLORS.blue, unit: 'bytes', get: (s) => s.generator?.rssBytes },
      { label: 'generator heap', color: COLORS.cyan, unit: 'bytes', dash: [6, 4], get: (s) => s.generator?.heapUsedBytes },
    ],
  );
  const cpu = timeChart(
    'cpu',
    'CPU (percent of one core)',
    result.series,
    [axis('y', 'CPU', '%')],
    [
      { label: 'target CPU', color: COLORS.red, unit: '%', get: (s) => s.target?.cpuPercent },
      { label: 'generator CPU', color: COLORS.blue, unit: '%', get: (s) => s.generator?.cpuPercent },
    ],
  );
  for (const [name, chart, what] of [
    ['memory', memory, 'memory'],
    ['cpu', cpu, 'CPU'],
  ] as const) {
    if (!chart) group.notes.push({ name, note: `No ${what} was measured.` });
    else {
      group.charts.push(chart);
      if (!chart.series.some((s) => s.label.startsWith('target'))) {
        group.notes.push({ name, note: `Target ${what} was not measured (give the target's PID to sample it).` });
      }
    }
  }
  return group;
}

const METRIC_CLASSES: Array<{ unit: ReturnType<typeof metricUnit>; name: string; title: string; axisLabel: string }> = [
  { unit: 'ms', name: 'metrics-latency', title: 'S3 and target latencies', axisLabel: 'latency' },
  { unit: '%', name: 'metrics-percent', title: 'Cache hit rate and error rates', axisLabel: 'percent' },
  { unit: '/s', name: 'metrics-rate', title: 'Rates reported by metric sources', axisLabel: 'per second' },
  { unit: 'bytes', name: 'metrics-bytes', title: 'Sizes reported by metric sources', axisLabel: 'size' },
  { unit: '', name: 'metrics-count', title: 'Counters and other values', axisLabel: 'value' },
];
const MAX_SERIES_PER_CHART = 8;

/** Metric-source values over time (`target.*`, `s3.*`, then any other source), one chart per kind of unit. */
export function metricCharts(result: LoadTestResult): ChartGroup {
  const keys = new Set<string>();
  for (const s of result.series) for (const k of Object.keys(s.metrics ?? {})) keys.add(k);
  const rank = (k: string) => (k.startsWith('target.') ? 0 : k.startsWith('s3.') ? 1 : 2);
  const sorted = [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (sorted.length === 0) {
    return {
      charts: [],
      notes: [{ name: 'metrics', note: 'No metric source (S3 probe, Prometheus scraper) contributed values in this run.' }],
    };
  }
  const group: ChartGroup = { charts: [], notes: [] };
  const constant: string[] = [];
  const varying: string[] = [];
  for (const k of sorted) {
    const values = result.series.map((s) => s.metrics?.[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === 0) continue;
    // A value that never changes is fully told by the table; a flat line would only take room.
    if (values.every((v) => v === values[0])) constant.push(`${k} = ${values[0]}`);
    else varying.push(k);
  }
  for (const cls of METRIC_CLASSES) {
    const members = varying.filter((k) => metricUnit(k) === cls.unit);
    if (members.length === 0) continue;
    const shown = members.slice(0, MAX_SERIES_PER_CHART);
    const chartUnit: ChartUnit = cls.unit;
    const chart = timeChart(
      cls.name,
      cls.title,
      result.series,
      [axis('y', cls.axisLabel, chartUnit)],
      shown.map((k, i) => ({ label: k, color: PALETTE[i % PALETTE.length]!, unit: chartUnit, get: (s) => s.metrics?.[k] })),
    );
    if (chart) group.charts.push(chart);
    if (members.length > shown.length) {
      group.notes.push({
        name: cls.name,
        note: `Not drawn (more than ${MAX_SERIES_PER_CHART} series): ${members.slice(shown.length).join(', ')}.`,
      });
    }
  }
  if (constant.length > 0) group.notes.push({ name: 'metrics', note: `Constant over the run, not drawn: ${constant.join(', ')}.` });
  return group;
}
