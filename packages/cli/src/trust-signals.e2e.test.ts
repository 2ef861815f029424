// Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group (the CLI runs in a group of its
// own here, as a shell's job would). Wherever it lands the run ends with exit 130 and a partial result, the
// embedded agent is stopped by the CLI after the drain, and its temporary data goes away.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { args } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
const tempDir = tempDirs('lh-signals-');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cli {
  child: ChildProcess;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Ctrl-C in a terminal: SIGINT to every process of the foreground group. */
  ctrlC: () => number;
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
}

/** The CLI as a shell runs it: its own process group; TMPDIR private so the agent's temp data can be watched. */
function startCli(args: string[], tmp: string): Cli {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    env: { ...process.env, TMPDIR: tmp },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    err: () => err,
    exited,
    ctrlC: () => {
      process.kill(-child.pid!, 'SIGINT');
      return Date.now();
    },
    async waitFor(text, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (typeof text === 'string' ? !err.includes(text) : !text.test(err)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`"${String(text)}" never came; stderr:\n${err}`);
        await sleep(20);
      }
    },
  };
}

/** A progress line with records acked: load is flowing. */
const PRODUCING = /produce\s+[1-9][\d,]* msgs\/s/;
const agentPid = (err: string): number => Number(/Embedded agent: .* PID (\d+)/.exec(err)?.[1]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `check` holds (the agent's flush and exit happen after the CLI's). */
async function eventually(check: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

const agentDirs = (tmp: string) => readdirSync(tmp).filter((f) => f.startsWith('loadhouse-agent-'));

const run = (results: string, ...extra: string[]) => [
  ...args`run high-throughput --duration 60 --warmup 0 --target-rate 1000 --partitions 1 --results-dir ${results}`,
  ...extra,
];

// Each test starts the CLI and its agent as processes: minutes on a busy 2-core machine.
describe('Ctrl-C in a terminal', { timeout: 120_000 }, () => {
  it('mid-run: the embedded agent keeps serving through the drain, the partial result has no UNAVAILABLE errors, exit 130', async () => {
    const tmp = tempDir();
    const results = join(tmp, 'results');
    const cli = startCli(run(results), tmp);
    await cli.waitFor(PRODUCING);
    await sleep(2000);
    cli.ctrlC();
    const { code } = await cli.exited;
    expect(code, cli.err()).toBe(130);
    const result = onlyResult(results);
    expect(result.state).toBe('aborted');
    expect(result.endReason).toBe('signal');
    expect(result.producer.acked).toBeGreaterThan(500);
    expect(result.producer.errorsByCode, cli.err()).toEqual({});
    expect(result.criteria.find((c) => c.metric === 'producer.errors')?.passed).toBe(true);
    // The CLI stopped the agent itself, and the agent removed its temporary data.
    expect(alive(agentPid(cli.err()))).toBe(false);
    expect(await eventually(() => agentDirs(tmp).length === 0)).toBe(true);
  });

  it('while the embedded agent starts: set-up stops, a partial result says nothing was sent, exit 130', async () => {
    const tmp = tempDir();
    const results = join(tmp, 'results');
    const cli = startCli(run(results), tmp);
    await cli.waitFor('starting the embedded reference agent');
    // Not in the instant of the fork itself, before the child has its own process group; the agent then
    // takes over a second to start (checked below: the run ended during set-up).
    await sleep(300);
    const sent = cli.ctrlC();
    const { code, at } = await cli.exited;
    expect(code, cli.err()).toBe(130);
    expect(cli.err()).not.toContain('already aborted');
    expect(cli.err()).not.toContain('LH_');
    expect(cli.err()).not.toContain('Pre-flight'); // set-up did not go on after the signal
    const result = onlyResult(results);
    expect(result.state).toBe('aborted');
    expect(result.partial).toBe(true);
    expect(result.endReason).toBe('signal');
    expect(result.endMessage).toContain('during set-up');
    expect(result.producer.scheduled).toBe(0);
    expect(
      result.criteria.filter((c) => c.passed),
      'no verdict passes on a run that sent nothing',
    ).toEqual([]);
    expect(at - sent).toBeLessThan(20_000);
    expect(await eventually(() => agentDirs(tmp).length === 0)).toBe(true);
  });

  it('while the producers start: no guard timer holds the process after the result is written, exit 130', async () => {
    const tmp = tempDir();
    const results = join(tmp, 'results');
    const cli = startCli(run(results), tmp);
    // The first progress line comes a second into the run; on a busy machine the load workers are still starting.
    await cli.waitFor('[1/60s]');
    cli.ctrlC();
    await cli.waitFor('Result written to');
    const written = Date.now();
    const { code, at } = await cli.exited;
    expect(code, cli.err()).toBe(130);
    // Before: a group stop sent to workers that had already ended waited out its 20 s guard.
    expect(at - written, cli.err()).toBeLessThan(10_000);
    expect(onlyResult(results).endReason).toBe('signal');
  });

  it('while connecting: the connect does not hold the process after the result is written, exit 130', async () => {
    // A port that accepts TCP but never speaks HTTP/2: the gRPC connect waits for the whole --connect-timeout.
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const tmp = tempDir();
      const results = join(tmp, 'results');
      const cli = startCli(run(results, '--target', `127.0.0.1:${port}`, '--connect-timeout', '40'), tmp);
      await eventually(() => sockets.size > 0, 30_000);
      await sleep(500);
      const sent = cli.ctrlC();
      const { code, at } = await cli.exited;
      expect(code, cli.err()).toBe(130);
      expect(cli.err()).not.toContain('LH_RUN_ABORTED');
      const result = onlyResult(results);
      expect(result.state).toBe('aborted');
      expect(result.endReason).toBe('signal');
      expect(result.producer.scheduled).toBe(0);
      // Before: the connect's 40 s deadline timer held the process long after the signal.
      expect(at - sent, cli.err()).toBeLessThan(20_000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('a second Ctrl-C during the drain writes what the run has, exits 130, and the agent data still goes away', async () => {
    const tmp = tempDir();
    const results = join(tmp, 'results');
    // Every produce call is held: the drain after the first Ctrl-C waits for them (up to its 10 s timeout).
    const cli = startCli(run(results, '--agent-stall', '0-60'), tmp);
    await cli.waitFor('(target 1,000)'); // producers are running (and held)
    const pid = agentPid(cli.err());
    cli.ctrlC();
    await cli.waitFor('stopping the run');
    await sleep(1000);
    const second = cli.ctrlC();
    const { code, at } = await cli.exited;
    expect(code, cli.err()).toBe(130);
    expect(at - second).toBeLessThan(8000);
    expect(cli.err()).toContain('Result written to');
    const result = onlyResult(results);
    expect(result.state).toBe('aborted');
    expect(result.partial).toBe(true);
    expect(result.endReason).toBe('signal');
    expect(result.endMessage).toMatch(/second/i);
    expect(result.producer.sent).toBeGreaterThan(100); // what the run had: sent, held by the agent, not yet acked
    expect(await eventually(() => !alive(pid))).toBe(true);
    expect(await eventually(() => agentDirs(tmp).length === 0)).toBe(true);
  });
});

describe('the embedded agent does not outlive its parent', { timeout: 120_000 }, () => {
  it('kill -9 of the CLI: the agent stops and removes its temporary data', async () => {
    const tmp = tempDir();
    const cli = startCli(run(join(tmp, 'results')), tmp);
    await cli.waitFor('Embedded agent:');
    const pid = agentPid(cli.err());
    await sleep(2500);
    expect(agentDirs(tmp)).toHaveLength(1);
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(await eventually(() => !alive(pid))).toBe(true);
    expect(await eventually(() => agentDirs(tmp).length === 0)).toBe(true);
  });

  it('the next start sweeps the data a dead agent left behind, and keeps what a live one uses', async () => {
    const tmp = tempDir();
    // The PID of a process that has ended; and this test process's, which lives.
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.on('exit', r));
    const stale = join(tmp, `loadhouse-agent-${gone.pid}-AbC123`);
    const live = join(tmp, `loadhouse-agent-${process.pid}-XyZ789`);
    for (const d of [stale, live]) mkdirSync(join(d, 'data'), { recursive: true });
    const results = join(tmp, 'results');
    const cli = startCli(
      ['run', 'high-throughput', '--duration', '1', '--target-rate', '100', '--partitions', '1', '--results-dir', results],
      tmp,
    );
    const { code } = await cli.exited;
    expect(code, cli.err()).toBeLessThan(2);
    expect(await eventually(() => agentDirs(tmp).join() === `loadhouse-agent-${process.pid}-XyZ789`)).toBe(true);
  });
});
