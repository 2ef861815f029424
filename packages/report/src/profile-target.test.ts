// A rate profile in the HTML report: the throughput chart draws each window's target (the profile's rate
// then), not one constant, beside the achieved rate, and the profile's segments are the phases marked on it.
import { makeResult } from '@loadhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { renderReport } from './render.js';

interface Payload {
  phases: Array<{ name: string }>;
  charts: Array<{ name: string; series: Array<{ label: string }>; data: Array<Array<number | null>> }>;
}

const payloadOf = (html: string): Payload => {
  const m = /<script type="application\/json" id="loadhouse-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data script');
  return JSON.parse(m[1]!) as Payload;
};

describe('the target line of a rate profile', () => {
  it('follows the profile window by window on the throughput chart', () => {
    const result = makeResult();
    const n = result.series.length;
    // A ramp over the first half, then a hold at its top.
    const targets = result.series.map((_, i) => (i < n / 2 ? 100 * (i + 1) : 100 * Math.ceil(n / 2)));
    result.series.forEach((s, i) => {
      s.producer.targetRate = targets[i]!;
      s.phase = i < n / 2 ? 'ramp-1' : 'hold-2';
    });
    result.phases = result.phases.slice(0, 2).map((p, i) => ({ ...p, name: i === 0 ? 'ramp-1' : 'hold-2' }));
    const payload = payloadOf(renderReport(result));
    const chart = payload.charts.find((c) => c.name === 'throughput')!;
    const column = chart.series.findIndex((s) => s.label === 'target rate');
    expect(column).toBe(0);
    // data[0] is the time axis; the series follow in order.
    expect(chart.data[column + 1]).toEqual(targets);
    expect(payload.phases.map((p) => p.name)).toEqual(['ramp-1', 'hold-2']);
  });
});
