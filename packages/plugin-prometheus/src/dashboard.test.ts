import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@loadhouse/agent';
import { prometheus } from './index.js';
import { parseMetricsText, type ParsedMetrics } from './parse.js';
import { makeSample, PluginHarness } from '@loadhouse/core/testing';
import { loadDashboard, metricNames } from './test-support/dashboard.js';

/** Sample names a document can hold, from its families (so series not yet incremented still count). */
function exported(parsed: ParsedMetrics): Set<string> {
  const out = new Set<string>();
  for (const f of parsed.families.values()) {
    out.add(f.name);
    if (f.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(f.name + s);
    if (f.type === 'counter' && !f.name.endsWith('_total')) out.add(`${f.name}_total`);
  }
  for (const s of parsed.samples) out.add(s.name);
  return out;
}

describe('Grafana dashboard', () => {
  let agent: Agent;
  const names = new Set<string>();

  beforeAll(async () => {
    agent = await startAgent();
    const agentText = await (await fetch(`${agent.httpAddress}/metrics`)).text();
    for (const n of exported(parseMetricsText(agentText))) names.add(n);
    const plugin = prometheus({ port: 0, scrape: false });
    const fake = new PluginHarness({ workers: 1, connections: 2 });
    const teardown = (await plugin.setup(fake.ctx))!;
    await fake.testBefore();
    fake.emitSample(makeSample({ consumed: 10 }));
    const pluginText = await (await fetch(plugin.address()!.url)).text();
    for (const n of exported(parseMetricsText(pluginText))) names.add(n);
    await teardown();
  });
  afterAll(() => agent?.stop());

  it('every panel query names metrics that the plugin or the agent exports', async () => {
    const dash = await loadDashboard();
    const graphs = dash.panels.filter((p) => p.type !== 'row');
    expect(graphs.length).toBeGreaterThanOrEqual(12);
    for (const panel of graphs) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets!) {
        const used = metricNames(expr);
        expect(used.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of used)
          expect(names.has(name), `${panel.title}: ${name} is exported by neither the plugin nor the agent`).toBe(true);
      }
    }
    for (const v of dash.templating.list) {
      const q = (v as { query?: { query?: string } }).query?.query;
      const metric = q && /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(q)?.[1];
      if (q) expect(metric && names.has(metric), `variable ${v.name}: ${q}`).toBe(true);
    }
  });

  it('has the plan’s panels', async () => {
    const exprs = (await loadDashboard()).panels
      .flatMap((p) => p.targets ?? [])
      .map((t) => t.expr)
      .join('\n');
    for (const metric of [
      'streamhouse_producer_records_sent_total',
      'streamhouse_producer_send_duration_seconds_bucket',
      'streamhouse_connection_pool_connections_healthy',
      'streamhouse_connection_pool_connections_total',
      'streamhouse_producer_batch_size_records_bucket',
      'streamhouse_consumer_records_consumed_total',
      'streamhouse_consumer_lag_records',
      'streamhouse_cache_hits_total',
      'streamhouse_cache_misses_total',
      'streamhouse_consumer_poll_duration_seconds_bucket',
      'streamhouse_s3_requests_total',
      'streamhouse_s3_errors_total',
      'streamhouse_s3_latency_seconds_bucket',
      'streamhouse_segment_flushes_total',
      'process_resident_memory_bytes',
    ]) {
      expect(exprs).toContain(metric);
    }
  });

  it('the name extraction sees through PromQL syntax', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, operation) (rate(x_bucket{a="b{c}"}[1m])))')).toEqual(['x_bucket']);
    expect(metricNames('sum(rate(a_total[$__rate_interval])) / (sum(rate(a_total[5m])) + sum(rate(b_total[5m])))')).toEqual([
      'a_total',
      'b_total',
    ]);
  });
});
