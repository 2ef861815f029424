// The CLI end to end against the embedded agent (started by the CLI itself as a child process).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { args, captureIo, runCli } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-cli-');

describe('loadhouse run (embedded agent)', () => {
  it('exit 0: a short high-throughput run meets its criteria, rate within 2%, complete result file', async () => {
    const dir = tempDir();
    // The P99 bound is loose: this test checks the exit code path, not the speed of a busy CI machine.
    const { code, io } = await runCli(
      args`run high-throughput --duration 8 --target-rate 1000 --partitions 2 --p99-ms 2000 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.state, io.err).toBe('completed');
    expect(result.partial).toBe(false);
    expect(result.scenario).toBe('high-throughput');
    expect(result.producer.rateErrorPercent).toBeLessThanOrEqual(2);
    expect(result.producer.scheduled).toBe(result.producer.acked + result.producer.failed + result.producer.dropped);
    expect(result.series.length).toBeGreaterThanOrEqual(4);
    expect(result.histograms['producer.response']).toBeTypeOf('string');
    expect(result.criteria.map((c) => c.metric)).toEqual([
      'producer.rateErrorPercent',
      'producer.latency.p99',
      'producer.errors',
      'target.memoryBytes',
    ]);
    expect(result.criteria.find((c) => c.metric === 'target.memoryBytes')!.measured).toBeGreaterThan(1024 * 1024);
    expect(io.out).toContain('Messages sent:');
    expect(io.out).toContain('P99');
    expect(io.out).toContain('Success criteria:');
    expect(code, io.out + io.err).toBe(0);
  });

  it('exit 1: a criterion fails when the agent adds 600 ms per produce call, and the summary raises the red flag', async () => {
    const dir = tempDir();
    const { code, io } = await runCli(
      args`run high-throughput --duration 3 --target-rate 500 --partitions 1 --results-dir ${dir} --agent-produce-latency-ms 600`,
    );
    const result = onlyResult(dir);
    const p99 = result.criteria.find((c) => c.metric === 'producer.latency.p99')!;
    expect(p99.passed).toBe(false);
    expect(p99.measured!).toBeGreaterThanOrEqual(600);
    expect(io.out).toMatch(/❌ P99 latency < 100 ms/);
    // The plan's red flag, from the resource monitor, in the result and in the summary.
    expect((result.resources as { warnings: string[] }).warnings.join('\n')).toMatch(
      /^P99 [\d.]+ ms > 500 ms: investigate slow S3 uploads/m,
    );
    expect(io.out).toMatch(/Red flags:\n {2}! P99 [\d.]+ ms > 500 ms: investigate slow S3 uploads or connection issues/);
    expect(code).toBe(1);
  });

  it('consumer-lag builds lag, clears it, and reports the cache hit rate scraped from the embedded agent', async () => {
    const dir = tempDir();
    const { io } = await runCli(
      args`run consumer-lag --produce-rate 3000 --consume-rate 1000 --duration 6 --partitions 2 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.state, io.err).toBe('completed');
    const r = result.scenarioResults as Record<string, number | null>;
    expect(r.lagBuilt).toBeGreaterThan(1000);
    expect(r.timeToClearSeconds).toBeTypeOf('number');
    expect(r.catchUpRate).toBeGreaterThan(1000);
    expect(r.catchUpCacheHitRate).toBeTypeOf('number');
    expect(result.metrics['target.cacheHitRate']).toBeTypeOf('number');
    expect(result.consumer.lag.final).toBe(0);
    expect(result.integrity.checked).toBe(true);
    expect(result.integrity.missing).toBe(0);
    expect(result.criteria.map((c) => c.metric)).toContain('catchUpCacheHitRate');
    expect(io.out).toContain('Cache hit rate > 80% during catch-up');
  });

  it.each([
    [['run', 'high-throughput', '--target-rate=-5'], 'LH_INVALID_OPTION', '--target-rate'],
    [['run', 'high-throughput', '--target-rate', '-5'], 'LH_INVALID_OPTION', '--target-rate must be > 0, got -5'],
    [['run', 'high-throughput', '--target-rate', 'fast'], 'LH_INVALID_OPTION', 'must be a number'],
    [['run', 'high-throughput', '--partitions', '0'], 'LH_INVALID_OPTION', '--partitions'],
    [['run', 'high-throughput', '--message-size', '8'], 'LH_INVALID_OPTION', 'header'],
    [['run', 'high-throughput', '--message-size', String(65 * 1024 * 1024)], 'LH_INVALID_OPTION', '--message-size'],
    [['run', 'high-throughput', '--bogus', '1'], 'LH_UNKNOWN_FLAG', '--bogus'],
    [['run', 'warp-speed'], 'LH_UNKNOWN_SCENARIO', 'warp-speed'],
    [['run', 'high-throughput', '--target', 'nohostport'], 'LH_INVALID_OPTION', 'host:port'],
  ])('exit 2 before any load: %j', async (argv, code, text) => {
    const { code: exit, io } = await runCli([...argv, '--results-dir', tempDir()]);
    expect(io.err).toContain(code);
    expect(io.err).toContain(text);
    expect(io.err).not.toContain('starting the embedded reference agent');
    expect(exit).toBe(2);
  });

  it('exit 2: an unreachable target is named within the connect timeout', async () => {
    const io = captureIo();
    const started = Date.now();
    const exit = await main(
      ['run', 'high-throughput', '--target', '127.0.0.1:1', '--connect-timeout', '1', '--results-dir', tempDir()],
      io,
    );
    expect(exit).toBe(2);
    expect(io.err).toContain('LH_TARGET_UNREACHABLE');
    expect(io.err).toContain('127.0.0.1:1');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('SIGINT mid-run drains, writes a partial result and exits 130', async () => {
    const dir = tempDir();
    const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      args`--conditions=source --import tsx ${bin}
        run high-throughput --duration 60 --warmup 0 --target-rate 1000 --partitions 1 --results-dir ${dir}`,
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    // Wait for the run to be producing (a progress line with records acked), then two more seconds of load:
    // a fixed wait after the agent banner was too short on a busy machine (nothing acked yet).
    const deadline = Date.now() + 60_000;
    while (!/produce\s+[1-9][\d,]* msgs\/s/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, err).toBe(130);
    const result = onlyResult(dir);
    expect(result.state).toBe('aborted');
    expect(result.partial).toBe(true);
    expect(result.endReason).toBe('signal');
    expect(result.producer.acked).toBeGreaterThan(500);
    expect(result.producer.scheduled).toBe(result.producer.acked + result.producer.failed + result.producer.dropped);
  }, 120_000);
});
