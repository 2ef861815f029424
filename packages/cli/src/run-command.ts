// `loadhouse run <scenario>`: flags -> scenario, target (embedded agent when none), plugins, pre-flight,
// the run itself with live progress, then the summary, the result file and the exit code.
import {
  checkOutputDir,
  createLoadTest,
  criterionFailed,
  LoadhouseError,
  resolveStartAt,
  type DeliveryOptions,
  type LoadhousePlugin,
  type LoadTest,
  type LoadTestOptions,
  type LoadTestResult,
  type Scenario,
  type TargetOptions,
} from '@loadhouse/core';
import type { Exporter } from '@loadhouse/plugin-prometheus';
import { writeReport } from '@loadhouse/report';
import { findScenario, SCENARIOS, type FlagValues } from './catalog.js';
import type { CommandDefinition } from './command.js';
import { loadConfig, type LoadhouseConfig } from './config.js';
import { agentFaultsFromFlags, agentS3FromFlags, checkAgentDisk, startEmbeddedTarget, type EmbeddedTarget } from './embedded-target.js';
import { EXIT } from './exit-codes.js';
import { shardFromFlags } from './flags.js';
import { forceResult, interruptible } from './interrupt.js';
import { colorFor, type Io } from './io.js';
import { buildPlugins, lingerThenClose, prometheusFromFlags, runPreflight, startExporter } from './plugins.js';
import { Progress } from './progress.js';
import { doorScenario, doorTarget, doorValues, formatDoorTable, protocolsFromFlags, worstExit, type DoorRun } from './protocols-compare.js';
import {
  refuseAgentFlags,
  refuseDurationWithProfile,
  refuseBadTopics,
  refuseForeignFlags,
  refuseIdleShard,
  refuseOversizedBatch,
  refuseTargetOnlyFlags,
} from './run-checks.js';
import { RUN_FLAGS, SCENARIO_FLAGS, scenarioFlagValues } from './run-flags.js';
import { checkFaultsFlag } from './s3-faults.js';
import { formatSummary } from './summary.js';
import { targetFromFlags } from './target-flags.js';

/** `options.delivery` from --idempotent, --retries, --transactions and --abort-ratio (undefined when none is given). */
export function deliveryFromFlags(values: FlagValues): DeliveryOptions | undefined {
  const d: DeliveryOptions = {};
  if (values.idempotent === true) d.idempotent = true;
  if (typeof values.retries === 'number') d.retries = values.retries;
  if (typeof values.transactions === 'number') {
    d.transactions = { recordsPerTransaction: values.transactions };
    if (typeof values.abortRatio === 'number') d.transactions.abortRatio = values.abortRatio;
  } else if (typeof values.abortRatio === 'number') {
    throw new LoadhouseError('LH_INVALID_OPTION', '--abort-ratio needs --transactions <records>: only transactions can be aborted', {
      details: { flag: 'abort-ratio' },
    });
  }
  return Object.keys(d).length > 0 ? d : undefined;
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
  if (typeof values.topics === 'number') o.topics = values.topics;
  if (typeof values.topicPattern === 'string') o.topicPattern = values.topicPattern;
  if (typeof values.workers === 'number') o.workers = values.workers;
  if (given('connections')) o.connections = values.connections as number;
  if (given('maxCallsPerConnection')) o.maxCallsPerConnection = values.maxCallsPerConnection as number;
  if (given('warmup') && typeof values.warmup === 'number') o.warmupSeconds = values.warmup;
  if (typeof values.seed === 'number') o.seed = values.seed;
  if (given('ackMode')) o.ackMode = values.ackMode as 'buffered' | 'durable' | 'none';
  const delivery = deliveryFromFlags(values);
  if (delivery) o.delivery = delivery;
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
  io.stderr(`Embedded agent: gRPC ${embedded.grpcAddress}, HTTP ${embedded.target.httpAddress}, PID ${embedded.pid}\n`);
  return { target: embedded.target, embedded };
}

/** What a scenario runs with beside its flags and target. */
export interface ScenarioExtras {
  embedded?: EmbeddedTarget;
  config?: LoadhouseConfig;
  /** cac's options: which flags were given (a config's values give way only to those). */
  raw?: Record<string, unknown>;
  /** A Prometheus endpoint the caller owns (a suite's, shared by its runs); otherwise the run owns one. */
  exporter?: Exporter;
  onTest?: (test: LoadTest) => void;
}

/** Runs one scenario against a prepared target with progress, summary and result file. */
export async function executeScenario(
  scenario: Scenario,
  values: FlagValues,
  target: TargetOptions,
  io: Io,
  signal: AbortSignal,
  extra: ScenarioExtras = {},
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
  extra: ScenarioExtras & { labels: Record<string, string> },
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
    ...flagOverrides(values, extra.raw ?? {}, config !== undefined),
    signal,
    ...(shard ? { shard } : {}),
    ...(typeof values.runId === 'string' ? { runId: values.runId } : {}),
    ...(typeof values.startAt === 'string' ? { startAt: values.startAt } : {}),
    ...(typeof values.faults === 'string' ? { faults: values.faults } : {}),
    ...(embedded?.s3FaultProxy ? { s3FaultProxy: embedded.s3FaultProxy } : {}),
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
  refuseDurationWithProfile(raw);
  const scenario = scenarioName ? findScenario(scenarioName)!.build(values) : config!.scenario!;
  if (config?.target !== undefined && typeof values.target !== 'string') {
    values.target = typeof config.target === 'string' ? config.target : config.target.address;
  }
  const doors = protocolsFromFlags(values, raw);
  if (doors && (config || !scenarioName)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--protocols compares a named scenario across doors: give the scenario name, not --config',
    );
  }
  if (targetFromFlags(values, io.env)) refuseAgentFlags(raw); // also checks --org and the token with no --target
  refuseTargetOnlyFlags(values);
  if (scenarioName) refuseOversizedBatch(values, scenarioName);
  refuseBadTopics(values, scenario.name);
  const shard = shardFromFlags(values, io.env);
  if (shard && scenarioName) refuseIdleShard(shard, values);
  if (typeof values.startAt === 'string') resolveStartAt('--start-at', values.startAt);
  checkFaultsFlag(values);
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
    if (doors) {
      const runs: DoorRun[] = [];
      const codes: number[] = [];
      for (const door of doors) {
        if (run.signal.aborted) break;
        io.stderr(`\n=== ${door} door ===\n`);
        const v = doorValues(values, scenarioName!, door);
        const t = doorTarget(door, values, io.env, embedded);
        const result = await executeScenario(doorScenario(scenarioName!, v), v, t, io, run.signal, { embedded, raw, onTest });
        runs.push({ door, result });
        codes.push(exitCodeFor(result, run.interrupted() && result.endReason === 'signal'));
      }
      io.stdout(`\n${formatDoorTable(runs)}\n`);
      return worstExit(codes);
    }
    const result = await executeScenario(scenario, values, target, io, run.signal, { embedded, config, raw, onTest });
    // A signal after the run ended (during the Prometheus linger) does not make a whole run an interrupted one.
    return exitCodeFor(result, run.interrupted() && result.endReason === 'signal');
  } finally {
    run.dispose();
    await embedded?.stop();
  }
}

/**
 * Checks a `run` command line as runCommand would before any load (without a config file): unknown scenario,
 * foreign or target-less flags, oversized batches, idle shards, the start time and the Prometheus flags.
 */
export function checkRunLine(
  scenarioName: string,
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { values: FlagValues; shard: { index: number; count: number } | undefined } {
  const values = scenarioFlagValues(scenarioName, raw);
  refuseForeignFlags(findScenario(scenarioName)!, raw);
  if (typeof values.target === 'string') refuseAgentFlags(raw);
  refuseTargetOnlyFlags(values);
  refuseOversizedBatch(values, scenarioName);
  refuseBadTopics(values, scenarioName);
  const shard = shardFromFlags(values, env);
  if (shard) refuseIdleShard(shard, values);
  if (typeof values.startAt === 'string') resolveStartAt('--start-at', values.startAt);
  checkFaultsFlag(values);
  prometheusFromFlags(values, raw);
  return { values, shard };
}

export const RUN_COMMAND: CommandDefinition = {
  name: 'run',
  usage: 'run [scenario]',
  description: `Run a scenario (${SCENARIOS.map((s) => s.name).join(', ')}) against --target, or against the embedded reference agent when no target is given`,
  flags: [...SCENARIO_FLAGS, ...RUN_FLAGS],
  examples: [
    'loadhouse run high-throughput --duration 30 --target-rate 50000 --partitions 5',
    'loadhouse run high-throughput --target streamhouse:50051 --http-target http://streamhouse:8080 --duration 3600 --target-rate 100000 --partitions 10',
    'loadhouse run many-producers --producer-count 1000 --messages-per-producer 10000 --partitions 100',
    'loadhouse run consumer-lag --produce-rate 1000000 --consume-rate 500000 --duration 600',
    'loadhouse run stability --duration 604800 --target-rate 50000 --partitions 20',
    'loadhouse run consumer-group-restart --duration 30 --target-rate 1000 --commit-every 1 --restarts 2',
    'loadhouse run --config examples/config/loadhouse.config.ts',
    'loadhouse run high-throughput --protocol rest --target http://streamhouse:8080 --duration 60 --target-rate 5000',
    'loadhouse run high-throughput --protocols grpc,rest --duration 30 --target-rate 5000',
  ],
  action: (args, raw, io) => runCommand(args[0], raw, io),
};
