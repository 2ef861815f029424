// Trust in what the user typed: bad input is refused with a coded error (exit 2) before any load and without
// a result file; what is accepted is honoured, never silently ignored; the terminal output obeys the user.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadTestResult, Sample } from '@loadhouse/core';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { main, parseCommandLine } from './main.js';
import { Progress } from './progress.js';
import { args, type CapturedIo, captureIo, runCli } from './test-io.js';
import { agentForTests } from '../../core/src/test-support.js';
import { tempDirs } from './test-files.js';

const ESC = '\u001b[';
const tempDir = tempDirs('lh-trust-inputs-');
const agent = agentForTests();
/** One short real run against the in-process agent, its stdout not a terminal but its stderr one. */
let plain: { io: CapturedIo; code: number; resultFile: string };

beforeAll(async () => {
  const dir = tempDir();
  const io = captureIo();
  io.isTTY = true; // stderr is a terminal, stdout is redirected: `loadhouse run ... > out.txt`
  const { code } = await runCli(
    args`run high-throughput --target ${agent.grpcAddress} --duration 2 --target-rate 200 --partitions 1 --p99-ms 5000
      --results-dir ${dir}`,
    io,
  );
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  plain = { io, code, resultFile: join(dir, files[0] ?? 'missing.json') };
}, 60_000);

/** Runs the CLI in-process; the results folder it was given, for checking that nothing was written. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; io: CapturedIo; results: string }> {
  const results = join(tempDir(), 'results');
  const { code, io } = await runCli([...args, '--results-dir', results], captureIo(env));
  return { code, io, results };
}

function expectRefusedBeforeLoad(r: { code: number; io: CapturedIo; results: string }, code: string, message: RegExp): void {
  expect(r.io.err, r.io.err).toMatch(new RegExp(`error ${code}: (.*: )?${message.source}`));
  expect(r.code).toBe(2);
  // Refused before a target was started or any record sent: no result file, not even a "failed" one.
  expect(r.io.err).not.toContain('starting the embedded reference agent');
  expect(existsSync(r.results) ? readdirSync(r.results) : []).toEqual([]);
}

describe('bad values are refused before any load, with the limits of the wire contract (item 13)', () => {
  it.each([
    ['a path as topic', ['--topic', '../../etc/x'], /--topic must be 1-249 letters, digits, '\.', '_' or '-'/],
    ['a 5000-character topic', ['--topic', 'x'.repeat(5000)], /--topic must be 1-249 letters/],
    [
      'a batch bigger than a 4 MiB request',
      ['--batch-size', '10000000'],
      /--batch-size 10000000 x --message-size 1024 .* 4 MiB .*use --batch-size <= 4\d{3}/,
    ],
    [
      'a record bigger than a 4 MiB request',
      ['--message-size', '5000000', '--batch-size', '1'],
      /--message-size 5000000 does not fit .*use --message-size <= 4194\d{3}/,
    ],
    ['a rate whose counts could not add up', ['--target-rate', '1e30'], /--target-rate must be <= 1000000000/],
    ['a consumer-lag rate beyond the bound', ['--produce-rate', '2e9'], /--produce-rate must be <= 1000000000/],
  ])('%s: exit 2, no result', async (_, flags, message) => {
    const scenario = flags[0] === '--produce-rate' ? 'consumer-lag' : 'high-throughput';
    const r = await run(['run', scenario, '--duration', '2', ...flags]);
    expectRefusedBeforeLoad(r, 'LH_INVALID_OPTION', message);
  });

  it('the SDK refuses the same topic and rate', async () => {
    const { createLoadTest } = await import('@loadhouse/core');
    expect(() => createLoadTest({ target: agent.grpcAddress, topic: 'a/b' })).toThrow(/options\.topic must be 1-249 letters/);
    expect(() => createLoadTest({ target: agent.grpcAddress, topic: '..' })).toThrow(/options\.topic must be 1-249 letters/);
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'lh-trust-rate' });
    const result = await lt.run({ name: 'rate', criteria: [], run: async (c) => void (await c.produce({ rate: 1e30 })) });
    expect(result).toMatchObject({
      state: 'failed',
      error: { code: 'LH_INVALID_OPTION', message: expect.stringMatching(/options\.rate must be at most 1000000000/) },
    });
    expect(result.producer.scheduled).toBe(0);
  });
});

describe('nothing given is silently ignored (item 15)', () => {
  const config = (text: string) => {
    const file = join(tempDir(), 'loadhouse.config.mjs');
    writeFileSync(file, text);
    return file;
  };

  it.each([
    ['"two"', '"two"', /options\.workers must be a positive integer, got "two"/],
    ['1e9', '1e9', /options\.workers must be an integer no greater than 1024, got 1000000000/],
  ])('a config with options.workers %s is refused before the embedded agent starts', async (_, workers, message) => {
    const file = config(`export default { options: { workers: ${workers} } };`);
    const r = await run(['run', 'high-throughput', '--config', file, '--duration', '1', '--target-rate', '100', '--partitions', '1']);
    expectRefusedBeforeLoad(r, 'LH_CONFIG_INVALID', message);
  });

  it("a config's options.workers is honoured with the embedded agent", async () => {
    const workers = availableParallelism() + 1; // never the embedded default (one core fewer than the machine)
    const file = config(`export default { options: { workers: ${workers} } };`);
    const r = await run([
      'run',
      'high-throughput',
      '--config',
      file,
      '--duration',
      '1',
      '--target-rate',
      '100',
      '--partitions',
      '1',
      '--quiet',
    ]);
    const files = existsSync(r.results) ? readdirSync(r.results) : [];
    expect(files, r.io.err).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(r.results, files[0]!), 'utf8')) as LoadTestResult;
    expect(result.config.workers).toBe(workers);
  }, 60_000);

  it('--http-target without --target is refused: the embedded agent serves its own HTTP', async () => {
    const r = await run(['run', 'high-throughput', '--http-target', 'http://127.0.0.1:8080', '--duration', '1']);
    expectRefusedBeforeLoad(r, 'LH_INVALID_OPTION', /--http-target is the HTTP address of --target/);
  });

  it('--target-pid of a process that does not exist is refused', async () => {
    // The PID of a process that has just exited: not running, and not reused this soon.
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(gone.stdout.trim());
    const r = await run([
      'run',
      'high-throughput',
      '--target',
      agent.grpcAddress,
      '--target-pid',
      String(pid),
      '--topic',
      'lh-trust-pid',
      '--duration',
      '1',
    ]);
    expectRefusedBeforeLoad(
      r,
      'LH_INVALID_OPTION',
      new RegExp(`--target-pid must be the PID of a running process on this machine, got ${pid}`),
    );
  });

  it('--target-pid without --target is refused: the embedded agent is measured by its own PID', async () => {
    const r = await run(['run', 'high-throughput', '--target-pid', String(process.pid), '--duration', '1']);
    expectRefusedBeforeLoad(r, 'LH_INVALID_OPTION', /--target-pid is the PID of the --target process/);
  });

  it('TLS files and a token without --target are refused: the embedded agent would never see them', async () => {
    const r = await run(['run', 'high-throughput', '--auth-token', 'abc', '--tls-ca', '/etc/hostname', '--duration', '1']);
    expectRefusedBeforeLoad(r, 'LH_INVALID_OPTION', /--tls-ca, --auth-token are for connecting to --target/);
  });

  it('suite refuses --config (one scenario) and --agent-* flags beside --target, instead of ignoring them', async () => {
    const config = await run(['suite', '--scale', '0.00001', '--config', 'loadhouse.config.ts']);
    expect(config.code).toBe(2);
    expect(config.io.err).toContain('Unknown flag --config');
    const agentFlag = await run(['suite', '--scale', '0.00001', '--target', agent.grpcAddress, '--agent-drop-every', '10']);
    expectRefusedBeforeLoad(
      agentFlag,
      'LH_INVALID_OPTION',
      /--agent-drop-every configures the embedded agent, which is not started when --target is given/,
    );
  });
});

describe('messages say what the user typed (item 16)', () => {
  it('an unknown flag is echoed as typed, with a suggestion', async () => {
    const r = await run(['run', 'high-throughput', '--target-rat', '5']);
    expect(r.io.err).toContain('error LH_UNKNOWN_FLAG: Unknown flag --target-rat. Did you mean --target-rate?');
    expect(r.io.err).not.toContain('targetRat');
    expect(r.code).toBe(2);
    const eq = await run(['run', 'high-throughput', '--partitons=3']);
    expect(eq.io.err).toContain('Unknown flag --partitons. Did you mean --partitions?');
    const far = await run(['run', 'high-throughput', '--zzzzzz']);
    expect(far.io.err).toContain('Unknown flag --zzzzzz. Run loadhouse run --help for the flags.');
    expect(far.io.err).not.toContain('Did you mean');
  });

  it('merge names a file that is not a shard instead of "run id undefined"', async () => {
    const shard = JSON.parse(readFileSync(plain.resultFile, 'utf8')) as LoadTestResult;
    const other = join(tempDir(), 'shard.json');
    writeFileSync(other, JSON.stringify({ ...shard, runId: 'run-7', shard: { index: 1, count: 2 } }));
    const { code, io } = await runCli(args`merge ${plain.resultFile} ${other} -o ${join(tempDir(), 'merged.json')}`);
    expect(io.err).not.toContain('undefined');
    expect(io.err).toMatch(/has run id "run-7", .*has no run id \(not a shard: it was run without --shard or --shards\)/);
    expect(code).toBe(2);
  });

  it("the AWS SDK's NodeVersionSupportWarning is not printed by the S3 probe or the agent's S3 store", () => {
    const probe = fileURLToPath(new URL('../../plugin-s3-probe/src/client.ts', import.meta.url));
    const store = fileURLToPath(new URL('../../agent/src/storage/s3-store.ts', import.meta.url));
    const script =
      `const { createS3Client } = await import(${JSON.stringify(probe)});` +
      `const { S3Store } = await import(${JSON.stringify(store)});` +
      "createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', timeoutMs: 100 });" +
      "new S3Store({ bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });" +
      "console.log('made');";
    const env = { ...process.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env,
    });
    expect(child.stdout, child.stderr).toContain('made');
    expect(child.stderr).not.toContain('NodeVersionSupportWarning');
  }, 60_000);
});

describe('the terminal (item 19)', () => {
  it('`run > out.txt` from a terminal: the summary has no escape codes (colour follows stdout, not stderr)', () => {
    expect(plain.io.out, plain.io.err).toContain('Success criteria:');
    expect(plain.io.out).not.toContain(ESC);
  });

  it('colour in the summary follows NO_COLOR, FORCE_COLOR and --no-color', async () => {
    const merge = async (env: NodeJS.ProcessEnv, stdoutIsTTY: boolean, ...flags: string[]) => {
      const io = captureIo(env);
      io.stdoutIsTTY = stdoutIsTTY;
      await main(['merge', plain.resultFile, '-o', join(tempDir(), 'merged.json'), ...flags], io);
      expect(io.out, io.err).toContain('Success criteria:');
      return io.out;
    };
    expect(await merge({}, true)).toContain(ESC);
    expect(await merge({ NO_COLOR: '1' }, true)).not.toContain(ESC);
    expect(await merge({}, true, '--no-color')).not.toContain(ESC);
    expect(await merge({ FORCE_COLOR: '1' }, false)).toContain(ESC);
    expect(await merge({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).not.toContain(ESC);
  });

  it('the live line fits an 80-column terminal, consumers and all, so a refresh never wraps', () => {
    const written: string[] = [];
    const progress = new Progress({ write: (t) => written.push(t), isTTY: true, columns: 80, plannedSeconds: 604800 });
    const latency = { p50: 1, p95: 2, p99: 123.4, p999: 5, max: 6, mean: 1, count: 10 };
    const sample = {
      elapsedSeconds: 123456,
      phase: 'produce-and-consume',
      warmup: false,
      producer: { msgsPerSec: 1234567, targetRate: 1250000, failed: 12345, dropped: 6789, latency: { response: latency } },
      consumer: { polls: 10, msgsPerSec: 1234567, lag: 123456789 },
      generator: { saturated: true },
    } as unknown as Sample;
    progress.onSample(sample);
    progress.onSample(sample);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the live line's ANSI rewrite is what is removed
    const lines = written.map((w) => w.replace(/^\r\u001b\[2K/, ''));
    for (const line of lines) expect(line.length, line).toBeLessThan(80);
    // The essentials survive the squeeze.
    expect(lines[0]).toMatch(/^\[123456\/604800s\] 1\.23M\/s of 1\.25M p99 123\.4ms err 12\.3k lag 123M ! saturated$/);
    // A line that fits is left as it was.
    const wide = new Progress({ write: (t) => written.push(t), isTTY: true, columns: 300 });
    wide.onSample(sample);
    expect(written.at(-1)).toContain(
      '1,234,567 msgs/s (target 1,250,000)  p99 123.4 ms  errors 12,345  dropped 6,789  consumed 1,234,567 msgs/s, lag 123,456,789',
    );
  });

  it('durations and rates take units', () => {
    const v = (args: string[]) => parseCommandLine(['run', 'high-throughput', ...args]).values;
    expect(v(['--duration', '5m', '--target-rate', '10k'])).toMatchObject({ duration: 300, targetRate: 10_000 });
    expect(v(['--duration', '1h', '--target-rate', '1.5M', '--warmup', '30s'])).toMatchObject({
      duration: 3600,
      targetRate: 1_500_000,
      warmup: 30,
    });
    expect(v(['--duration', '7d', '--connect-timeout', '500ms'])).toMatchObject({ duration: 604_800, connectTimeout: 0.5 });
    expect(v(['--duration', '1h30m', '--target-rate', '2500'])).toMatchObject({ duration: 5400, targetRate: 2500 });
    expect(parseCommandLine(['run', 'consumer-lag', '--produce-rate', '1M', '--consume-rate', '500k']).values).toMatchObject({
      produceRate: 1_000_000,
      consumeRate: 500_000,
    });
    expect(() => v(['--duration', '5x'])).toThrow(/--duration must be a number of seconds or a duration like 30s, 5m, 1h, 7d, got "5x"/);
    expect(() => v(['--target-rate', '10q'])).toThrow(/--target-rate must be a number or a rate like 10k, 1.5M, got "10q"/);
    expect(() => v(['--partitions', '2k'])).toThrow(/--partitions must be a number, got "2k"/);
  });
});

describe('set-up errors found before any load (item 21)', () => {
  it('a topic that exists with another partition count: exit 2, LH_TOPIC_MISMATCH, no result file', async () => {
    const client = new StreamHouseClient(agent.grpcAddress);
    try {
      await client.call('CreateTopic', { name: 'lh-trust-mismatch', partitionCount: 2 });
    } finally {
      client.close();
    }
    const r = await run([
      'run',
      'high-throughput',
      '--target',
      agent.grpcAddress,
      '--topic',
      'lh-trust-mismatch',
      '--partitions',
      '3',
      '--duration',
      '2',
      '--target-rate',
      '100',
    ]);
    expect(r.io.err).toMatch(/error LH_TOPIC_MISMATCH: Topic "lh-trust-mismatch" exists with 2 partitions, but the run asks for 3/);
    expect(r.code).toBe(2);
    expect(existsSync(r.results) ? readdirSync(r.results) : []).toEqual([]);
  }, 30_000);
});
