// Trust in what the target's /metrics says: a scrape that breaks mid-run (HTTP 500, an unparseable value, a body
// too large to read) must never let a criterion pass on the data from before the break, and is counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createLoadTest, evaluateCriteria, type LoadTestResult, type Scenario } from '@loadhouse/core';
import { startAgent, type Agent } from '@loadhouse/agent';
import { parseMetricsText, prometheus, selectSamples } from './index.js';
import { makeSample, PluginHarness } from '@loadhouse/core/testing';
import { SCRAPE_MAX_BYTES, TargetScraper, TARGET_METRICS as T } from './target-scraper.js';
import { metricsEndpoint } from './test-support/metrics-endpoint.js';

type Mode = 'ok' | 'http500' | 'garbage' | 'huge' | 'hugeStreamed';

const GOOD = '# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 136376320\n';
// Valid exposition lines, only more of them than a scrape reads.
const HUGE = Buffer.from(`${GOOD}${'filler_metric{i="0123456789"} 1\n'.repeat(Math.ceil((SCRAPE_MAX_BYTES * 1.5) / 32))}`);

/** A target /metrics endpoint whose answer the test switches mid-run. */
function breakingTarget() {
  const state = { mode: 'ok' as Mode, requests: 0 };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    switch (state.mode) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(GOOD);
        return;
      case 'http500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics registry poisoned\n');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('process_resident_memory_bytes -1e309\n');
        return;
      case 'huge':
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(HUGE);
        return;
      case 'hugeStreamed': // no content-length: the size shows only while reading
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        for (let i = 0; i < 16; i++) res.write(HUGE.subarray(0, 64 * 1024));
        res.end();
        return;
    }
  });
  return {
    state,
    ...metricsEndpoint(server),
  };
}

const MEMORY_CRITERION = {
  metric: 'target.memoryBytes',
  op: '<' as const,
  value: 2 * 1024 ** 3,
  unit: 'bytes',
  label: 'Target memory < 2 GiB',
};

describe('a target /metrics that breaks mid-run', () => {
  let agent: Agent;
  const target = breakingTarget();
  let url: string;
  beforeAll(async () => {
    agent = await startAgent({});
    url = await target.listen();
  });
  afterAll(async () => {
    await target.close();
    await agent.stop();
  });

  /** A short real run whose /metrics switches to `mode` after the first sample. */
  async function runBreakingAt(mode: Mode): Promise<LoadTestResult> {
    target.state.mode = 'ok';
    const test = createLoadTest({
      target: { address: agent.grpcAddress },
      // A generous timeout: on a busy machine a slow scrape would fail for another reason than the one under test.
      plugins: [prometheus({ expose: false, preflight: false, scrape: url, scrapeTimeoutMs: 15_000 })],
      topic: `trust-scrape-${mode}`,
      resultsDir: false,
    });
    let samples = 0;
    test.on('sample', () => {
      if (++samples === 1) target.state.mode = mode;
    });
    const scenario: Scenario = {
      name: `scrape-${mode}`,
      criteria: [MEMORY_CRITERION],
      async run(c) {
        const producers = await c.produce({ rate: 300, partitions: 1, messageSize: 128 });
        await c.waitFor(3);
        await producers.stop();
      },
    };
    const result = await test.run(scenario);
    expect(result.state, result.endMessage).toBe('completed');
    expect(samples).toBeGreaterThanOrEqual(2);
    return result;
  }

  it('a healthy endpoint measures the memory and the criterion passes (the control)', async () => {
    const result = await runBreakingAt('ok');
    expect(result.metrics[T.memoryBytes]).toBe(136376320);
    expect(result.metrics[T.scrapeFailures]).toBe(0);
    expect(result.metrics[T.scrapes]).toBeGreaterThanOrEqual(3);
    expect(result.metricNotes?.[T.memoryBytes]).toBeUndefined();
    expect(result.criteria[0]).toMatchObject({ passed: true, measured: 136376320 });
  }, 30_000);

  for (const [mode, says] of [
    ['http500', /answered 500/],
    ['garbage', /-Inf|not a finite/],
    ['huge', new RegExp(`larger than ${SCRAPE_MAX_BYTES}|larger than ${SCRAPE_MAX_BYTES / 1024 ** 2} MiB`)],
  ] as const) {
    it(`${mode}: the memory criterion does not pass on the value from before the break; failures are counted`, async () => {
      const result = await runBreakingAt(mode);
      const failures = result.metrics[T.scrapeFailures]!;
      expect(failures).toBeGreaterThanOrEqual(1);
      expect(result.metrics[T.scrapes]!).toBeGreaterThan(failures);
      const note = result.metricNotes?.[T.memoryBytes];
      expect(note).toMatch(says);
      const [memory] = result.criteria;
      expect(memory!.passed).toBe(false);
      expect(memory!.note).toMatch(/scrape/);
      expect(memory!.note).toMatch(says);
      // Never the hint to pass --http-target: the endpoint was given, it broke.
      expect(memory!.note).not.toMatch(/--http-target/);
    }, 30_000);
  }
});

describe('TargetScraper failure accounting', () => {
  const target = breakingTarget();
  let url: string;
  beforeAll(async () => (url = await target.listen()));
  afterAll(() => target.close());

  it('a failure in the middle leaves the counters whole but marks the gauges as missing intervals', async () => {
    let clock = 0;
    const scraper = new TargetScraper({ url, now: () => (clock += 1000) });
    target.state.mode = 'ok';
    await scraper.baseline();
    await scraper.collect();
    target.state.mode = 'http500';
    expect(await scraper.collect()).toEqual({});
    target.state.mode = 'ok';
    await scraper.collect();
    const summary = await scraper.summarize();
    expect(summary[T.scrapes]).toBe(5);
    expect(summary[T.scrapeFailures]).toBe(1);
    expect(summary[T.memoryBytes]).toBe(136376320);
    const notes = scraper.notes();
    expect(notes[T.memoryBytes]).toMatch(/1 of 5 scrapes .* failed/);
    // The final scrape worked: the last value is current, only the peak may have been missed.
    expect(Object.keys(notes).sort()).toEqual([T.memoryBytes, T.memoryBytesMax, T.cacheSizeBytes].sort());
  });

  it('a body that grows past the limit while streaming is not read to its end', async () => {
    const scraper = new TargetScraper({ url, maxBytes: 256 * 1024 });
    target.state.mode = 'hugeStreamed';
    expect(await scraper.collect()).toEqual({});
    expect(scraper.stats.lastError).toMatch(/larger than 262144 bytes \(0\.25 MiB\), the scrape limit/);
    target.state.mode = 'ok';
    expect((await scraper.collect())[T.memoryBytes]).toBe(136376320);
  });

  it('an unreadable memory value is not read as 0', async () => {
    const scraper = new TargetScraper({ url });
    target.state.mode = 'garbage';
    const values = await scraper.collect();
    expect(values[T.memoryBytes]).toBeUndefined();
    expect(scraper.stats.failures).toBe(1);
    expect(scraper.stats.lastError).toMatch(/process_resident_memory_bytes/);
  });

  it('notes reach the criterion: a measured value with a note fails, and says why', () => {
    const result = { metrics: { [T.memoryBytes]: 1e8 }, metricNotes: { [T.memoryBytes]: '2 of 9 scrapes failed' } };
    const [outcome] = evaluateCriteria(result, [MEMORY_CRITERION]);
    expect(outcome).toMatchObject({ passed: false, measured: 1e8 });
    expect(outcome!.note).toMatch(/2 of 9 scrapes failed/);
    // No scraped value at all but the target's PID was watched: that value is whole and is judged.
    const byPid = { metrics: {}, metricNotes: result.metricNotes, resources: { target: { peakRssBytes: 2e8 } } };
    expect(evaluateCriteria(byPid, [MEMORY_CRITERION])[0]).toMatchObject({ passed: true, measured: 2e8 });
  });
});

describe('series a dashboard reads exist from the start', () => {
  it('the agent exports its cache counters at 0 before the first read; the plugin its error counters before the first error', async () => {
    const agent = await startAgent({});
    try {
      const text = await (await fetch(`${agent.httpAddress}/metrics`)).text();
      const parsed = parseMetricsText(text);
      expect(selectSamples(parsed, 'streamhouse_cache_hits_total').map((s) => s.value)).toEqual([0]);
      expect(selectSamples(parsed, 'streamhouse_cache_misses_total').map((s) => s.value)).toEqual([0]);
    } finally {
      await agent.stop();
    }
    const plugin = prometheus({ port: 0, scrape: false });
    const fake = new PluginHarness({ workers: 1, connections: 2 });
    const teardown = (await plugin.setup(fake.ctx))!;
    try {
      await fake.testBefore({ scenario: 'high-throughput', topic: 't' });
      fake.emitSample(makeSample({ acked: 100 }));
      const parsed = parseMetricsText(await (await fetch(plugin.address()!.url)).text());
      for (const name of ['streamhouse_producer_errors_total', 'streamhouse_consumer_errors_total']) {
        const zeros = selectSamples(parsed, name, { scenario: 'high-throughput', phase: 'main' });
        expect(zeros.map((s) => s.labels['code']).sort(), name).toEqual(['DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE']);
        expect(zeros.every((s) => s.value === 0)).toBe(true);
      }
    } finally {
      await teardown();
    }
  });

  it('the dashboard: every __inputs entry is used, and "All" matches only series that carry the label', async () => {
    const raw = await readFile(new URL('../dashboards/loadhouse.json', import.meta.url), 'utf8');
    const dash = JSON.parse(raw) as {
      __inputs?: Array<{ name: string }>;
      templating: { list: Array<{ name: string; includeAll?: boolean; allValue?: string }> };
    };
    for (const input of dash.__inputs ?? [])
      expect(raw.split(`\${${input.name}}`).length - 1, `__inputs ${input.name} is never used`).toBeGreaterThan(0);
    for (const v of dash.templating.list.filter((x) => x.includeAll)) {
      // `.*` also matches the empty value, i.e. series without the label (another tool's, another job's).
      expect(new RegExp(`^(?:${v.allValue ?? '.*'})$`).test(''), `variable ${v.name}: allValue ${v.allValue}`).toBe(false);
    }
  });
});
