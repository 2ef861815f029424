// spawnAgent(): runs the agent bin as a child process (its own PID, CPU and process group), waits for its
// "listening" line, and stops it with SIGTERM (the agent flushes), then SIGKILL after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LoadhouseError, MAX_TIMER_MS } from '@loadhouse/core';
// Registers the codes thrown here wherever this module is loaded, not only through the package entry.
import './errors.js';
import { resolveOptions, type AgentOptions } from './options.js';

export interface SpawnAgentOptions extends Omit<AgentOptions, 'log'> {
  /** How long to wait for the child's "listening" line (default 30000 ms). */
  startTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL on stop (default 15000 ms; the agent flushes open segments meanwhile). */
  stopGraceMs?: number;
  /** Receives the child's stderr log lines. */
  onLog?: (line: string) => void;
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
}

export interface SpawnedAgent {
  readonly grpcAddress: string;
  readonly httpAddress: string;
  /** `host:port` of the Kafka listener; undefined unless `kafkaPort` was given. */
  readonly kafkaAddress: string | undefined;
  readonly pid: number;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the child exited. */
  stop(): Promise<void>;
}

/** Environment variable telling the bin to stop when its stdin closes (so a crashed parent leaves no orphan). */
export const EXIT_WITH_PARENT_ENV = 'LOADHOUSE_AGENT_EXIT_WITH_PARENT';

/** The command running the bin: sources through tsx when this module is a .ts file, else dist/bin.js. */
function binCommand(): string[] {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
    return ['--conditions=source', '--import', tsx, fileURLToPath(new URL('./bin.ts', here))];
  }
  return [fileURLToPath(new URL('./bin.js', here))];
}

/** Flags equivalent to `options`. */
export function agentArgs(o: SpawnAgentOptions): string[] {
  const args: string[] = ['--host', o.host ?? '127.0.0.1', '--grpc-port', String(o.grpcPort ?? 0), '--http-port', String(o.httpPort ?? 0)];
  const add = (flag: string, v: string | number | undefined): void => {
    if (v !== undefined) args.push(`--${flag}`, String(v));
  };
  add('kafka-port', o.kafkaPort);
  add('data-dir', o.dataDir);
  if (o.keepData) args.push('--keep-data');
  if (o.s3) {
    add('s3-endpoint', o.s3.endpoint);
    add('bucket', o.s3.bucket ?? 'streamhouse-data');
    add('region', o.s3.region);
    // Credentials go through agentEnv(): a command line is readable by every local user (ps, /proc/<pid>/cmdline).
  }
  add('segment-max-bytes', o.segmentMaxBytes);
  add('segment-max-age-ms', o.segmentMaxAgeMs);
  add('cache-max-bytes', o.cacheMaxBytes);
  add('retention-ms', o.retentionMs);
  add('max-request-bytes', o.maxRequestBytes);
  if (o.sink) args.push('--sink');
  add('fault-s3-error-rate', o.s3ErrorRate);
  add('fault-s3-latency-ms', o.s3LatencyMs);
  const pl = o.produceLatencyMs;
  add('fault-produce-latency-ms', pl === undefined ? undefined : typeof pl === 'number' ? pl : `${pl[0]}-${pl[1]}`);
  add('fault-stall', o.stall ? `${o.stall[0]}-${o.stall[1]}` : undefined);
  add('fault-drop-every', o.dropEvery);
  add('fault-lose-tail-from', o.loseTailFrom);
  add('fault-memory-growth-mib-per-s', o.memoryGrowthMibPerSecond);
  add('fault-capacity', o.capacity);
  add('fault-corrupt-every', o.corruptEvery);
  add('fault-ack-offset-shift-every', o.ackOffsetShiftEvery);
  add('fault-lose-ack-every', o.loseAckEvery);
  add('fault-commit-drop-every', o.commitDropEvery);
  add('fault-lose-commits-from', o.loseCommitsFrom);
  add('fault-expose-aborts-from', o.exposeAbortsFrom);
  return args;
}

/**
 * Environment variables carrying what must not appear on the child's command line: the S3 credentials, in the
 * variables the AWS SDK's default credential chain reads in the child.
 */
export function agentEnv(o: SpawnAgentOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (o.s3?.accessKeyId !== undefined) env.AWS_ACCESS_KEY_ID = o.s3.accessKeyId;
  if (o.s3?.secretAccessKey !== undefined) env.AWS_SECRET_ACCESS_KEY = o.s3.secretAccessKey;
  return env;
}

/**
 * The child's environment: the parent's, with the given S3 keys in place of any the parent had. A session token
 * inherited from the parent belongs to the parent's (temporary) keys, not to the keys given: it goes.
 */
export function childEnv(base: NodeJS.ProcessEnv, o: SpawnAgentOptions): NodeJS.ProcessEnv {
  const keys = agentEnv(o);
  const out: NodeJS.ProcessEnv = { ...base, ...keys, [EXIT_WITH_PARENT_ENV]: '1' };
  if (keys.AWS_ACCESS_KEY_ID !== undefined) delete out.AWS_SESSION_TOKEN;
  return out;
}

type Listening = Pick<SpawnedAgent, 'grpcAddress' | 'httpAddress' | 'kafkaAddress' | 'pid'>;

export async function spawnAgent(options: SpawnAgentOptions = {}): Promise<SpawnedAgent> {
  const { startTimeoutMs = 30_000, stopGraceMs = 15_000, onLog, env, ...agentOptions } = options;
  resolveOptions(agentOptions); // coded errors naming the option, before any process starts
  for (const [name, v] of [
    ['startTimeoutMs', startTimeoutMs],
    ['stopGraceMs', stopGraceMs],
  ] as const) {
    // A timer longer than MAX_TIMER_MS fires at once: the agent would be killed or given up on immediately.
    if (typeof v !== 'number' || !(v > 0) || v > MAX_TIMER_MS) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `options.${name} must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${String(v)}`,
      );
    }
  }
  const child = spawn(process.execPath, [...binCommand(), ...agentArgs(agentOptions)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // A process group of its own: a terminal's Ctrl-C reaches only the parent, which stops the agent after its
    // drain (stop()); a parent that dies closes the child's stdin, which stops it (EXIT_WITH_PARENT_ENV).
    detached: true,
    env: childEnv({ ...process.env, ...env }, agentOptions),
  });
  let stderrTail = '';
  let stderrLine = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-8192);
    if (!onLog) return;
    stderrLine += chunk;
    let nl: number;
    while ((nl = stderrLine.indexOf('\n')) >= 0) {
      onLog(stderrLine.slice(0, nl));
      stderrLine = stderrLine.slice(nl + 1);
    }
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  const started = await new Promise<Listening>((resolve, reject) => {
    let stdout = '';
    const fail = (why: string, cause?: unknown): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(
        new LoadhouseError(
          'LH_AGENT_START_FAILED',
          `The agent child process ${why}.${stderrTail ? ` Its stderr:\n${stderrTail.trim()}` : ''}`,
          {
            cause,
            details: { stderr: stderrTail },
          },
        ),
      );
    };
    const onData = (chunk: string): void => {
      stdout += chunk;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      try {
        const line = JSON.parse(stdout.slice(0, nl)) as {
          event?: string;
          grpcAddress?: string;
          httpAddress?: string;
          kafkaAddress?: string;
          pid?: number;
        };
        if (line.event !== 'listening' || !line.grpcAddress || !line.httpAddress)
          throw new Error(`unexpected first line ${stdout.slice(0, nl)}`);
        cleanup();
        resolve({
          grpcAddress: line.grpcAddress,
          httpAddress: line.httpAddress,
          kafkaAddress: line.kafkaAddress,
          pid: line.pid ?? child.pid!,
        });
      } catch (err) {
        fail('printed something other than its listening line', err);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      // Let the last stderr chunk arrive before reporting.
      setImmediate(() => fail(`exited before listening (${signal ? `signal ${signal}` : `exit code ${code}`})`));
    };
    const onError = (err: Error): void => fail(`could not be started: ${err.message}`, err);
    const timer = setTimeout(() => fail(`did not report listening within ${startTimeoutMs} ms`), startTimeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  child.stdout!.resume(); // nothing more is expected; keep the pipe drained

  let stopping: Promise<void> | undefined;
  return {
    ...started,
    child,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
        await exited;
        clearTimeout(timer);
        child.stdin?.destroy();
      })();
      return stopping;
    },
  };
}
