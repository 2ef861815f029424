// The comparison page: the verdict, every compared metric in the table, both runs drawn window by window, and
// names from the command line escaped.
import { describe, expect, it } from 'vitest';
import { compareResults, type LatencySummary } from '@loadhouse/core';
import { makeResult } from '@loadhouse/core/testing';
import { renderComparison } from './index.js';

const slower = (l: LatencySummary): LatencySummary => ({ ...l, p50: 3 * l.p50, p95: 3 * l.p95, p99: 3 * l.p99, p999: 3 * l.p999 });

describe('renderComparison', () => {
  it('shows the verdict, the table and both runs per window; a hostile file name stays text', () => {
    const baseline = makeResult({ consumers: false, metrics: false });
    const candidate = structuredClone(baseline);
    for (const s of candidate.series) s.producer.latency.service = slower(s.producer.latency.service);
    candidate.producer.latency.service = slower(candidate.producer.latency.service);
    const comparison = compareResults(baseline, candidate, { names: ['base.json', '<script>alert(1)</script>.json'] });
    expect(comparison.verdict).toBe('regressed');

    const html = renderComparison(baseline, candidate, comparison);
    expect(html).toContain('<span class="badge verdict failed" title="Verdict">regressed</span>');
    for (const m of comparison.metrics) expect(html).toContain(`<td>${m.label}</td>`);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.json');
    const data = JSON.parse(/<script type="application\/json" id="loadhouse-data">(.*?)<\/script>/s.exec(html)![1]!) as {
      charts: Array<{ name: string; series: Array<{ label: string }>; data: number[][] }>;
    };
    const p50 = data.charts.find((c) => c.name === 'compare-service-p50')!;
    expect(p50.series.map((s) => s.label)).toEqual(['baseline', 'candidate']);
    expect(p50.data[0]).toHaveLength(baseline.series.length);
    expect(p50.data[2]![0]).toBeCloseTo(3 * p50.data[1]![0]!, 0);
  });
});
