import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Gauge } from 'prom-client';
import { isLoadhouseError } from '@loadhouse/core';
import { createExporter, prometheus, type Exporter } from './index.js';
import { parseMetricsText, selectSamples } from './parse.js';
import { makeSample, PluginHarness } from '@loadhouse/core/testing';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function scrape(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/plain; version=0.0.4/);
  const parsed = parseMetricsText(await res.text());
  expect(parsed.malformed).toBe(0);
  return parsed;
}

describe('prometheus() exposition', () => {
  it('serves per-interval samples under the plan names, with scenario/phase/topic labels', async () => {
    let announced: string | undefined;
    const plugin = prometheus({ port: 0, labels: { env: 'test' }, scrape: false, onListening: (a) => (announced = a.url) });
    const fake = new PluginHarness({ workers: 2, connections: 3 });
    const teardown = (await plugin.setup(fake.ctx))!;
    cleanups.push(teardown);
    const url = plugin.address()!.url;
    expect(announced).toBe(url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await fake.testBefore({ scenario: 'high-throughput', topic: 't1' });

    fake.emitSample(makeSample({ acked: 2000, p50Ms: 2, p99Ms: 8, lag: 50, errorsByCode: { UNAVAILABLE: 3 }, dropped: 4 }));
    fake.emitSample(makeSample({ acked: 1000, p50Ms: 2, p99Ms: 8, consumed: 500, lag: 70, saturated: true }));

    const m = await scrape(url);
    const labels = { scenario: 'high-throughput', phase: 'main', topic: 't1', env: 'test' };
    expect(selectSamples(m, 'streamhouse_producer_records_sent_total', labels)[0]!.value).toBe(3000);
    expect(selectSamples(m, 'streamhouse_producer_bytes_sent_total', labels)[0]!.value).toBe(3000 * 1024);
    expect(selectSamples(m, 'streamhouse_consumer_records_consumed_total', labels)[0]!.value).toBe(500);
    expect(selectSamples(m, 'streamhouse_producer_errors_total', { ...labels, code: 'UNAVAILABLE' })[0]!.value).toBe(3);
    expect(selectSamples(m, 'streamhouse_producer_records_dropped_total', labels)[0]!.value).toBe(4);
    expect(selectSamples(m, 'streamhouse_consumer_lag_records', labels)[0]!.value).toBe(70);
    expect(selectSamples(m, 'streamhouse_connection_pool_connections_total', labels)[0]!.value).toBe(6);
    expect(selectSamples(m, 'streamhouse_connection_pool_connections_healthy', labels)[0]!.value).toBe(6);
    expect(selectSamples(m, 'loadhouse_generator_saturated', labels)[0]!.value).toBe(1);
    expect(selectSamples(m, 'loadhouse_generator_saturated_intervals_total', labels)[0]!.value).toBe(1);
    expect(selectSamples(m, 'loadhouse_generator_event_loop_delay_seconds', { thread: 'workers_max' })[0]!.value).toBeCloseTo(0.012);

    // Histograms: count = records of both intervals; the +Inf bucket equals the count; buckets are cumulative.
    expect(m.families.get('streamhouse_producer_send_duration_seconds')!.type).toBe('histogram');
    expect(selectSamples(m, 'streamhouse_producer_send_duration_seconds_count', labels)[0]!.value).toBe(3000);
    const buckets = selectSamples(m, 'streamhouse_producer_send_duration_seconds_bucket', labels);
    expect(buckets.at(-1)!.labels['le']).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(3000);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.find((b) => b.labels['le'] === '0.0005')).toBeDefined();
    expect(buckets.find((b) => b.labels['le'] === '10')).toBeDefined();
    // 30 batches of 100 records.
    expect(selectSamples(m, 'streamhouse_producer_batch_size_records_count', labels)[0]!.value).toBe(30);
    expect(selectSamples(m, 'streamhouse_producer_batch_size_records_sum', labels)[0]!.value).toBe(3000);
    expect(selectSamples(m, 'streamhouse_consumer_poll_duration_seconds_count', labels)[0]!.value).toBe(10);
    expect(selectSamples(m, 'streamhouse_consumer_end_to_end_latency_seconds_count', labels)[0]!.value).toBe(500);
  });

  it('retires gauge series of a finished phase and counts phases apart', async () => {
    const plugin = prometheus({ port: 0, scrape: false });
    const fake = new PluginHarness();
    cleanups.push((await plugin.setup(fake.ctx))!);
    await fake.testBefore({ scenario: 'consumer-lag', topic: 't' });
    await fake.phaseStart('build-lag');
    fake.emitSample(makeSample({ phase: 'build-lag', lag: 1000 }));
    await fake.phaseStart('recover');
    fake.emitSample(makeSample({ phase: 'recover', lag: 10 }));
    const m = await scrape(plugin.address()!.url);
    expect(selectSamples(m, 'streamhouse_consumer_lag_records').map((s) => [s.labels['phase'], s.value])).toEqual([['recover', 10]]);
    // `main` (the engine's phase outside any phase) was created at zero in test:before and removed at the first phase.
    expect(selectSamples(m, 'streamhouse_producer_records_sent_total').map((s) => s.labels['phase'])).toEqual(['build-lag', 'recover']);
    expect(selectSamples(m, 'streamhouse_producer_send_duration_seconds_count').map((s) => s.labels['phase'])).toEqual([
      'build-lag',
      'recover',
    ]);
  });

  it('creates a phase’s counter and histogram series at zero before its first sample', async () => {
    const plugin = prometheus({ port: 0, scrape: false });
    const fake = new PluginHarness();
    cleanups.push((await plugin.setup(fake.ctx))!);
    await fake.testBefore({ scenario: 's', topic: 't' });
    let m = await scrape(plugin.address()!.url);
    expect(selectSamples(m, 'streamhouse_producer_records_sent_total').map((s) => [s.labels['phase'], s.value])).toEqual([['main', 0]]);
    expect(selectSamples(m, 'streamhouse_producer_send_duration_seconds_count', { phase: 'main' })[0]!.value).toBe(0);
    fake.emitSample(makeSample({ phase: 'main', acked: 7 }));
    await fake.phaseStart('later'); // `main` had samples: it stays
    m = await scrape(plugin.address()!.url);
    expect(selectSamples(m, 'streamhouse_producer_records_sent_total').map((s) => [s.labels['phase'], s.value])).toEqual([
      ['main', 7],
      ['later', 0],
    ]);
  });

  it('renames client-side metrics with prefix', async () => {
    const plugin = prometheus({ port: 0, prefix: 'loadhouse_', scrape: false });
    const fake = new PluginHarness();
    cleanups.push((await plugin.setup(fake.ctx))!);
    await fake.testBefore();
    fake.emitSample(makeSample({ acked: 10 }));
    const m = await scrape(plugin.address()!.url);
    expect(selectSamples(m, 'loadhouse_producer_records_sent_total')[0]!.value).toBe(10);
    expect(selectSamples(m, 'streamhouse_producer_records_sent_total')).toHaveLength(0);
    expect(selectSamples(m, 'loadhouse_producer_send_duration_seconds_count')[0]!.value).toBe(10);
  });

  it('uses encoded interval histograms when the sample carries them', async () => {
    const { default: hdr } = await import('hdr-histogram-js');
    const h = hdr.build({ useWebAssembly: false });
    h.recordValueWithCount(3_000, 99); // 3 ms
    h.recordValueWithCount(900_000, 1); // 900 ms
    const plugin = prometheus({ port: 0, scrape: false });
    const fake = new PluginHarness();
    cleanups.push((await plugin.setup(fake.ctx))!);
    await fake.testBefore();
    fake.emitSample({ ...makeSample({ acked: 100 }), histograms: { 'producer.response': hdr.encodeIntoCompressedBase64(h) } } as never);
    const m = await scrape(plugin.address()!.url);
    const b = (le: string) => selectSamples(m, 'streamhouse_producer_send_duration_seconds_bucket', { le })[0]!.value;
    expect(b('0.003')).toBe(99);
    expect(b('0.75')).toBe(99);
    expect(b('1')).toBe(100);
  });

  it('shares one endpoint across runs and closes open connections on close()', async () => {
    const exporter: Exporter = await createExporter({ port: 0 });
    for (const scenario of ['a', 'b']) {
      const fake = new PluginHarness();
      const teardown = (await prometheus({ exporter, scrape: false }).setup(fake.ctx))!;
      await fake.testBefore({ scenario });
      fake.emitSample(makeSample({ acked: 5, lag: 9 }));
      await teardown();
      expect(fake.listenerCount('sample')).toBe(0);
    }
    // Teardown of a shared exporter keeps it open but retires the runs' gauges.
    const m = await scrape(exporter.address.url);
    expect(selectSamples(m, 'streamhouse_producer_records_sent_total').map((s) => s.labels['scenario'])).toEqual(['a', 'b']);
    expect(selectSamples(m, 'streamhouse_consumer_lag_records')).toHaveLength(0);

    // A client with a connection open (a scraper mid-request, or keep-alive) must not hold close() open:
    // server.close() alone waits for such a connection (up to the 60 s headers timeout).
    const socket = net.connect(exporter.address.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /metrics HTTP/1.1\r\nHost: prometheus\r\n'); // headers not finished: the connection is busy
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = await Promise.race([exporter.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
    socket.destroy();
    expect(closed).toBe('closed');
  });

  it('createExporter works standalone with a script’s own metric; a taken port is a coded error', async () => {
    const exporter = await createExporter({ port: 0 });
    cleanups.push(() => exporter.close());
    new Gauge({ name: 'my_script_value', help: 'x', registers: [exporter.registry] }).set(42);
    const m = await scrape(exporter.address.url);
    expect(selectSamples(m, 'my_script_value')[0]!.value).toBe(42);
    expect((await fetch(exporter.address.url.replace('/metrics', '/other'))).status).toBe(404);
    const clash = await createExporter({ port: exporter.address.port }).catch((e: unknown) => e);
    expect(isLoadhouseError(clash, 'LH_INVALID_OPTION')).toBe(true);
    expect(String((clash as Error).message)).toMatch(/EADDRINUSE/);
  });

  it('validates options when the plugin is created', () => {
    const bad = [
      { port: -1 },
      { port: 1.5 },
      { prefix: '1x' },
      { labels: { phase: 'x' } },
      { labels: { 'bad-name': 'x' } },
      { scrape: 'ftp://x' },
      { readyTimeoutMs: -1 },
    ];
    for (const options of bad) {
      let err: unknown;
      try {
        prometheus(options as never);
      } catch (e) {
        err = e;
      }
      expect(isLoadhouseError(err, 'LH_INVALID_OPTION'), JSON.stringify(options)).toBe(true);
    }
    expect(prometheus().name).toBe('prometheus');
    expect(prometheus().apiVersion).toBe(1);
  });
});

describe('prometheus() scraping and pre-flight', () => {
  it('runs the pre-flight in test:before and contributes target.* values from the target’s HTTP address', async () => {
    const { startAgent } = await import('@loadhouse/agent');
    const agent = await startAgent();
    cleanups.push(() => agent.stop());
    const plugin = prometheus({ expose: false });
    const fake = new PluginHarness();
    cleanups.push((await plugin.setup(fake.ctx))!);
    expect(plugin.address()).toBeUndefined();
    expect(fake.sources.map((s) => s.name)).toEqual(['prometheus.target']);
    await fake.testBefore({ httpAddress: agent.httpAddress });
    expect(plugin.preflightReport()?.ready.status).toBe(200);
    const values = await fake.sources[0]!.collect();
    expect(values['target.memoryBytes']).toBeGreaterThan(0);
    expect(values['target.s3.requestsPerSecond']).toBeGreaterThanOrEqual(0);
    const run = await fake.sources[0]!.summarize!();
    expect(run['target.memoryBytesMax']).toBeGreaterThan(0);
  });

  it('a failing pre-flight fails test:before with LH_HEALTH_CHECK_FAILED', async () => {
    const plugin = prometheus({ expose: false, httpAddress: 'http://127.0.0.1:1', readyTimeoutMs: 0 });
    const fake = new PluginHarness();
    cleanups.push((await plugin.setup(fake.ctx))!);
    const err = await fake.testBefore().catch((e: unknown) => e);
    expect(isLoadhouseError(err, 'LH_HEALTH_CHECK_FAILED')).toBe(true);
    expect((err as Error).message).toContain('http://127.0.0.1:1/health');
  });

  it('without a known HTTP address the metric source stays empty and nothing is checked', async () => {
    const plugin = prometheus({ expose: false });
    const fake = new PluginHarness();
    cleanups.push((await plugin.setup(fake.ctx))!);
    await fake.testBefore();
    expect(plugin.preflightReport()).toBeUndefined();
    expect(await fake.sources[0]!.collect()).toEqual({});
  });
});
