import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './client.js';
import { LatencyRecorder } from './latency.js';
import { PROBE_PREFIX, resolveOptions, type S3ProbeOptions } from './options.js';
import { s3Probe } from './plugin.js';
import { ActiveProbe } from './probe.js';
import { RequestTally } from './tally.js';
import { closedPort, faultProxyForTests, S3RVER_KEY_ID, s3rverForTests, until } from './test-support.js';
import { PluginHarness, testInfo } from '@loadhouse/core/testing';

const BUCKET = 'streamhouse-data';
const credentials = { accessKeyId: S3RVER_KEY_ID, secretAccessKey: 'probe-test-secret' };

const s3 = s3rverForTests([BUCKET]);
const proxy = faultProxyForTests(s3);

function options(extra: Partial<S3ProbeOptions> = {}): S3ProbeOptions {
  return { endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, credentials, ...extra };
}

async function probeKeys(): Promise<string[]> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
  });
  try {
    const res = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PROBE_PREFIX }));
    return (res.Contents ?? []).map((o) => o.Key ?? '');
  } finally {
    client.destroy();
  }
}

/** An ActiveProbe over the proxy, driven one cycle at a time. */
function directProbe(extra: Partial<S3ProbeOptions> = {}) {
  const resolved = resolveOptions(options({ endpoint: proxy.endpoint, ...extra }));
  const client = createS3Client(resolved);
  const latency = new LatencyRecorder();
  const tally = new RequestTally();
  const stop = new AbortController();
  const probe = new ActiveProbe(client, resolved, latency, tally, stop.signal);
  return { probe, latency, tally, close: () => client.destroy() };
}

describe('active probe against s3rver', () => {
  it('runs PUT, GET, HEAD, DELETE each interval, verifies the bytes, records latency and leaves no object', async () => {
    const plugin = s3Probe(options({ intervalSeconds: 0.2, objectSize: 64 * 1024, listEverySeconds: 0 }));
    const host = new PluginHarness();
    await host.setup(plugin);
    await host.fire('test:before', testInfo());
    expect(await until(() => plugin.report().probe.cycles >= 4, 20_000)).toBe(true);
    const sample = await host.collect();
    const summary = await host.finish();

    const report = plugin.report();
    const { cycles } = report.probe;
    expect(report.probe.errors).toEqual({ throttle: 0, server: 0, client: 0, timeout: 0, network: 0, corrupt: 0 });
    // A cycle cut short by the end of the run is not counted as a cycle; its finished requests are.
    expect(report.probe.ops - cycles * 4).toBeGreaterThanOrEqual(0);
    expect(report.probe.ops - cycles * 4).toBeLessThan(4);
    for (const op of ['put', 'get', 'head', 'delete'] as const) {
      expect(report.probe.latency[op].count - cycles).toBeGreaterThanOrEqual(0);
      expect(report.probe.latency[op].count - cycles).toBeLessThanOrEqual(1);
      expect(report.probe.latency[op].p99).toBeGreaterThan(0);
      expect(report.probe.latency[op].p99).toBeLessThan(report.config.timeoutMs);
      expect(sample[`s3.${op}.p99`]).toBeGreaterThan(0);
      expect(summary[`s3.${op}.p99`]).toBe(report.probe.latency[op].p99);
    }
    expect(summary['s3.errorRate']).toBe(0);
    expect(summary['s3.throttles']).toBe(0);
    expect(summary['s3.probe.cycles']).toBe(cycles);
    expect(report.probe.histograms.put.length).toBeGreaterThan(10);
    expect(await probeKeys()).toEqual([]);
    // Measured figures for the report (not asserted: timing belongs in benchmarks).
    console.log(
      's3rver probe latency (ms, 64 KiB):',
      JSON.stringify(
        Object.fromEntries(
          (['put', 'get', 'head', 'delete'] as const).map((op) => {
            const l = report.probe.latency[op];
            return [op, { p50: +l.p50.toFixed(2), p99: +l.p99.toFixed(2), n: l.count }];
          }),
        ),
      ),
    );
  });

  it('counts a GET whose bytes differ as a corrupt error', async () => {
    const { probe, tally, latency, close } = directProbe();
    proxy.decide = ({ method, path }) => (method === 'GET' && path.includes(PROBE_PREFIX) ? 'corrupt' : 'pass');
    try {
      const cycle = await probe.cycle();
      expect(cycle?.ok).toBe(false);
      const get = cycle?.steps.find((s) => s.op === 'get');
      expect(get?.error?.kind).toBe('corrupt');
      expect(tally.errors.corrupt).toBe(1);
      expect(tally.probeErrors).toBe(1);
      // HEAD and DELETE still ran, so the object did not stay behind.
      expect(cycle?.steps.map((s) => s.op)).toEqual(['put', 'get', 'head', 'delete']);
      expect(latency.summary('get').count).toBe(1);
    } finally {
      proxy.decide = () => 'pass';
      close();
    }
  });

  it('classifies 503 SlowDown and 429 as throttles, other 5xx as server, 4xx as client errors', async () => {
    const { probe, tally, close } = directProbe();
    let cycle = 0;
    proxy.decide = ({ method, path }) => {
      if (!path.includes(PROBE_PREFIX)) return 'pass';
      if (cycle === 0 && method === 'PUT') return { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
      if (cycle === 1 && method === 'GET') return { status: 429, code: 'TooManyRequests' };
      if (cycle === 1 && method === 'HEAD') return { status: 503, code: 'SlowDown' }; // a HEAD answer has no body
      if (cycle === 1 && method === 'DELETE') return { status: 500, code: 'InternalError' };
      if (cycle === 2 && method === 'GET') return { status: 403, code: 'AccessDenied' };
      if (cycle === 2 && method === 'HEAD') return { status: 503, code: 'ServiceUnavailable' };
      return 'pass';
    };
    try {
      const c0 = await probe.cycle();
      expect(c0?.steps.map((s) => [s.op, s.error?.kind ?? 'ok'])).toEqual([
        ['put', 'throttle'],
        ['delete', 'ok'],
      ]);
      expect(c0?.steps[0]?.error).toMatchObject({ status: 503, code: 'SlowDown' });
      cycle = 1;
      const c1 = await probe.cycle();
      expect(c1?.steps.map((s) => [s.op, s.error?.kind ?? 'ok'])).toEqual([
        ['put', 'ok'],
        ['get', 'throttle'],
        ['head', 'throttle'],
        ['delete', 'server'],
      ]);
      cycle = 2;
      const c2 = await probe.cycle();
      expect(c2?.steps.map((s) => [s.op, s.error?.kind ?? 'ok'])).toEqual([
        ['put', 'ok'],
        ['get', 'client'],
        ['head', 'throttle'],
        ['delete', 'ok'],
      ]);
      expect(tally.errors).toMatchObject({ throttle: 4, server: 1, client: 1 });
      expect(tally.probeOps).toBe(10);
      expect(tally.errorRatePercent()).toBeCloseTo(60, 5);
      // The DELETE that failed in cycle 1 left an object; cleanup removes it.
      proxy.decide = () => 'pass';
      expect(probe.leftovers.size).toBe(1);
      await probe.cleanup();
      expect(probe.leftovers.size).toBe(0);
    } finally {
      proxy.decide = () => 'pass';
      close();
    }
  });

  it('classifies a request past timeoutMs as a timeout and a refused connection as a network error', async () => {
    // Generous: PUT and GET must finish within it on a busy machine, only the hung HEAD must not.
    const { probe, tally, close } = directProbe({ timeoutMs: 1500 });
    proxy.decide = ({ method, path }) => (method === 'HEAD' && path.includes(PROBE_PREFIX) ? { hangMs: 10_000 } : 'pass');
    try {
      const cycle = await probe.cycle();
      expect(cycle?.steps.map((s) => [s.op, s.error?.kind ?? 'ok'])).toEqual([
        ['put', 'ok'],
        ['get', 'ok'],
        ['head', 'timeout'],
        ['delete', 'ok'],
      ]);
      expect(cycle!.steps[2]!.ms).toBeGreaterThanOrEqual(1400);
      expect(tally.errors.timeout).toBe(1);
    } finally {
      proxy.decide = () => 'pass';
      close();
    }

    const port = await closedPort();
    const resolved = resolveOptions(options({ endpoint: `http://127.0.0.1:${port}` }));
    const client = createS3Client(resolved);
    const t2 = new RequestTally();
    try {
      const cycle = await new ActiveProbe(client, resolved, new LatencyRecorder(), t2, new AbortController().signal).cycle();
      expect(cycle?.steps[0]).toMatchObject({ op: 'put', error: { kind: 'network', code: 'ECONNREFUSED' } });
      expect(t2.errors.network).toBeGreaterThanOrEqual(1);
    } finally {
      client.destroy();
    }
  });

  it('reports throttling through the metric source while the plugin runs', async () => {
    proxy.decide = ({ method, path }) =>
      method === 'PUT' && path.includes(PROBE_PREFIX) && !path.includes('preflight-') ? { status: 503, code: 'SlowDown' } : 'pass';
    const plugin = s3Probe(options({ endpoint: proxy.endpoint, intervalSeconds: 0.2, listEverySeconds: 0 }));
    const host = new PluginHarness();
    try {
      await host.setup(plugin);
      await host.fire('test:before', testInfo());
      expect(await until(() => plugin.report().probe.cycles >= 2, 20_000)).toBe(true);
      const m = await host.collect();
      expect(m['s3.throttles']).toBeGreaterThanOrEqual(2);
      expect(m['s3.errorRate']).toBeGreaterThan(0);
      expect(m['s3.put.p99']).toBeUndefined();
      const final = await host.finish();
      // Each cycle: PUT throttled, DELETE (cleanup) succeeds; a cycle cut short shifts the rate a little.
      expect(final['s3.errors.throttle']).toBe(final['s3.throttles']);
      expect(final['s3.errors']).toBe(final['s3.throttles']);
      expect(final['s3.errorRate']).toBeGreaterThan(30);
      expect(final['s3.errorRate']).toBeLessThan(70);
      expect(host.logs.some((l) => l.level === 'warn' && /throttl/i.test(l.message))).toBe(true);
      // Warned once, not once per cycle.
      expect(host.logs.filter((l) => l.level === 'warn' && /PUT probe failed/.test(l.message))).toHaveLength(1);
    } finally {
      await host.end();
      proxy.decide = () => 'pass';
    }
  });

  it('stops its timers and requests when the run ends', async () => {
    const plugin = s3Probe(options({ intervalSeconds: 0.1, listEverySeconds: 0.1 }));
    const host = new PluginHarness();
    await host.setup(plugin);
    await host.fire('test:before', testInfo());
    await until(() => plugin.report().probe.cycles >= 1);
    await host.end();
    const after = plugin.report().probe.ops;
    await new Promise((r) => setTimeout(r, 400));
    expect(plugin.report().probe.ops).toBe(after);
  });
});
