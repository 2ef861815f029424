// Trust in what the CLI exposes and prints about the target: the Prometheus endpoint outlives the run long
// enough to be scraped, binds where asked, carries the run's labels (also in the result); a config's own
// prometheus() plugin works with --http-target; byte figures are binary units, labelled so.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { emptyLatencySummary } from '@loadhouse/core/histogram';
import { parseMetricsText, selectSamples } from '@loadhouse/plugin-prometheus';
import { main } from './main.js';
import { args, captureIo, runCli } from './test-io.js';
import { formatSummary } from './summary.js';
import { agentForTests } from '../../core/src/test-support.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-trust-prom-');

const until = async (what: () => boolean, ms: number): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
};

describe('loadhouse run --prometheus-port with --prometheus-host, --prometheus-linger and --label', () => {
  it('serves the last interval after the summary, on the host asked for, labelled; closes after the linger', async () => {
    const dir = tempDir();
    const io = captureIo();
    // No warm-up: the endpoint's counters count every record, the result leaves the warm-up out.
    const argv = args`run high-throughput --duration 3 --target-rate 400 --partitions 1 --consumers 1 --p99-ms 5000 --warmup 0
      --results-dir ${dir} --prometheus-port 0 --prometheus-host 0.0.0.0 --prometheus-linger 6 --label env=ci --label team=perf`;
    let done = false;
    const exit = main(argv, io).finally(() => (done = true));
    await until(() => io.out.includes('Success criteria:') || done, 60_000);
    expect(done, io.err).toBe(false);
    const url = /Prometheus metrics at (\S+)/.exec(io.err)?.[1];
    expect(url, io.err).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/metrics$/);
    // Bound to every interface: reachable through the loopback address too.
    const local = url!.replace('0.0.0.0', '127.0.0.1');
    const res = await fetch(local);
    expect(res.status).toBe(200);
    const m = parseMetricsText(await res.text());
    const sent = selectSamples(m, 'streamhouse_producer_records_sent_total', { env: 'ci', team: 'perf', scenario: 'high-throughput' });
    expect(sent.length).toBeGreaterThan(0);
    // Error counters exist at 0 before any error, so a dashboard shows 0 rather than "No data".
    expect(selectSamples(m, 'streamhouse_producer_errors_total', { env: 'ci', code: 'UNAVAILABLE' }).length).toBeGreaterThan(0);

    // 0, or 1 when a busy machine missed the rate: either way the run completed (no speed is asserted here).
    expect([0, 1], io.err).toContain(await exit);
    // Every record the result counts was in the endpoint's final state (the last second included).
    const result = onlyResult(dir);
    expect(result.state).toBe('completed');
    expect(sent.reduce((a, s) => a + s.value, 0)).toBe(result.producer.acked);
    expect(result.labels).toEqual({ env: 'ci', team: 'perf' });
    await expect(fetch(local)).rejects.toThrow();

    // Units: binary byte units, labelled as such; the target's byte figures formatted, not raw numbers.
    expect(io.out).toMatch(/Target memory < 2\.0 GiB +measured: [\d.]+ MiB/);
    expect(io.out).toMatch(/target\.memoryBytes: [\d.]+ MiB/);
    expect(io.out).not.toMatch(/memoryBytes(Max)?: [\d,]+\n/);
    expect(io.out).not.toMatch(/\d (GB|MB)\b/);
    // A count of reordered records says what it counts (the unit test below has one for sure).
    expect(io.out).toMatch(
      result.integrity.reordered > 0 ? /reordered [\d,]+ \(reordered: arrived after a later sequence/ : /reordered 0\n/,
    );
  }, 90_000);

  it.each([
    [['--label', 'env'], '--label must be name=value'],
    [['--label', 'scenario=x'], '--label scenario'],
    [['--label', '1env=x'], 'not a valid label name'],
    [['--label', 'env=a', '--label', 'env=b'], '--label env given twice'],
    [['--prometheus-linger', '5'], '--prometheus-linger needs --prometheus-port'],
    [['--prometheus-host', '10.0.0.1'], '--prometheus-host needs --prometheus-port'],
    [['--prometheus-port', '0', '--prometheus-linger', '-1'], '--prometheus-linger must be >= 0'],
  ])('exit 2 before any load: %j', async (flags, text) => {
    const { code: exit, io } = await runCli(['run', 'high-throughput', ...flags, '--results-dir', tempDir()]);
    expect(io.err).toContain('LH_INVALID_OPTION');
    expect(io.err).toContain(text);
    expect(io.err).not.toContain('starting the embedded reference agent');
    expect(exit).toBe(2);
  });
});

describe('a config with its own prometheus() plugin', () => {
  const agent = agentForTests({});

  const pluginModule = fileURLToPath(new URL('../../plugin-prometheus/src/index.ts', import.meta.url));
  const config = (dir: string, options: string) => {
    const file = join(dir, 'loadhouse.config.ts');
    writeFileSync(
      file,
      `import { prometheus } from ${JSON.stringify(pluginModule)};\nexport default { plugins: [prometheus(${options})] };\n`,
    );
    return file;
  };
  /** `loadhouse run high-throughput` against the agent with a config whose plugin takes its own port, and `flags`. */
  const runWithConfig = (dir: string, flags: string[]) =>
    runCli([
      ...args`run high-throughput --config ${config(dir, '{ port: 0 }')} --target ${agent.grpcAddress}`,
      ...flags,
      '--results-dir',
      dir,
    ]);

  it('runs with --http-target: the config plugin scrapes the target, nothing is registered twice', async () => {
    const dir = tempDir();
    const { code: exit, io } = await runWithConfig(
      dir,
      args`--http-target ${agent.httpAddress} --duration 2 --target-rate 300 --partitions 1 --p99-ms 5000`,
    );
    expect(io.err).not.toContain('LH_PLUGIN_INVALID');
    expect([0, 1], io.err).toContain(exit);
    const result = onlyResult(dir);
    expect(result.state).toBe('completed');
    expect(result.metrics['target.memoryBytes']).toBeGreaterThan(1024 * 1024);
    expect(result.config['plugins']).toEqual([{ name: 'prometheus', apiVersion: 1 }]);
  }, 60_000);

  it('exit 2: --prometheus-port beside the config plugin would be ignored, so it is refused', async () => {
    const dir = tempDir();
    const { code: exit, io } = await runWithConfig(dir, ['--prometheus-port', '0']);
    expect(io.err).toContain('LH_INVALID_OPTION');
    expect(io.err).toContain('--prometheus-port');
    expect(exit).toBe(2);
  }, 30_000);
});

describe('summary units', () => {
  /** A result as the engine writes it, with the fields the summary reads. */
  function result(over: Partial<LoadTestResult>): LoadTestResult {
    const producer = {
      scheduled: 10,
      sent: 10,
      acked: 10,
      failed: 0,
      dropped: 0,
      bytes: 10240,
      batches: 1,
      meanBatchSize: 10,
      msgsPerSec: 10,
      mbPerSec: 0.01,
      targetRate: 10,
      rateErrorPercent: 0,
      errors: 0,
      errorRatePercent: 0,
      errorsByCode: {},
      latency: { response: emptyLatencySummary(), service: emptyLatencySummary(), scheduleLag: emptyLatencySummary() },
    };
    return {
      state: 'completed',
      partial: false,
      endReason: 'completed',
      endMessage: 'done',
      scenario: 's',
      startedAt: '',
      endedAt: '',
      durationSeconds: 3,
      warmupSeconds: 0,
      producer,
      consumer: { consumed: 0, polls: 0 },
      integrity: { checked: false },
      metrics: {},
      criteria: [],
      scenarioResults: {},
      generator: { saturatedWindows: 0, totalWindows: 3, warnings: [] },
      resources: {},
      ...over,
    } as unknown as LoadTestResult;
  }

  it('formats target byte metrics with units and prints the scrape failures with what they left stale', () => {
    const text = formatSummary(
      result({
        metrics: {
          'target.memoryBytes': 136376320,
          'target.memoryBytesMax': 3 * 1024 ** 3,
          'target.scrapes': 9,
          'target.scrapeFailures': 2,
        },
        metricNotes: { 'target.memoryBytes': '2 of 9 scrapes of http://h/metrics failed (last: answered 500)' },
        criteria: [
          {
            metric: 'target.memoryBytes',
            op: '<',
            value: 2 * 1024 ** 3,
            unit: 'bytes',
            label: 'Target memory < 2.0 GiB',
            measured: 136376320,
            passed: false,
          },
        ],
      }),
    );
    expect(text).toContain('target.memoryBytes: 130.1 MiB  (2 of 9 scrapes of http://h/metrics failed (last: answered 500))');
    expect(text).toContain('target.memoryBytesMax: 3.00 GiB');
    expect(text).toMatch(/target\.scrapeFailures: 2\b/);
    expect(text).toMatch(/Target memory < 2\.0 GiB +measured: 130\.1 MiB/);
  });

  it('explains "reordered" on a healthy run: not lost, only out of order', () => {
    const integrity = {
      checked: true,
      missing: 0,
      duplicates: 0,
      reordered: 1088,
      examples: [],
      consumedChecked: 5000,
      expectedMissing: 0,
      dataLoss: false,
    };
    const text = formatSummary(result({ integrity } as unknown as Partial<LoadTestResult>));
    expect(text).toMatch(/Integrity: missing 0, duplicates 0, reordered 1,088 \(reordered: arrived after a later sequence .*not lost/);
  });
});
