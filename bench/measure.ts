// One measurement of one client, in a process of its own: the generator benchmarks start this file once per
// measurement so no client inherits another's heap, JIT state or connections, and the peak RSS is the
// client's alone (getrusage maxrss of the process: main thread and worker threads together, the same way for
// every client). The spec comes as JSON in argv[2]; one line `RESULT {json}` goes to stdout.
//
// Clients: `loadhouse` (the high-throughput or many-producers scenario through the SDK, as `loadhouse run` does),
// `lean` (bench/lean-client.ts, the physical limit), `grpcjs` (bench/baseline.ts, the minimal closed loop).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Figures } from './compare.js';
import { threadCpuSeconds } from './proc.js';

export type ClientName = 'loadhouse' | 'lean' | 'grpcjs';

export interface MeasureSpec {
  client: ClientName;
  address: string;
  topic: string;
  /** Records/s asked (ignored by `grpcjs`, a closed loop). */
  rate: number;
  seconds: number;
  partitions: number;
  warmupSeconds: number;
  batch?: number;
  messageSize?: number;
  /** loadhouse only. */
  workers?: number;
  instrument?: boolean;
  /**
   * loadhouse: run `manyProducers` with this many producers instead of `highThroughput`; lean: the same shape
   * (independent producers at rate/producers each, bench/lean-producers.ts).
   */
  producers?: number;
  /** With `producers`: the linger of a partial batch (default 5 ms, loadhouse's). */
  lingerMs?: number;
  /** loadhouse only: the door to drive (`address` is then the REST base URL for rest); default grpc. */
  protocol?: 'grpc' | 'rest' | 'kafka';
  /** loadhouse only: sample interval (finer for the start-up figure). */
  intervalMs?: number;
  /** loadhouse and lean: records later than this when they could be sent are dropped (default 10 s). */
  dropAfterMs?: number;
  /** loadhouse only (bench/workload.ts): record keys and a size distribution in place of `messageSize`. */
  keys?: string;
  sizes?: string;
  /** loadhouse only (high-throughput): how records arrive (default uniform). */
  arrivals?: 'uniform' | 'poisson';
}

export interface Measurement extends Figures {
  client: ClientName;
  acked: number;
  /** Records that failed or were dropped (warm-up left out); NaN for the closed loop. */
  failed: number;
  dropped: number;
  /** loadhouse only: failures by gRPC status name. */
  errorsByCode?: Record<string, number>;
  /** loadhouse: its rateErrorPercent; others: |msgsPerSec / rate - 1| x 100. */
  rateErrorPercent: number;
  /** loadhouse only: windows flagged saturated / all windows. */
  saturatedWindows?: number;
  totalWindows?: number;
  /** loadhouse only: seconds from run() to the end of the first sample window holding an ack. */
  firstAckSeconds?: number;
  /** loadhouse only: [seconds since the run started, acked msgs/s] of the first 12 sample windows (the ramp). */
  ramp?: Array<[number, number]>;
  /** loadhouse: result.producer.startup (first ack from the schedule's start, the first measured second); lean with `producers`: the first ack. */
  startup?: { firstAckSeconds?: number; firstSecondMsgsPerSec?: number; firstSecondTargetRate?: number };
  /** CPU seconds of the whole process (all threads) over its wall-clock seconds: start-up and teardown included. */
  cores: number;
  /**
   * The process's cores (all threads) while the load ran steadily: from 1 s after the warm-up to 1 s before the
   * schedule's end (loadhouse: over whole sample windows, less those catching up on a start that fell behind;
   * lean: timed from its schedule's start). No start-up, no module loading, no teardown: the figure to compare
   * clients' CPU by.
   */
  steadyCores?: number;
  /** steadyCores per record acked in that stretch, in µs (lean: at its achieved rate). */
  cpuPerRecordUs?: number;
  /**
   * Records acked per second in that stretch (lean: its achieved rate). A run that fell behind at its start
   * catches up there, above its average rate: per-record CPU figures divide by this, never by msgsPerSec.
   */
  steadyMsgsPerSec?: number;
  /** loadhouse: measured windows left out of the steady stretch because they were catching up (see steadyCores). */
  catchUpWindows?: number;
  /**
   * loadhouse, Linux: steadyCores by thread: the main thread, the busiest other thread (the load worker, with one),
   * and every other thread together (GC helpers, libuv, more workers).
   */
  steadyThreads?: { main: number; busiest: number; others: number };
  wallSeconds: number;
}

/**
 * Calls in flight per connection, at most: loadhouse's default (256) unless BENCH_CALLS_PER_CONNECTION says
 * otherwise (0: no bound). Both clients get it: loadhouse as options.maxCallsPerConnection, the lean client
 * over its two sessions.
 */
function callsPerConnection(): number {
  const raw = process.env.BENCH_CALLS_PER_CONNECTION;
  const per = raw ? Number(raw) : 256;
  return per > 0 ? per : Number.POSITIVE_INFINITY;
}

/** The process's CPU seconds so far, every thread. */
function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** CPU of the process over [from, to] (performance.now() ms), from snapshots taken every 100 ms. */
class CpuTrace {
  private readonly points: Array<[number, number]> = [];
  private readonly timer = setInterval(() => this.points.push([performance.now(), cpuSeconds()]), 100);
  stop(): void {
    clearInterval(this.timer);
  }
  /** Cores used over [from, to], from the snapshots nearest inside it; undefined when it holds under two. */
  cores(from: number, to: number): number | undefined {
    const inside = this.points.filter(([t]) => t >= from && t <= to);
    if (inside.length < 2) return undefined;
    const [t0, c0] = inside[0]!;
    const [t1, c1] = inside[inside.length - 1]!;
    return t1 > t0 ? (c1 - c0) / ((t1 - t0) / 1000) : undefined;
  }
}

async function measure(spec: MeasureSpec): Promise<Measurement> {
  const batch = spec.batch ?? 100;
  const messageSize = spec.messageSize ?? 1024;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const rss = () => (process.resourceUsage().maxRSS * 1024) / 1024 / 1024;
  const done = (m: Omit<Measurement, 'client' | 'peakRssMb' | 'cores' | 'wallSeconds'>): Measurement => {
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { client: spec.client, ...m, peakRssMb: rss(), cores: (cpu.user + cpu.system) / 1e6 / wall, wallSeconds: wall };
  };
  if (spec.client === 'lean') {
    const { runLeanClient } = await import('./lean-client.js');
    const trace = new CpuTrace();
    let scheduleStart = Number.NaN;
    const r = await runLeanClient({
      onStart: (t0: number) => {
        scheduleStart = t0;
      },
      address: spec.address,
      topic: spec.topic,
      partitions: spec.partitions,
      rate: spec.rate,
      seconds: spec.seconds,
      batch,
      messageSize,
      warmupSeconds: spec.warmupSeconds,
      ...(spec.dropAfterMs !== undefined ? { dropAfterMs: spec.dropAfterMs } : {}),
      ...(spec.producers !== undefined
        ? { producers: spec.producers, lingerMs: spec.lingerMs ?? 5, maxCalls: 2 * callsPerConnection() }
        : {}),
    });
    const m = done({
      msgsPerSec: r.msgsPerSec,
      responseP99Ms: r.response.p99,
      scheduleLagP99Ms: r.scheduleLag.p99,
      acked: r.acked,
      failed: r.failed,
      dropped: r.dropped,
      rateErrorPercent: Math.abs(r.msgsPerSec / spec.rate - 1) * 100,
    });
    trace.stop();
    const steady = trace.cores(scheduleStart + (spec.warmupSeconds + 1) * 1000, scheduleStart + (spec.seconds - 1) * 1000);
    if (steady !== undefined && r.msgsPerSec > 0) {
      m.steadyCores = steady;
      m.steadyMsgsPerSec = r.msgsPerSec;
      m.cpuPerRecordUs = (steady / r.msgsPerSec) * 1e6;
    }
    if (r.firstAckSeconds !== undefined) m.startup = { firstAckSeconds: r.firstAckSeconds };
    return m;
  }
  if (spec.client === 'grpcjs') {
    const { runBaseline } = await import('./baseline.js');
    const r = await runBaseline({
      address: spec.address,
      topic: spec.topic,
      partitions: spec.partitions,
      seconds: spec.seconds,
      inFlight: 64,
      batchSize: batch,
      messageSize,
      connections: 2,
    });
    // A closed loop has no schedule: no response latency or lag to report.
    return done({
      msgsPerSec: r.msgsPerSec,
      responseP99Ms: Number.NaN,
      scheduleLagP99Ms: Number.NaN,
      acked: r.records,
      failed: Number.NaN,
      dropped: Number.NaN,
      rateErrorPercent: Number.NaN,
    });
  }
  const { createLoadTest } = await import('@loadhouse/core');
  const { highThroughput, manyProducers } = await import('@loadhouse/scenarios');
  const test = createLoadTest({
    target: spec.protocol === 'rest' || spec.protocol === 'kafka' ? { address: spec.address, protocol: spec.protocol } : spec.address,
    topic: spec.topic,
    workers: spec.workers ?? 1,
    resultsDir: false,
    instrument: spec.instrument ?? true,
    warmupSeconds: spec.warmupSeconds,
    // No bound (0) is the largest the option takes.
    maxCallsPerConnection: Math.min(callsPerConnection(), 1_000_000),
    ...(spec.intervalMs ? { intervalMs: spec.intervalMs } : {}),
    ...(spec.dropAfterMs !== undefined ? { dropAfterMs: spec.dropAfterMs } : {}),
  });
  const started = performance.now();
  let firstAckSeconds: number | undefined;
  // CPU of every measured sample window (the process's and by thread), for the steady stretch (whole windows,
  // their acks).
  const windows: Array<{ cpu: number; acked: number; intervalSeconds: number; threads: Map<number, number> }> = [];
  let lastCpu = cpuSeconds();
  let lastThreads = threadCpuSeconds();
  test.on('sample', (s) => {
    if (firstAckSeconds === undefined && s.producer.acked > 0) firstAckSeconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds();
    const threads = threadCpuSeconds();
    if (!s.warmup && s.producer.acked > 0)
      windows.push({
        cpu: cpu - lastCpu,
        acked: s.producer.acked,
        intervalSeconds: s.intervalSeconds,
        threads: new Map([...threads].map(([tid, t]) => [tid, t - (lastThreads.get(tid) ?? 0)])),
      });
    lastCpu = cpu;
    lastThreads = threads;
  });
  const scenario =
    spec.producers !== undefined
      ? manyProducers({
          producerCount: spec.producers,
          // The quota that makes the run last `seconds` at `rate`; at least one record per producer.
          messagesPerProducer: Math.max(1, Math.round((spec.rate * spec.seconds) / spec.producers)),
          partitions: spec.partitions,
          targetRate: spec.rate,
          messageSize,
          batchSize: batch,
          ...(spec.lingerMs !== undefined ? { lingerMs: spec.lingerMs } : {}),
        })
      : highThroughput({
          durationSeconds: spec.seconds,
          targetRate: spec.rate,
          partitions: spec.partitions,
          messageSize: spec.sizes ?? messageSize,
          batchSize: batch,
          ...(spec.keys ? { keys: spec.keys } : {}),
          ...(spec.arrivals ? { arrivals: spec.arrivals } : {}),
        });
  const r = await test.run(scenario);
  const m = done({
    msgsPerSec: r.producer.msgsPerSec,
    responseP99Ms: r.producer.latency.response.p99,
    scheduleLagP99Ms: r.producer.latency.scheduleLag.p99,
    acked: r.producer.acked,
    failed: r.producer.failed,
    dropped: r.producer.dropped,
    errorsByCode: r.producer.errorsByCode,
    rateErrorPercent: r.producer.rateErrorPercent,
    saturatedWindows: r.generator.saturatedWindows,
    totalWindows: r.generator.totalWindows,
  });
  if (firstAckSeconds !== undefined) m.firstAckSeconds = firstAckSeconds;
  // The steady stretch: the measured windows but the first and the last (ramp and drain), whole windows only,
  // and none catching up on a start that fell behind (acked over 2% above the asked rate): a backlog's records
  // go out in fuller writes, cheaper each, so such windows would flatter whichever run had the larger backlog.
  const steady = windows.slice(1, -1).filter((w) => w.acked / w.intervalSeconds <= spec.rate * 1.02);
  m.catchUpWindows = Math.max(0, windows.length - 2) - steady.length;
  const seconds = steady.reduce((a, w) => a + w.intervalSeconds, 0);
  const acked = steady.reduce((a, w) => a + w.acked, 0);
  if (seconds > 0 && acked > 0) {
    const cpu = steady.reduce((a, w) => a + w.cpu, 0);
    m.steadyCores = cpu / seconds;
    m.steadyMsgsPerSec = acked / seconds;
    m.cpuPerRecordUs = (cpu / acked) * 1e6;
    const byThread = new Map<number, number>();
    for (const w of steady) for (const [tid, t] of w.threads) byThread.set(tid, (byThread.get(tid) ?? 0) + t);
    const per = [...byThread].map(([tid, t]) => [tid, t / seconds] as const);
    if (per.length > 0) {
      const main = per.find(([tid]) => tid === process.pid)?.[1] ?? 0;
      const rest = per
        .filter(([tid]) => tid !== process.pid)
        .map(([, c]) => c)
        .sort((a, b) => b - a);
      m.steadyThreads = { main, busiest: rest[0] ?? 0, others: rest.slice(1).reduce((a, c) => a + c, 0) };
    }
  }
  const startup = (r.producer as { startup?: Measurement['startup'] }).startup;
  if (startup) m.startup = startup;
  m.ramp = r.series.slice(0, 12).map((x) => [Math.round(x.elapsedSeconds * 100) / 100, Math.round(x.producer.msgsPerSec)]);
  return m;
}

/**
 * BENCH_BUILT=1 measures loadhouse as users of the published packages run it: the built packages (`pnpm build`
 * first), and no TypeScript loader in the measuring process or its threads. By default the sources run through
 * tsx, whose require() hook serves the load worker's modules (Piscina require()s its task module) as CommonJS,
 * reading imported bindings through getters: a profile shows megamorphic keyed loads under the worker's own
 * functions there, and none from the built packages. So the measuring script itself is bundled (tsup, the packages
 * left external) and run by plain Node.
 */
export const BUILT = process.env.BENCH_BUILT === '1';

/** What the bundle imports at run time rather than holding: the packages measured, and native or large libraries. */
const EXTERNAL = [
  '@loadhouse/core',
  '@loadhouse/core/wire',
  '@loadhouse/core/histogram',
  '@loadhouse/scenarios',
  '@loadhouse/agent',
  '@grpc/grpc-js',
  '@node-rs/crc32',
  '@platformatic/kafka',
];

let bundled: string | undefined;

/** The most recently modified source file under `dir` (tests left out). */
function newestSource(dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
    const path = `${dir}/${name}`;
    const { mtimeMs } = statSync(path);
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

/** BENCH_BUILT's measuring script: this file bundled once per benchmark process under bench/.built/. */
function builtMeasure(): string {
  if (bundled) return bundled;
  const root = fileURLToPath(new URL('../', import.meta.url));
  for (const pkg of ['core', 'scenarios']) {
    const built = `${root}packages/${pkg}/dist/index.js`;
    if (!existsSync(built)) throw new Error(`BENCH_BUILT: packages/${pkg}/dist is missing; run \`pnpm build\` first`);
    // A build older than its sources would measure code that is no longer there.
    const newer = newestSource(`${root}packages/${pkg}/src`);
    if (newer && newer.mtimeMs > statSync(built).mtimeMs) {
      throw new Error(`BENCH_BUILT: ${newer.path} is newer than packages/${pkg}/dist; run \`pnpm build\` first`);
    }
  }
  const outDir = `${root}bench/.built`;
  const r = spawnSync(
    `${root}node_modules/.bin/tsup`,
    ['bench/measure.ts', '--format', 'esm', '--out-dir', outDir, '--no-config', '--silent', ...EXTERNAL.flatMap((m) => ['--external', m])],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`BENCH_BUILT: bundling bench/measure.ts failed: ${r.stderr || r.stdout || r.error?.message}`);
  bundled = `${outDir}/measure.js`;
  return bundled;
}

/**
 * BENCH_PIN=1 puts every measured client on CPU 0 and the target on CPU 1 (`taskset`), so neither migrates
 * onto the other's core: a client's CPU per record then depends less on where the scheduler put it beside the
 * target. Off by default: an unpinned run is what a user's run is. The generator benchmark pins its targets
 * (`pinTarget`); elsewhere only the clients are pinned.
 */
export const PIN = process.env.BENCH_PIN === '1' ? { generator: 0, target: 1 } : undefined;

/** With BENCH_PIN, moves every thread of the target process `pid` onto the target's CPU. */
export function pinTarget(pid: number): void {
  if (!PIN) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(PIN.target), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`BENCH_PIN: taskset could not pin the target (pid ${pid}): ${r.stderr || r.error?.message}`);
}

/**
 * Runs one measurement in a fresh Node process and returns its figures. `nodeArgs` go after tsx's loader and
 * before the script (e.g. `--cpu-prof`, or an `--import` of a TypeScript file; with BENCH_BUILT there is no
 * loader, so no TypeScript file), so a profile covers exactly one client; `env` is added to the child's environment.
 */
export function measureInChild(
  spec: MeasureSpec,
  nodeArgs: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<Measurement> {
  if (BUILT && nodeArgs.some((a) => /\.[cm]?ts$/.test(a))) {
    throw new Error(`BENCH_BUILT: no TypeScript loader runs the measurement, so it cannot take ${nodeArgs.join(' ')}`);
  }
  const args = BUILT
    ? [...nodeArgs, builtMeasure(), JSON.stringify(spec)]
    : ['--conditions=source', '--import', 'tsx', ...nodeArgs, fileURLToPath(import.meta.url), JSON.stringify(spec)];
  // BENCH_PIN: the measured client on the generator's CPU (its threads inherit it), the target on the other.
  const [command, argv] = PIN ? ['taskset', ['-c', String(PIN.generator), process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      // JSON has no NaN (it travels as null): a figure not measured is NaN again here.
      if (code === 0 && line) resolve(JSON.parse(line.slice(7), (_k, v: unknown) => (v === null ? Number.NaN : v)) as Measurement);
      else reject(new Error(`measurement of ${spec.client} exited with ${code}: ${out.slice(-2000)}`));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as MeasureSpec;
  measure(spec).then(
    (m) => {
      console.log(`RESULT ${JSON.stringify(m)}`);
      // Open handles of a client (a lingering grpc-js channel timer) must not hold the measurement.
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
