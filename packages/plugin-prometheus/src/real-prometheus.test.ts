// A real Prometheus (Debian's /usr/bin/prometheus) scrapes the plugin's endpoint and the reference agent every
// second; the plan's PromQL must then agree with loadhouse's own figures.
//
// Tolerances, and why:
// - Throughput: rate() over a W-second window sees the records of the intervals that completed between its
//   first and last scrape in the window. Samples and scrapes both tick every second with independent phase, so
//   the span can hold one interval more or fewer than its length: relative error <= 1 / (scrapes in the window - 1).
//   With W = 6 s that is <= 20 %; the check allows 1 / (W - 1) + 5 % = 25 % (the bound plus scheduling jitter on a
//   loaded 2-core machine). The real run compares with loadhouse's own samples of the same window (its throughput
//   varies while workers start and on a loaded machine); there the slip is the window's largest interval, so the
//   tolerance is largest interval / ((W - 1) x window rate) + 5 %, which is 25 % for steady traffic.
// - Record count: the counter is exact, so Prometheus's last value equals the result's acked count.
// - P99: histogram_quantile() interpolates linearly inside a bucket (adjacent bounds differ by <= 1.5x), and the
//   buckets of an interval come from its percentile summary when the engine sends no encoded histogram. The
//   Prometheus P99 must lie within one bucket of loadhouse's: between the lower bound of the bucket below and the
//   upper bound of the bucket above the one holding loadhouse's P99. The real run compares over the whole run
//   (increase over a window covering it), so both figures describe the same records.
// - Cache hit rate: a ratio of two counters scraped at the same instants, so the window edges cancel; the only
//   difference is traffic between the last scrape and the plugin's final scrape. Allowed: 5 percentage points.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadTest, type Sample, type Scenario } from '@loadhouse/core';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { startAgent, type Agent } from '@loadhouse/agent';
import { createExporter, prometheus, type Exporter } from './index.js';
import { LATENCY_BUCKETS_SECONDS, bucketIndex } from './buckets.js';
import { makeSample, PluginHarness } from '@loadhouse/core/testing';
import { startPrometheus, type PrometheusServer } from './test-support/prometheus-server.js';
import { loadDashboard } from './test-support/dashboard.js';

const RATE = 2000;
const SECONDS = 8;
const WINDOW = 6;
/** The run: long enough that a 6 s window ends before the final sample and after the workers' start-up. */
const REAL_SECONDS = 9;

/** [low, high] seconds: from the bucket below loadhouse's P99 bucket to the bucket above it. */
function p99Bounds(p99Ms: number): [number, number] {
  const b = LATENCY_BUCKETS_SECONDS;
  const i = bucketIndex(b, p99Ms / 1000);
  return [i >= 2 ? b[i - 2]! : 0, b[Math.min(i + 1, b.length - 1)]!];
}

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

describe('real Prometheus scraping the plugin and the agent', () => {
  let agent: Agent;
  let client: StreamHouseClient;
  let exporter: Exporter;
  let prom: PrometheusServer;
  /** Unix seconds at which the synthetic run's data is all in Prometheus (before its gauges were retired). */
  let syntheticDoneAt: number | undefined;

  beforeAll(async () => {
    agent = await startAgent({ segmentMaxAgeMs: 100 });
    client = new StreamHouseClient(agent.grpcAddress);
    await client.waitForReady();
    exporter = await createExporter({ port: 0 });
    prom = await startPrometheus({
      targets: [
        { job: 'loadhouse', url: exporter.address.url },
        { job: 'agent', url: `${agent.httpAddress}/metrics` },
      ],
    });
  });
  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
    client?.close();
    await agent?.stop();
  });

  it('agrees with samples driven through the plugin’s listeners (throughput, P99, cache hit rate)', async () => {
    // Agent traffic for the cache: each second a new segment is written, then read twice (a miss, then a hit).
    const topic = 'prom-cache';
    await client.createTopic({ name: topic, partitionCount: 1 });
    let offset = 0;
    const traffic = async (): Promise<void> => {
      const records = Array.from({ length: 100 }, (_, i) => ({ value: Buffer.from(`r${offset + i}`.padEnd(200, '.')) }));
      const res = await client.produceBatch({ topic, partition: 0, records });
      const end = Number(res.lastOffset) + 1;
      await agent.flush();
      for (let pass = 0; pass < 2; pass++) {
        for (let at = offset, guard = 0; at < end && guard < 10; guard++)
          at += (await client.consume({ topic, partition: 0, offset: at, maxRecords: 1000 })).records.length;
      }
      offset = end;
    };
    await traffic(); // the agent's cache counters exist before Prometheus's first scrape of the run

    const plugin = prometheus({ exporter, httpAddress: agent.httpAddress });
    const fake = new PluginHarness({ workers: 2, connections: 2 });
    const teardown = (await plugin.setup(fake.ctx))!;
    const source = fake.sources[0]!;
    await fake.testBefore({ scenario: 'synthetic', topic: 't', httpAddress: agent.httpAddress });
    await fake.phaseStart('main');
    await prom.waitForScrape('loadhouse', Date.now()); // the zeroed series are seen before the first sample
    await prom.waitForScrape('agent', Date.now());

    const t0 = Date.now();
    for (let i = 1; i <= SECONDS; i++) {
      await traffic();
      await sleepUntil(t0 + i * 1000);
      fake.emitSample(makeSample({ elapsedSeconds: i, acked: RATE, p50Ms: 2, p99Ms: 8 }));
      await source.collect(); // as the engine does once per interval
    }
    const tEnd = Date.now();
    const run = await source.summarize!();
    const scrapedAt = Math.max(await prom.waitForScrape('loadhouse', tEnd), await prom.waitForScrape('agent', Date.now()));

    // Throughput over the steady part of the run (the window ends before the last sample).
    const evalAt = (tEnd - 500) / 1000;
    const [sent] = await prom.query(`sum(rate(streamhouse_producer_records_sent_total{scenario="synthetic"}[${WINDOW}s]))`, evalAt);
    const promRate = sent!.value;

    const [p99] = await prom.query(
      `histogram_quantile(0.99, sum by (le) (rate(streamhouse_producer_send_duration_seconds_bucket{scenario="synthetic"}[${WINDOW}s])))`,
      evalAt,
    );
    const promP99Ms = p99!.value * 1000;

    const range = Math.ceil((scrapedAt - t0) / 1000) + 2;
    const [hit] = await prom.query(
      `sum(rate(streamhouse_cache_hits_total[${range}s])) / (sum(rate(streamhouse_cache_hits_total[${range}s])) + sum(rate(streamhouse_cache_misses_total[${range}s])))`,
      scrapedAt / 1000,
    );
    const promHitRate = hit!.value * 100;

    const own = { rate: RATE, p99Ms: 8, hitRate: run['target.cacheHitRate']! };
    console.log(
      `[real-prometheus synthetic] throughput prometheus=${promRate.toFixed(1)} loadhouse=${own.rate}; ` +
        `p99 prometheus=${promP99Ms.toFixed(2)} ms loadhouse=${own.p99Ms} ms; ` +
        `cache hit rate prometheus=${promHitRate.toFixed(2)} % loadhouse=${own.hitRate.toFixed(2)} %`,
    );
    expect(Math.abs(promRate / own.rate - 1)).toBeLessThanOrEqual(0.25);
    const [lo, hi] = p99Bounds(own.p99Ms);
    expect(promP99Ms / 1000).toBeGreaterThanOrEqual(lo);
    expect(promP99Ms / 1000).toBeLessThanOrEqual(hi);
    expect(own.hitRate).toBeGreaterThan(0);
    expect(own.hitRate).toBeLessThan(100);
    expect(Math.abs(promHitRate - own.hitRate)).toBeLessThanOrEqual(5);
    syntheticDoneAt = scrapedAt / 1000;
    await teardown();
  });

  it('evaluates every dashboard query (valid PromQL, and data for the panels this run feeds)', async () => {
    const dash = await loadDashboard();
    const empty: string[] = [];
    // Each variable as its "All" sends it, so the queries run as a default dashboard runs them.
    const all = (name: string) =>
      (dash.templating.list.find((v) => v.name === name) as { allValue?: string } | undefined)?.allValue ?? '.*';
    for (const panel of dash.panels) {
      for (const { expr } of panel.targets ?? []) {
        const q = expr
          .replaceAll('$__rate_interval', '30s')
          .replaceAll('$scenario', all('scenario'))
          .replaceAll('$target_job', all('target_job'));
        const result = await prom.query(q, syntheticDoneAt); // throws on a PromQL error
        if (result.length === 0) empty.push(`${panel.title}: ${q}`);
      }
    }
    // Only S3 errors (none were injected) and the dropped/error counters (none happened) may be empty.
    const allowedEmpty = /errors|dropped/;
    expect(empty.filter((e) => !allowedEmpty.test(e))).toEqual([]);
  });

  it('agrees with a real short load test against the agent (2000 msgs/s for 9 s, consumed alongside)', async () => {
    const plugin = prometheus({ exporter }); // scrapes the agent and runs the pre-flight: the run's target has an httpAddress
    const test = createLoadTest({
      target: { address: agent.grpcAddress, httpAddress: agent.httpAddress },
      plugins: [plugin],
      topic: 'prom-real',
      resultsDir: false,
    });
    const emitted: Array<{ at: number; sample: Sample }> = [];
    test.on('sample', (sample) => emitted.push({ at: Date.now(), sample }));
    const scenario: Scenario = {
      name: 'prometheus-agreement',
      criteria: [],
      async run(c) {
        await c.phase('steady', async () => {
          const producers = await c.produce({ rate: RATE, partitions: 2, messageSize: 256, batchSize: 50 });
          // Two readers of the same partitions: segments the first one fetched are cache hits for the second.
          const first = await c.consume({ rate: 'max', startAt: 'earliest', group: 'first' });
          const second = await c.consume({ rate: 'max', startAt: 'earliest', group: 'second' });
          await c.waitFor(REAL_SECONDS);
          await producers.stop();
          await first.stop();
          await second.stop();
        });
      },
    };
    const t0 = Date.now();
    const result = await test.run(scenario);
    expect(result.state, result.endMessage).toBe('completed');
    expect(plugin.preflightReport()?.ready.status).toBe(200);
    const scrapedAt = await prom.waitForScrape('loadhouse', Date.now());

    // Throughput over the last WINDOW seconds before the final (partial) sample, against loadhouse's own samples
    // of the same window (the target's throughput varies on a loaded machine; both sides must see the same).
    const regular = emitted.filter((e) => e.sample.intervalSeconds > 0.9);
    const evalAtMs = regular.at(-1)!.at - 500;
    const inWindow = regular.filter((e) => e.at > evalAtMs - WINDOW * 1000 && e.at <= evalAtMs);
    const ownWindowRate =
      inWindow.reduce((a, e) => a + e.sample.producer.acked, 0) / inWindow.reduce((a, e) => a + e.sample.intervalSeconds, 0);
    // One interval more or fewer inside the scrape span: the largest interval's share, plus 5 % jitter.
    const largest = Math.max(...inWindow.map((e) => e.sample.producer.acked));
    const tolerance = largest / ((WINDOW - 1) * ownWindowRate) + 0.05;
    const [sent] = await prom.query(
      `sum(rate(streamhouse_producer_records_sent_total{scenario="prometheus-agreement"}[${WINDOW}s]))`,
      evalAtMs / 1000,
    );
    // P99 over the whole run: the same records loadhouse's result merges (scaling by extrapolation cancels in a quantile).
    const range = Math.ceil((scrapedAt - t0) / 1000) + 2;
    const [p99] = await prom.query(
      `histogram_quantile(0.99, sum by (le) (increase(streamhouse_producer_send_duration_seconds_bucket{scenario="prometheus-agreement"}[${range}s])))`,
      scrapedAt / 1000,
    );
    const [total] = await prom.query(
      `sum(max_over_time(streamhouse_producer_records_sent_total{scenario="prometheus-agreement"}[${range}s]))`,
      scrapedAt / 1000,
    );
    const [poll] = await prom.query(
      `histogram_quantile(0.99, sum by (le) (increase(streamhouse_consumer_poll_duration_seconds_bucket{scenario="prometheus-agreement"}[${range}s])))`,
      scrapedAt / 1000,
    );
    const promPollMs = poll!.value * 1000;
    // The agent's counters over this run only (the previous test's cache traffic ended before t0).
    const runRange = Math.floor((scrapedAt - t0) / 1000);
    const [hit] = await prom.query(
      `sum(increase(streamhouse_cache_hits_total[${runRange}s])) / (sum(increase(streamhouse_cache_hits_total[${runRange}s])) + sum(increase(streamhouse_cache_misses_total[${runRange}s])))`,
      scrapedAt / 1000,
    );
    const promHitRate = hit!.value * 100;
    const promRate = sent!.value;
    const promP99Ms = p99!.value * 1000;
    const own = {
      rate: ownWindowRate,
      runRate: result.producer.msgsPerSec,
      p99Ms: result.producer.latency.response.p99,
      acked: result.producer.acked,
    };
    console.log(
      `[real-prometheus engine] throughput (${WINDOW} s window, tolerance ${(tolerance * 100).toFixed(0)} %) prometheus=${promRate.toFixed(1)} ` +
        `loadhouse=${own.rate.toFixed(1)} (run mean ${own.runRate.toFixed(1)}); ` +
        `p99 prometheus=${promP99Ms.toFixed(2)} ms loadhouse=${own.p99Ms.toFixed(2)} ms; ` +
        `records prometheus=${total!.value} loadhouse=${own.acked}; consumed ${result.consumer.consumed}; ` +
        `cache hit rate prometheus=${promHitRate.toFixed(2)} % loadhouse=${result.metrics['target.cacheHitRate']?.toFixed(2)} %; ` +
        `poll p99 prometheus=${promPollMs.toFixed(2)} ms loadhouse=${result.consumer.latency.poll.p99.toFixed(2)} ms`,
    );
    expect(total!.value).toBe(own.acked); // the counter is exact: every acked record, once
    expect(Math.abs(promRate / own.rate - 1)).toBeLessThanOrEqual(tolerance);
    const [lo, hi] = p99Bounds(own.p99Ms);
    expect(promP99Ms / 1000).toBeGreaterThanOrEqual(lo);
    expect(promP99Ms / 1000).toBeLessThanOrEqual(hi);
    const [pollLo, pollHi] = p99Bounds(result.consumer.latency.poll.p99);
    expect(promPollMs / 1000).toBeGreaterThanOrEqual(pollLo);
    expect(promPollMs / 1000).toBeLessThanOrEqual(pollHi);
    expect(result.consumer.consumed).toBeGreaterThan(0);
    expect(result.metrics['target.cacheHitRate']).toBeGreaterThan(0);
    expect(Math.abs(promHitRate - result.metrics['target.cacheHitRate']!)).toBeLessThanOrEqual(5);
    expect(result.metrics['target.memoryBytes']).toBeGreaterThan(0);
    expect(result.metrics['target.s3.requestsPerSecond']).toBeGreaterThan(0);
  });
});
