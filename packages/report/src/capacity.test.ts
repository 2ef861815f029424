// A capacity search in the report: its chart against offered rate (void steps left out, the SLO's P99 bound
// and the answer marked) and its steps table; no capacity section for other runs.
import { type CapacityReport, type CapacityStep, checkResult } from '@loadhouse/core';
import { makeResult } from '@loadhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { capacityCharts } from './capacity.js';
import { renderReport } from './render.js';

const step = (rate: number, p99: number, verdict: 'pass' | 'fail' | 'void'): CapacityStep => ({
  phase: `step@${rate}`,
  role: 'climb',
  rate,
  achieved: Math.min(rate, 3000),
  passed: verdict === 'pass',
  void: verdict === 'void',
  reason: verdict === 'pass' ? '' : verdict,
  latency: { p50: p99 / 2, p99, p999: p99, max: p99 },
  slo: [],
});

const capacity: CapacityReport = {
  maxSustainableRate: 2875,
  interval: { low: 2875, high: 3000 },
  bound: 'target',
  message: 'The target held the SLO up to 2875 msgs/s; it failed at 3000 msgs/s.',
  slo: [{ metric: 'producer.latency.p99', op: '<', value: 100 }],
  minAchievedPercent: 90,
  minRate: 1000,
  maxRate: 10000,
  resolutionPercent: 5,
  stepSeconds: 1,
  stepWarmupSeconds: 0.5,
  knee: 2000,
  steps: [
    step(1000, 10, 'pass'),
    step(2000, 15, 'pass'),
    step(4000, 900, 'fail'),
    step(3000, 300, 'void'),
    step(3000, 150, 'fail'),
    step(2875, 60, 'pass'),
  ],
};

describe('capacity in the report', () => {
  it('charts P99 and the acknowledged rate against the offered rate, void steps left out, SLO bound and answer marked', () => {
    const { charts } = capacityCharts({ ...makeResult(), capacity });
    expect(charts).toHaveLength(1);
    const chart = charts[0]!;
    expect(chart.kind).toBe('rate');
    expect(chart.data[0]).toEqual([1000, 2000, 2875, 3000, 4000]);
    expect(chart.series.map((s) => s.label)).toEqual(['P99', 'SLO P99 bound', 'acknowledged', 'offered (reference)']);
    expect(chart.data[1]).toEqual([10, 15, 60, 150, 900]);
    expect(chart.data[2]).toEqual([100, 100, 100, 100, 100]);
    expect(chart.marks).toEqual([
      { x: 2875, label: 'capacity 2875/s' },
      { x: 2000, label: 'knee 2000/s' },
    ]);
  });

  it('puts the answer and every step (void ones too) in a Capacity section; other runs have none', () => {
    const html = renderReport({ ...makeResult(), capacity });
    expect(html).toContain('<section id="capacity">');
    expect(html).toContain('data-bound="target"');
    expect(html).toContain('The target held the SLO up to 2875 msgs/s');
    expect(html.match(/<tr class="void">/g)).toHaveLength(1);
    expect(html).toContain('data-chart="capacity"');
    expect(renderReport(makeResult())).not.toContain('id="capacity"');
  });

  it('a result with a capacity section passes the result schema (report and merge read it)', () => {
    const doc = JSON.parse(JSON.stringify({ ...makeResult(), capacity }));
    expect(checkResult(doc, 'capacity.json').capacity?.bound).toBe('target');
    const broken = JSON.parse(JSON.stringify({ ...makeResult(), capacity: { ...capacity, bound: 'maybe' } }));
    expect(() => checkResult(broken, 'broken.json')).toThrow(/capacity/);
  });
});
