// `loadhouse run <scenario>`: flags -> scenario, target (embedded agent when none), plugins, pre-flight,
// the run itself with live progress, then the summary, the result file and the exit code.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  batchRequestBytes,
  checkMetadataValue,
  checkOutputDir,
  createLoadTest,
  criterionFailed,
  LoadhouseError,
  maxBatchSize,
  processExists,
  resolveStartAt,
  SERVER_DEFAULT_REQUEST_BYTES,
  orTimeout,
  splitHostPort,
  type LoadhousePlugin,
  type LoadTest,
  type LoadTestOptions,
  type LoadTestResult,
  type Scenario,
  type TargetOptions,
} from '@loadhouse/core';
import { normalizeHttpAddress, type Exporter } from '@loadhouse/plugin-prometheus';
import { findScenario, SCENARIOS, type FlagValues, type ScenarioEntry } from './catalog.js';
import { camel, rawFlag, readFlags, RUN_FLAGS, SCENARIO_FLAGS, shardFromFlags, type FlagSpec } from './flags.js';
import { EXIT } from './exit-codes.js';
import { agentFaultsFromFlags, agentS3FromFlags, checkAgentDisk, startEmbeddedTarget, type EmbeddedTarget } from './embedded-target.js';
import { buildPlugins, lingerThenClose, prometheusFromFlags, runPreflight, startExporter } from './plugins.js';
import { Progress } from './progress.js';
import { formatSummary } from './summary.js';
import { colorFor, type Io } from './io.js';
import { writeReport } from '@loadhouse/report';
import { loadConfig, type LoadhouseConfig } from './config.js';

export function parseHostPort(flag: string, value: string): string {
  const port = splitHostPort(value)?.port ?? NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} must be host:port (e.g. localhost:50051), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * `--http-target`: an http(s) base URL, normalized as the Prometheus plugin does (`host:port` alone means
 * http://host:port); errors name the flag.
 */
export function httpBase(flag: string, value: string): string {
  let base: string | undefined;
  try {
    base = normalizeHttpAddress(value.trim());
  } catch {
    base = undefined;
  }
  if (!base || !/^https?:\/\/[^/]/.test(base)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `--${flag} must be an http(s) address like http://host:8080 (or host:8080), got ${JSON.stringify(value)}`,
      {
        details: { flag },
      },
    );
  }
  return base;
}

/** Flag values for a scenario: generic flags plus the scenario's own defaults. */
export function scenarioFlagValues(scenarioName: string, raw: Record<string, unknown>): FlagValues {
  const entry = findScenario(scenarioName);
  if (!entry) {
    throw new LoadhouseError(
      'LH_UNKNOWN_SCENARIO',
      `Unknown scenario ${JSON.stringify(scenarioName)}. Known scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}.`,
    );
  }
  const values = readFlags([...SCENARIO_FLAGS, ...RUN_FLAGS], raw);
  for (const [key, def] of Object.entries(entry.defaults)) if (values[key] === undefined) values[key] = def;
  return values;
}

/**
 * `--org` and the bearer token as call metadata, checked here so a value gRPC cannot send is a coded error
 * before anything starts (never printed: it may be a secret). A token usually comes from a secret file or
 * `$(cat file)`: its trailing line break is dropped, as other CLIs do; anything else not printable ASCII is refused.
 */
export function identityFromFlags(v: FlagValues, env: NodeJS.ProcessEnv): Pick<TargetOptions, 'organizationId' | 'metadata'> {
  const out: Pick<TargetOptions, 'organizationId' | 'metadata'> = {};
  if (typeof v.org === 'string') {
    checkMetadataValue('--org', v.org);
    out.organizationId = v.org;
  }
  const fromFlag = typeof v.authToken === 'string';
  const token = (fromFlag ? (v.authToken as string) : env.LOADHOUSE_AUTH_TOKEN)?.replace(/[\r\n]+$/, '');
  if (token) {
    checkMetadataValue(fromFlag ? '--auth-token' : 'LOADHOUSE_AUTH_TOKEN (the --auth-token default)', token);
    out.metadata = { authorization: `Bearer ${token}` };
  }
  return out;
}

export function targetFromFlags(v: FlagValues, env: NodeJS.ProcessEnv): TargetOptions | undefined {
  const identity = identityFromFlags(v, env);
  if (typeof v.target !== 'string') return undefined;
  const target: TargetOptions = {
    address: parseHostPort('target', v.target),
    connectTimeoutMs: (v.connectTimeout as number) * 1000,
    ...identity,
  };
  if (typeof v.httpTarget === 'string') target.httpAddress = httpBase('http-target', v.httpTarget);
  if (typeof v.targetPid === 'number') {
    if (!processExists(v.targetPid)) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `--target-pid must be the PID of a running process on this machine, got ${v.targetPid}`,
        {
          details: { flag: 'target-pid' },
        },
      );
    }
    target.pid = v.targetPid;
  }
  if (v.tlsCa || v.tlsCert || v.tlsKey) {
    const read = (flag: string, file: unknown) => {
      if (typeof file !== 'string') return undefined;
      try {
        return readFileSync(file);
      } catch (cause) {
        throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} cannot read ${file}`, { cause });
      }
    };
    target.tls = { ca: read('tls-ca', v.tlsCa), cert: read('tls-cert', v.tlsCert), key: read('tls-key', v.tlsKey) };
  }
  return target;
}

export function exitCodeFor(result: LoadTestResult, interrupted: boolean): number {
  // 130 promises a partial result on disk: without one, the run failed.
  if (result.state === 'failed' && result.error.code === 'LH_RESULT_WRITE_FAILED') return EXIT.RUN_FAILED;
  if (interrupted) return EXIT.INTERRUPTED;
  if (result.state === 'failed') return EXIT.RUN_FAILED;
  if (result.criteria.some(criterionFailed)) return EXIT.CRITERIA_FAILED;
  if (result.state === 'aborted') return EXIT.CRITERIA_FAILED;
  return EXIT.OK;
}

/**
 * Engine options from flags. With a config file, only flags given on the command line override the
 * config's options; without one, flag defaults apply.
 */
export function flagOverrides(values: FlagValues, raw: Record<string, unknown>, hasConfig = false): Partial<LoadTestOptions> {
  const given = (flag: string) => !hasConfig || raw[flag] !== undefined;
  const o: Partial<LoadTestOptions> = {};
  if (typeof values.topic === 'string') o.topic = values.topic;
  if (typeof values.workers === 'number') o.workers = values.workers;
  if (given('connections')) o.connections = values.connections as number;
  if (given('warmup') && typeof values.warmup === 'number') o.warmupSeconds = values.warmup;
  if (given('ackMode')) o.ackMode = values.ackMode as 'buffered' | 'durable' | 'none';
  if (given('resultsDir')) o.resultsDir = values.resultsDir as string;
  return o;
}

/**
 * The first seconds of a run against a fresh target are slow (JIT compilation in both processes, the first
 * segments, connection set-up): measured in docs/measuring.md, the first three 1 s windows read 218, 93 and
 * 121 ms of P99 where later ones stayed under 77 ms. 3 s leaves them out; a fifth of a short run at most.
 */
export const DEFAULT_WARMUP_SECONDS = 3;

export function defaultWarmupSeconds(plannedSeconds: number | undefined): number {
  if (!(typeof plannedSeconds === 'number' && plannedSeconds > 0)) return 0;
  return Math.min(DEFAULT_WARMUP_SECONDS, Math.floor(plannedSeconds * 2) / 10);
}

/** The default warm-up, unless --warmup or the config's options set one. */
function warmupDefault(values: FlagValues, scenario: Scenario, config: LoadhouseConfig | undefined): Partial<LoadTestOptions> {
  if (typeof values.warmup === 'number' || config?.options?.warmupSeconds !== undefined) return {};
  return { warmupSeconds: defaultWarmupSeconds(scenario.plannedSeconds) };
}

/**
 * The embedded agent runs on this machine and needs a core of its own: without --workers, the generator
 * leaves it one (on 2 cores, 2 workers starve the agent and its P99 triples; measured in BENCHMARKS.md).
 */
export function embeddedWorkers(
  values: FlagValues,
  embedded: EmbeddedTarget | undefined,
  config?: LoadhouseConfig,
): Partial<LoadTestOptions> {
  if (!embedded || typeof values.workers === 'number' || config?.options?.workers !== undefined) return {};
  return { workers: Math.max(1, availableParallelism() - 1) };
}

const given = (raw: Record<string, unknown>, f: FlagSpec) => rawFlag(raw, f) !== undefined;

/** The flags a scenario's build reads (with its defaults), found by watching it read them. */
function flagsRead(entry: ScenarioEntry): Set<string> {
  const read = new Set<string>();
  const values = scenarioFlagValues(entry.name, {});
  entry.build(
    new Proxy(values, {
      get: (t, k) => {
        if (typeof k === 'string') read.add(k);
        return t[k as string];
      },
    }),
  );
  return read;
}

/**
 * A scenario flag the chosen scenario does not read (`--producer-count` for high-throughput) would be
 * silently ignored: refuse it, and say which flags the scenario does take.
 */
export function refuseForeignFlags(entry: ScenarioEntry, raw: Record<string, unknown>): void {
  const reads = flagsRead(entry);
  const scenarioSpecific = new Set(SCENARIOS.flatMap((e) => [...flagsRead(e)]));
  const candidates = [...SCENARIO_FLAGS, ...RUN_FLAGS].filter((f) => scenarioSpecific.has(camel(f.name)));
  const foreign = candidates.filter((f) => given(raw, f) && !reads.has(camel(f.name)));
  if (foreign.length === 0) return;
  const takes = candidates.filter((f) => reads.has(camel(f.name))).map((f) => `--${f.name}`);
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `${foreign.map((f) => `--${f.name}`).join(', ')} ${foreign.length > 1 ? 'do' : 'does'} not apply to ${entry.name}, which takes ${takes.join(', ')}`,
    { details: { flags: foreign.map((f) => f.name) } },
  );
}

/**
 * Producers are split over shards one by one: with more shards than producers some shard would send
 * nothing while its result still counts in the merge. Refuse that before any load.
 */
export function refuseIdleShard(shard: { index: number; count: number }, values: FlagValues): void {
  const producers = (values.producers ?? values.producerCount ?? values.partitions) as number | undefined;
  if (producers === undefined || shard.count <= producers) return;
  // The flag that sets the producer count for this scenario.
  const raise =
    values.producerCount !== undefined
      ? '--producer-count'
      : values.producers !== undefined
        ? '--producers'
        : '--producers (or --partitions: one producer each by default)';
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `--shard ${shard.index}/${shard.count}: ${shard.count} shards share only ${producers} producers, so ${shard.count - producers} shard(s) would send nothing; use at most ${producers} shards or raise ${raise}`,
    { details: { flag: 'shard' } },
  );
}

/**
 * Flags that describe the --target (its HTTP side, its process) mean nothing to the embedded agent, which
 * serves its own HTTP and is measured by its own PID: refuse them without a target rather than ignore them.
 */
export function refuseTargetOnlyFlags(values: FlagValues): void {
  if (typeof values.target === 'string') return;
  if (typeof values.httpTarget === 'string') {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--http-target is the HTTP address of --target: give --target too, or leave both out to use the embedded agent (which serves its own HTTP)',
      { details: { flag: 'http-target' } },
    );
  }
  if (values.targetPid !== undefined) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--target-pid is the PID of the --target process: give --target too, or leave both out (the embedded agent is measured by its own PID)',
      { details: { flag: 'target-pid' } },
    );
  }
  // The embedded agent speaks plain gRPC with no auth: TLS material and a token would be dropped unseen.
  const unused = (['tlsCa', 'tlsCert', 'tlsKey', 'authToken'] as const).filter((k) => values[k] !== undefined);
  if (unused.length > 0) {
    const flags = unused.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${flags.join(', ')} ${flags.length > 1 ? 'are' : 'is'} for connecting to --target: give --target too, or leave ${flags.length > 1 ? 'them' : 'it'} out ` +
        'to use the embedded agent (plain gRPC, no auth)',
      { details: { flags: unused } },
    );
  }
}

/**
 * A StreamHouse server keeps gRPC's default 4 MiB receive limit and refuses bigger ProduceBatch requests, so
 * every batch of the run would fail: refuse such a batch size before any load.
 */
export function refuseOversizedBatch(values: FlagValues, scenarioName: string): void {
  const batchSize = values.batchSize as number;
  const messageSize = values.messageSize as number | undefined;
  if (messageSize === undefined) return;
  const topic = typeof values.topic === 'string' ? values.topic : `loadhouse-${scenarioName}`;
  const bytes = batchRequestBytes(batchSize, messageSize, topic);
  if (bytes <= SERVER_DEFAULT_REQUEST_BYTES) return;
  if (maxBatchSize(messageSize, topic, SERVER_DEFAULT_REQUEST_BYTES) < 1) {
    const largest = SERVER_DEFAULT_REQUEST_BYTES - batchRequestBytes(1, 0, topic);
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `--message-size ${messageSize} does not fit the 4 MiB request a StreamHouse server accepts (gRPC's default receive limit), ` +
        `even one record per batch; use --message-size <= ${largest}`,
      { details: { flag: 'message-size' } },
    );
  }
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `--batch-size ${batchSize} x --message-size ${messageSize} makes ${bytes}-byte requests, more than the 4 MiB a StreamHouse server accepts ` +
      `(gRPC's default receive limit); use --batch-size <= ${maxBatchSize(messageSize, topic, SERVER_DEFAULT_REQUEST_BYTES)}`,
    { details: { flag: 'batch-size' } },
  );
}

/** `--agent-*` flags shape the embedded agent, which `--target` replaces: refuse them together. */
export function refuseAgentFlags(raw: Record<string, unknown>): void {
  const agentFlags = RUN_FLAGS.filter((f) => f.group === 'agent' && given(raw, f));
  if (agentFlags.length === 0) return;
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `${agentFlags.map((f) => `--${f.name}`).join(', ')} ${agentFlags.length > 1 ? 'configure' : 'configures'} the embedded agent, which is not started when --target is given`,
    { details: { flags: agentFlags.map((f) => f.name) } },
  );
}

/** The config's target object with what the command line set: flags given override it, flag defaults do not. */
function withConfigTarget(fromConfig: TargetOptions, fromFlags: TargetOptions, raw: Record<string, unknown>): TargetOptions {
  const flags = { ...fromFlags };
  if (raw.connectTimeout === undefined && fromConfig.connectTimeoutMs !== undefined) delete flags.connectTimeoutMs;
  return { ...fromConfig, ...flags };
}

/**
 * The results folder the run will write to (--results-dir, else the config's resultsDir), checked before a
 * target is started: creatable, writable, not on a full disk.
 */
export async function checkResultsDir(values: FlagValues, raw: Record<string, unknown>, config?: LoadhouseConfig): Promise<void> {
  const dir = flagOverrides(values, raw, config !== undefined).resultsDir ?? config?.options?.resultsDir ?? 'results';
  const fromConfig = config?.options?.resultsDir !== undefined && raw.resultsDir === undefined;
  if (dir !== false) await checkOutputDir(dir, fromConfig ? 'options.resultsDir' : '--results-dir');
}

/** Starts the embedded agent when no --target was given. */
export async function prepareTarget(values: FlagValues, io: Io): Promise<{ target: TargetOptions; embedded?: EmbeddedTarget }> {
  const target = targetFromFlags(values, io.env);
  if (target) return { target };
  io.stderr('No --target given: starting the embedded reference agent...\n');
  const embedded = await startEmbeddedTarget(values, io.env);
  io.stderr(`Embedded agent: gRPC ${embedded.target.address}, HTTP ${embedded.target.httpAddress}, PID ${embedded.pid}\n`);
  return { target: embedded.target, embedded };
}

/** Runs one scenario against a prepared target with progress, summary and result file. */
export async function executeScenario(
  scenario: Scenario,
  values: FlagValues,
  target: TargetOptions,
  io: Io,
  signal: AbortSignal,
  /** `exporter`: a Prometheus endpoint the caller owns (a suite's, shared by its runs); otherwise the run owns one. */
  extra: {
    embedded?: EmbeddedTarget;
    config?: LoadhouseConfig;
    raw?: Record<string, unknown>;
    exporter?: Exporter;
    onTest?: (test: LoadTest) => void;
  } = {},
): Promise<LoadTestResult> {
  const { config } = extra;
  const prom = prometheusFromFlags(values, extra.raw ?? {}, config?.plugins);
  const owned = !extra.exporter && prom.expose ? await startExporter(prom.expose, io) : undefined;
  try {
    const exporter = extra.exporter ?? owned;
    const result = await runWithPlugins(scenario, values, target, io, signal, { ...extra, exporter, labels: prom.labels });
    if (owned) await lingerThenClose(owned, prom.expose!.lingerSeconds, signal, io);
    return result;
  } finally {
    await owned?.close();
  }
}

async function runWithPlugins(
  scenario: Scenario,
  values: FlagValues,
  target: TargetOptions,
  io: Io,
  signal: AbortSignal,
  extra: {
    embedded?: EmbeddedTarget;
    config?: LoadhouseConfig;
    raw?: Record<string, unknown>;
    exporter?: Exporter;
    labels: Record<string, string>;
    onTest?: (test: LoadTest) => void;
  },
): Promise<LoadTestResult> {
  const { embedded, config } = extra;
  const configPlugins = config?.plugins ?? [];
  const own = await buildPlugins(values, target, io, embedded, { exporter: extra.exporter, configPlugins });
  const plugins: LoadhousePlugin[] = [...own, ...configPlugins];
  // Interrupted during set-up: no pre-flight; the run below ends at once with its partial result.
  if (target.httpAddress && !signal.aborted) {
    await runPreflight(target.httpAddress, (values.readyTimeout as number) * 1000, io, signal).catch((err: unknown) => {
      if (!signal.aborted) throw err;
    });
  }
  // --label adds to (and overrides by name) the config's labels.
  const labels = { ...config?.options?.labels, ...extra.labels };

  const progress = new Progress({
    write: (t) => (values.quiet ? undefined : io.stderr(t)),
    isTTY: io.isTTY,
    plannedSeconds: scenario.plannedSeconds,
    color: colorFor(io, 'stderr', values.noColor === true),
    columns: () => io.columns,
  });
  const shard = shardFromFlags(values, io.env);
  const warmup = warmupDefault(values, scenario, config);
  const test = createLoadTest({
    ...config?.options,
    target,
    plugins,
    ...warmup,
    ...embeddedWorkers(values, embedded, config),
    ...flagOverrides(values, extra.raw ?? {}, config !== undefined),
    signal,
    ...(shard ? { shard } : {}),
    ...(typeof values.runId === 'string' ? { runId: values.runId } : {}),
    ...(typeof values.startAt === 'string' ? { startAt: values.startAt } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
  });
  extra.onTest?.(test);
  if ((values.abortOnFail as number) > 0) {
    for (const c of scenario.criteria) c.abortAfterSeconds ??= values.abortOnFail as number;
  }
  test.on('sample', (s) => progress.onSample(s));
  test.on('error', (e) => {
    progress.finish();
    io.stderr(`${e.plugin ? `[${e.plugin}] ` : ''}${e.code}: ${e.message}\n`);
  });
  test.on('log', (entry) => {
    if (entry.level !== 'debug') {
      progress.finish();
      io.stderr(`${entry.plugin ? `[${entry.plugin}] ` : ''}${entry.level}: ${entry.message}\n`);
    }
  });
  let result: LoadTestResult;
  try {
    result = await test.run(scenario);
  } finally {
    progress.finish();
  }
  if (values.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else
    io.stdout(
      `\n${formatSummary(result, { color: colorFor(io, 'stdout', values.noColor === true), defaultWarmup: warmup.warmupSeconds !== undefined })}\n`,
    );
  if (result.resultPath) io.stderr(`\nResult written to ${result.resultPath}\n`);
  if (values.html && result.resultPath) io.stderr(`HTML report written to ${await writeReport(result.resultPath)}\n`);
  return result;
}

/** The end message a result written on a second signal carries. */
export const FORCED_NOTE = 'A second signal cut the drain short: batches still in flight then are not counted.';

/**
 * SIGINT/SIGTERM handling shared by run and suite: the first aborts gracefully (drain, full partial result); the
 * second writes what the run has (`onForce`, bounded) and exits 130; a third exits at once.
 */
export function interruptible(
  io: Io,
  onForce: () => Promise<void>,
): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const abort = new AbortController();
  let interrupted = false;
  let forcing = false;
  const dispose = io.onSignal((signal) => {
    if (forcing) {
      io.exit(EXIT.INTERRUPTED);
      return;
    }
    if (interrupted) {
      forcing = true;
      io.stderr(`\nSecond ${signal}: writing what the run has and exiting without waiting for the drain (again to exit at once)...\n`);
      // 130 promises a partial result on disk (or a run that had not begun): without one, the run failed (3).
      const written = onForce().then(
        () => EXIT.INTERRUPTED,
        (err: unknown) => {
          io.stderr(`could not write the partial result: ${(err as Error).message}\n`);
          return EXIT.RUN_FAILED;
        },
      );
      void orTimeout(written, FORCE_WRITE_MS, EXIT.RUN_FAILED).then((code) => {
        if (code === EXIT.RUN_FAILED) io.stderr('Exiting without a result file: the run counts as failed (exit 3).\n');
        io.exit(code);
      });
      return;
    }
    interrupted = true;
    io.stderr(`\n${signal}: stopping the run, draining in-flight batches and writing the partial result (again to force)...\n`);
    abort.abort(new LoadhouseError('LH_RUN_ABORTED', `Interrupted by ${signal}`));
  });
  return { signal: abort.signal, interrupted: () => interrupted, dispose };
}

/** How long a second signal waits for the partial result to be written before exiting anyway. */
const FORCE_WRITE_MS = 5000;

/**
 * On a second signal: the result as the run has it, written now; the embedded agent is told to stop (it also
 * stops by itself once this process is gone and its stdin closes).
 */
export async function forceResult(test: LoadTest | undefined, embedded: EmbeddedTarget | undefined, io: Io): Promise<void> {
  void embedded?.stop();
  const path = await test?.writePartial(FORCED_NOTE);
  if (path) io.stderr(`Result written to ${path}\n`);
  else io.stderr('The run had not begun: there is no result to write.\n');
}

export async function runCommand(scenarioName: string | undefined, raw: Record<string, unknown>, io: Io): Promise<number> {
  // Everything that can be wrong with the input is checked here, before a target is started or load sent.
  const config = typeof raw.config === 'string' ? await loadConfig(raw.config, io.cwd) : undefined;
  if (!scenarioName && !config?.scenario) {
    throw new LoadhouseError(
      'LH_UNKNOWN_SCENARIO',
      `Name a scenario (${SCENARIOS.map((s) => s.name).join(', ')}) or give --config with a scenario.`,
    );
  }
  const values = scenarioFlagValues(scenarioName ?? 'high-throughput', raw);
  if (scenarioName) refuseForeignFlags(findScenario(scenarioName)!, raw);
  const scenario = scenarioName ? findScenario(scenarioName)!.build(values) : config!.scenario!;
  if (config?.target !== undefined && typeof values.target !== 'string') {
    values.target = typeof config.target === 'string' ? config.target : config.target.address;
  }
  if (targetFromFlags(values, io.env)) refuseAgentFlags(raw); // also checks --org and the token with no --target
  refuseTargetOnlyFlags(values);
  if (scenarioName) refuseOversizedBatch(values, scenarioName);
  const shard = shardFromFlags(values, io.env);
  if (shard && scenarioName) refuseIdleShard(shard, values);
  if (typeof values.startAt === 'string') resolveStartAt('--start-at', values.startAt);
  agentFaultsFromFlags(values);
  agentS3FromFlags(values, io.env);
  await checkResultsDir(values, raw, config);
  if (!targetFromFlags(values, io.env)) checkAgentDisk(values, [scenario]);
  prometheusFromFlags(values, raw, config?.plugins);

  let embedded: EmbeddedTarget | undefined;
  let test: LoadTest | undefined;
  const run = interruptible(io, () => forceResult(test, embedded, io));
  try {
    const prepared = await prepareTarget(values, io);
    embedded = prepared.embedded;
    const target =
      config?.target && typeof config.target === 'object' && raw.target === undefined
        ? withConfigTarget(config.target, prepared.target, raw)
        : prepared.target;
    const onTest = (t: LoadTest) => (test = t);
    const result = await executeScenario(scenario, values, target, io, run.signal, { embedded, config, raw, onTest });
    // A signal after the run ended (during the Prometheus linger) does not make a whole run an interrupted one.
    return exitCodeFor(result, run.interrupted() && result.endReason === 'signal');
  } finally {
    run.dispose();
    await embedded?.stop();
  }
}
