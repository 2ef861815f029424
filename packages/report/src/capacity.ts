// A capacity search in the report: P99 and the acknowledged rate against the offered rate, with the SLO's
// latency bound and the answer marked, then every step in a table (void steps shown, never charted).
import type { LoadTestResult } from '@loadhouse/core';
import { axis, COLORS, round, type ChartGroup, type ChartSpec } from './charts.js';
import { escapeHtml, num, table } from './html.js';

/** The SLO's P99 bound (ms) when it has one: drawn as a line. */
function p99Bound(result: LoadTestResult): number | undefined {
  const c = result.capacity?.slo.find((s) => /^producer\.latency(\.response)?\.p99$/.test(s.metric) && (s.op === '<' || s.op === '<='));
  return c?.value;
}

export function capacityCharts(result: LoadTestResult): ChartGroup {
  const c = result.capacity;
  if (!c) return { charts: [], notes: [] };
  const steps = c.steps.filter((s) => !s.void).sort((a, b) => a.rate - b.rate);
  if (steps.length === 0)
    return { charts: [], notes: [{ name: 'capacity', note: 'No step of the search was judged (all void): no capacity chart.' }] };
  const bound = p99Bound(result);
  const spec: ChartSpec = {
    name: 'capacity',
    title: 'P99 and acknowledged rate against offered rate',
    kind: 'rate',
    height: 300,
    axes: [axis('y', 'P99 latency', 'ms'), axis('rate', 'rate', 'msgs/s', 'right')],
    series: [
      { label: 'P99', color: COLORS.orange, unit: 'ms', scale: 'y' },
      ...(bound === undefined ? [] : [{ label: 'SLO P99 bound', color: COLORS.red, unit: 'ms' as const, scale: 'y', dash: [6, 4] }]),
      { label: 'acknowledged', color: COLORS.blue, unit: 'msgs/s', scale: 'rate' },
      { label: 'offered (reference)', color: COLORS.gray, unit: 'msgs/s', scale: 'rate', dash: [2, 3] },
    ],
    data: [
      steps.map((s) => s.rate),
      steps.map((s) => round(s.latency.p99)),
      ...(bound === undefined ? [] : [steps.map(() => bound)]),
      steps.map((s) => s.achieved),
      steps.map((s) => s.rate),
    ],
    marks: [
      ...(c.maxSustainableRate !== null ? [{ x: c.maxSustainableRate, label: `capacity ${c.maxSustainableRate}/s` }] : []),
      ...(c.knee !== null && c.knee !== c.maxSustainableRate ? [{ x: c.knee, label: `knee ${c.knee}/s` }] : []),
    ],
  };
  return { charts: [spec], notes: [] };
}

const ms = (v: number | null) => (v === null ? '-' : v.toFixed(1));

/** The answer, its interval, and the steps' table. */
export function capacityTables(result: LoadTestResult): string {
  const c = result.capacity;
  if (!c) return '';
  const interval = c.interval
    ? `Passed every time up to ${c.interval.low.toLocaleString('en-US')} msgs/s; ${c.interval.high === null ? 'no rate failed' : `failed at ${c.interval.high.toLocaleString('en-US')} msgs/s`}.`
    : 'No rate passed.';
  const slo = c.slo.map((s) => s.label ?? `${s.metric} ${s.op} ${s.value}`).join(', ');
  const head = `<p class="capacity-answer" data-bound="${escapeHtml(c.bound)}"><strong>${escapeHtml(c.message)}</strong> ${escapeHtml(interval)}</p>`;
  const about = `<p class="note">Bound: ${escapeHtml(c.bound)}. SLO: ${escapeHtml(slo)}; a step also fails under ${c.minAchievedPercent}% of its offered rate acknowledged. Steps of ${c.stepSeconds} s measured after ${c.stepWarmupSeconds} s at their rate; a void step (the generator was saturated) is not judged.</p>`;
  const rows = c.steps.map((s) => [
    s.phase,
    s.role,
    num(s.rate.toLocaleString('en-US')),
    num(s.achieved.toLocaleString('en-US')),
    num(ms(s.latency.p50)),
    num(ms(s.latency.p99)),
    s.void ? 'void' : s.passed ? 'passed' : 'failed',
    s.reason,
  ]);
  return (
    head +
    about +
    table(['Step', 'Role', 'Offered /s', 'Acked /s', 'P50 ms', 'P99 ms', 'Verdict', 'Why'], rows, 'capacity-steps', (i) =>
      c.steps[i]!.void ? 'void' : c.steps[i]!.passed ? 'pass' : 'fail',
    )
  );
}
