import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import { TargetScraper, TARGET_METRICS as T } from './target-scraper.js';
import { agentForTests, clientForTests } from '../../core/src/test-support.js';
import { metricsEndpoint } from './test-support/metrics-endpoint.js';

/** A fake StreamHouse /metrics whose registry the test swaps (a new registry = a restarted target). */
function fakeTarget(contentType: RegistryContentType) {
  const make = () => {
    const registry = new Registry<RegistryContentType>();
    registry.setContentType(contentType);
    const registers = [registry];
    return {
      registry,
      hits: new Counter({ name: 'streamhouse_cache_hits_total', help: 'h', labelNames: ['org_id'], registers }),
      misses: new Counter({ name: 'streamhouse_cache_misses_total', help: 'm', labelNames: ['org_id'], registers }),
      s3: new Counter({ name: 'streamhouse_s3_requests_total', help: 'r', labelNames: ['org_id', 'operation'], registers }),
      s3Errors: new Counter({
        name: 'streamhouse_s3_errors_total',
        help: 'e',
        labelNames: ['org_id', 'operation', 'error_type'],
        registers,
      }),
      // The plan's spellings: streamhouse_s3_latency (no unit suffix), streamhouse_segments_created_total.
      latency: new Histogram({
        name: 'streamhouse_s3_latency',
        help: 'l',
        labelNames: ['org_id', 'operation'],
        buckets: [0.01, 0.05, 0.1, 0.5],
        registers,
      }),
      segments: new Counter({ name: 'streamhouse_segments_created_total', help: 's', registers }),
      rss: new Gauge({ name: 'process_resident_memory_bytes', help: 'rss', registers }),
    };
  };
  const state = { m: make() };
  const server: Server = createServer((_req, res) => {
    state.m.registry.metrics().then((body) => res.writeHead(200, { 'content-type': state.m.registry.contentType }).end(body));
  });
  return {
    state,
    restart: () => (state.m = make()),
    ...metricsEndpoint(server),
  };
}

for (const contentType of [Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE]) {
  describe(`TargetScraper over ${contentType.split(';')[0]}`, () => {
    const target = fakeTarget(contentType);
    let url: string;
    let clock = 0;
    beforeAll(async () => (url = await target.listen()));
    afterAll(() => target.close());

    it('turns counter and bucket deltas into interval values and run-level values; survives a restart', async () => {
      const scraper = new TargetScraper({ url, now: () => clock });
      let m = target.state.m;
      m.hits.inc({ org_id: 'a' }, 1000); // before the baseline: never counted
      m.rss.set(5e8);
      await scraper.baseline();

      // Interval 1 (2 s): 90 hits / 10 misses over two orgs; 40 S3 requests, 2 throttles; PUT latencies.
      m.hits.inc({ org_id: 'a' }, 60);
      m.hits.inc({ org_id: 'b' }, 30); // a series new since the baseline counts from zero
      m.misses.inc({ org_id: 'a' }, 10);
      m.s3.inc({ org_id: 'a', operation: 'PUT' }, 40);
      m.s3Errors.inc({ org_id: 'a', operation: 'PUT', error_type: 'throttle' }, 2);
      m.s3Errors.inc({ org_id: 'a', operation: 'PUT', error_type: 'other' }, 1);
      for (let i = 0; i < 99; i++) m.latency.observe({ org_id: 'a', operation: 'PUT' }, 0.02);
      m.latency.observe({ org_id: 'a', operation: 'PUT' }, 0.3);
      m.latency.observe({ org_id: 'a', operation: 'GET' }, 0.005);
      m.segments.inc(6);
      m.rss.set(6e8);
      clock += 2000;
      const v1 = await scraper.collect();
      expect(v1[T.cacheHitRate]).toBeCloseTo(90);
      expect(v1[T.s3RequestsPerSecond]).toBeCloseTo(20);
      expect(v1[T.s3Errors]).toBe(3);
      expect(v1[T.s3Throttles]).toBe(2);
      expect(v1[T.segmentsFlushedPerSecond]).toBeCloseTo(3);
      expect(v1[T.memoryBytes]).toBe(6e8);
      // rank 99 of 100 is the last observation in (0.01, 0.05]: 10 ms + 40 ms x 99/99 = 50 ms.
      expect(v1[T.s3PutLatencyP99]).toBeCloseTo(50, 6);
      expect(v1[T.s3GetLatencyP99]).toBeCloseTo(9.9, 6);

      // Interval 2: nothing read from the cache -> no hit rate for the interval.
      m.s3.inc({ org_id: 'a', operation: 'PUT' }, 10);
      clock += 1000;
      const v2 = await scraper.collect();
      expect(v2[T.cacheHitRate]).toBeUndefined();
      expect(v2[T.s3RequestsPerSecond]).toBeCloseTo(10);
      expect(v2[T.s3PutLatencyP99]).toBeUndefined();

      // Interval 3: the target restarted; its counters start again below the previous values.
      m = target.restart();
      m.hits.inc({ org_id: 'a' }, 5);
      m.misses.inc({ org_id: 'a' }, 5);
      m.s3.inc({ org_id: 'a', operation: 'PUT' }, 4);
      m.latency.observe({ org_id: 'a', operation: 'PUT' }, 0.4);
      m.rss.set(2e8);
      clock += 1000;
      const v3 = await scraper.collect();
      expect(v3[T.cacheHitRate]).toBeCloseTo(50);
      expect(v3[T.s3RequestsPerSecond]).toBeCloseTo(4);
      expect(v3[T.s3PutLatencyP99]).toBeGreaterThan(100);
      expect(v1[T.restarts]).toBe(0);
      expect(v3[T.restarts]).toBe(1);

      clock += 1000; // summarize() scrapes once more: an empty interval
      const run = await scraper.summarize();
      expect(run[T.cacheHitRate]).toBeCloseTo((100 * 95) / 110);
      expect(run[T.s3RequestsPerSecond]).toBeCloseTo(54 / 5);
      expect(run[T.s3Throttles]).toBe(2);
      expect(run[T.memoryBytes]).toBe(2e8);
      expect(run[T.memoryBytesMax]).toBe(6e8);
      expect(run[T.s3PutLatencyP99]).toBeGreaterThan(50);
      expect(run[T.restarts]).toBe(1);
      expect(scraper.stats.failures).toBe(0);
      expect(scraper.stats.malformedLines).toBe(0);
    });
  });
}

describe('TargetScraper failure handling', () => {
  it('a failed scrape yields no values and keeps the previous snapshot; malformed lines are counted', async () => {
    let mode: 'ok' | 'down' | 'junk' = 'ok';
    let hits = 0;
    let clock = 0;
    const fetchImpl = async (): Promise<Response> => {
      if (mode === 'down')
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      const junk = mode === 'junk' ? 'this is { not a metric\n' : '';
      return new Response(`${junk}streamhouse_cache_hits_total ${hits}\nstreamhouse_cache_misses_total 0\n`, { status: 200 });
    };
    const scraper = new TargetScraper({ url: 'http://x/metrics', fetchImpl, now: () => clock });
    await scraper.baseline();
    hits = 10;
    mode = 'down';
    clock += 1000;
    expect(await scraper.collect()).toEqual({});
    expect(scraper.stats.failures).toBe(1);
    expect(scraper.stats.lastError).toMatch(/fetch failed/);
    mode = 'junk';
    clock += 1000;
    expect(await scraper.collect()).toEqual({ [T.cacheHitRate]: 100, [T.restarts]: 0 });
    expect(scraper.stats.malformedLines).toBe(1);
  });
});

describe('TargetScraper against the reference agent', () => {
  const agent = agentForTests({ segmentMaxAgeMs: 50 });
  const client = clientForTests(agent);

  it('reads storage writes, segment flushes, cache reads and memory from the agent', async () => {
    const scraper = new TargetScraper({ url: `${agent.httpAddress}/metrics` });
    await scraper.baseline();
    await client.createTopic({ name: 'scrape', partitionCount: 1 });
    const records = Array.from({ length: 50 }, (_, i) => ({ value: Buffer.from(`v${i}`.padEnd(100, 'x')) }));
    for (let i = 0; i < 4; i++) await client.produceBatch({ topic: 'scrape', partition: 0, records });
    await agent.flush();
    // Read the stored segments twice: the first read misses the segment cache, the second hits it.
    for (let pass = 0; pass < 2; pass++) {
      let offset = 0;
      for (let guard = 0; guard < 20 && offset < 200; guard++) {
        const res = await client.consume({ topic: 'scrape', partition: 0, offset, maxRecords: 500 });
        offset += res.records.length;
      }
      expect(offset).toBe(200);
    }
    const v = await scraper.collect();
    expect(scraper.stats.failures).toBe(0);
    expect(scraper.stats.malformedLines).toBe(0);
    expect(v[T.memoryBytes]).toBeGreaterThan(1e6);
    expect(v[T.s3RequestsPerSecond]).toBeGreaterThan(0);
    expect(v[T.segmentsFlushedPerSecond]).toBeGreaterThan(0);
    expect(v[T.s3PutLatencyP99]).toBeGreaterThan(0);
    expect(v[T.s3Errors]).toBe(0);
    expect(v[T.cacheHitRate]).toBeGreaterThan(0);
    expect(v[T.cacheHitRate]).toBeLessThan(100);
  });
});
