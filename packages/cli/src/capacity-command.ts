// `loadhouse capacity [scenario]`: how much the target takes under an SLO. The scenario gives the load's
// shape (partitions, message size, producers, batching) and the default SLO (its latency and error
// criteria); the search itself is core's capacityScenario(), run like any scenario (progress, plugins,
// summary, result file). Its one criterion carries the answer into the exit code.
import { capacityScenario, defaultSlo, LoadhouseError, parseCriteria, type Criterion, type LoadTest } from '@loadhouse/core';
import type { FlagValues } from './catalog.js';
import { findScenario } from './catalog.js';
import type { CommandDefinition } from './command.js';
import { agentFaultsFromFlags, agentS3FromFlags, type EmbeddedTarget } from './embedded-target.js';
import { defineFlags, omitFlags, pickFlags, readFlags } from './flags.js';
import { forceResult, interruptible } from './interrupt.js';
import type { Io } from './io.js';
import { prometheusFromFlags } from './plugins.js';
import { checkResultsDir, executeScenario, exitCodeFor, prepareTarget } from './run-command.js';
import { refuseAgentFlags, refuseTargetOnlyFlags } from './run-checks.js';
import { RUN_FLAGS, SCENARIO_FLAGS, scenarioFlagValues } from './run-flags.js';
import { targetFromFlags } from './target-flags.js';

/** Scenarios with one steady producer group, whose shape a search can take over. */
const SEARCHABLE = ['high-throughput', 'stability'];

const RATE = { kind: 'number', value: '<rate>', unit: 'rate', min: 0, exclusiveMin: true, group: 'scenario' } as const;

export const CAPACITY_FLAGS = defineFlags([
  {
    name: 'slo',
    kind: 'string',
    value: '<criteria>',
    repeatable: true,
    group: 'scenario',
    description:
      "What every step must meet, as METRIC OP VALUE: 'producer.latency.p99<100' (repeatable or comma-separated; default: the scenario's latency and error criteria)",
  },
  { name: 'min-rate', ...RATE, default: 1000, description: 'Lowest rate tried, records/s: the climb starts here' },
  {
    name: 'max-rate',
    ...RATE,
    default: 1_000_000,
    description: 'Highest rate tried, records/s: the answer is bound "max-rate" when it holds',
  },
  {
    name: 'step-seconds',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    default: 10,
    description: 'Measured window of each step (its phase); longer steps see a growing queue sooner',
  },
  {
    name: 'step-warmup',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    group: 'scenario',
    description: 'Seconds each step runs at its rate before its measured window, not measured (default: half a step, at most 5 s)',
  },
  {
    name: 'resolution',
    kind: 'string',
    value: '<percent>',
    group: 'scenario',
    default: '5%',
    description: 'Bisection stops when the failing and passing rates are this close, e.g. 2%',
  },
  {
    name: 'min-achieved',
    kind: 'number',
    value: '<percent>',
    min: 0,
    exclusiveMin: true,
    max: 100,
    group: 'scenario',
    default: 90,
    description: 'A step also fails when the target acknowledged less than this percent of the offered rate',
  },
]);

/** The scenario's flags that shape the load (its rate and duration are the search's). */
const SHAPE_FLAGS = pickFlags(SCENARIO_FLAGS, ['partitions', 'message-size', 'p99-ms']);
/** `run`'s flags that a search has a use for: no run-wide warm-up (each step has its own), no shards, no start time. */
const SEARCH_RUN_FLAGS = omitFlags(RUN_FLAGS, ['config', 'warmup', 'abort-on-fail', 'shard', 'shards', 'start-at', 'consumers']);

function resolutionPercent(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : Number.NaN;
  if (!(v > 0 && v <= 100)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `--resolution must be a percentage above 0 and at most 100 such as 2%, got ${JSON.stringify(text)}`,
    );
  }
  return v;
}

/** The search's options from the command line; every mistake is refused before any target starts. */
export function capacityFromFlags(scenarioName: string, raw: Record<string, unknown>) {
  if (!SEARCHABLE.includes(scenarioName)) {
    const known = findScenario(scenarioName)
      ? `${scenarioName} does not run one steady producer group`
      : `unknown scenario ${JSON.stringify(scenarioName)}`;
    throw new LoadhouseError('LH_UNKNOWN_SCENARIO', `capacity: ${known}; search with ${SEARCHABLE.join(' or ')}.`);
  }
  const values = scenarioFlagValues(scenarioName, raw);
  const c = readFlags(CAPACITY_FLAGS, raw);
  const scenario = findScenario(scenarioName)!.build({ ...values, duration: 60, targetRate: c.minRate });
  const given = (c.slo ?? []).flatMap((text) => parseCriteria(text, '--slo'));
  const slo: Criterion[] = given.length ? given : defaultSlo(scenario.criteria);
  if (c.maxRate < c.minRate) {
    throw new LoadhouseError('LH_INVALID_OPTION', `--max-rate (${c.maxRate}) must be at least --min-rate (${c.minRate})`);
  }
  const v = values as FlagValues;
  const num = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
  const partitions = num('partitions')!;
  const options = capacityScenario({
    name: `capacity-${scenarioName}`,
    slo,
    minRate: c.minRate,
    maxRate: c.maxRate,
    stepSeconds: c.stepSeconds,
    ...(c.stepWarmup !== undefined ? { stepWarmupSeconds: c.stepWarmup } : {}),
    resolutionPercent: resolutionPercent(c.resolution),
    minAchievedPercent: c.minAchieved,
    produce: {
      partitions,
      producers: num('producers') ?? partitions,
      messageSize: (v.messageSize as number | string | undefined) ?? 1024,
      ...(num('batchSize') !== undefined ? { batchSize: num('batchSize') } : {}),
      ...(num('lingerMs') !== undefined ? { lingerMs: num('lingerMs') } : {}),
      ...(num('maxInFlight') !== undefined ? { maxInFlight: num('maxInFlight') } : {}),
    },
  });
  return { values, scenario: options };
}

export async function capacityCommand(scenarioName: string | undefined, raw: Record<string, unknown>, io: Io): Promise<number> {
  const { values, scenario } = capacityFromFlags(scenarioName ?? 'high-throughput', raw);
  if (targetFromFlags(values, io.env)) refuseAgentFlags(raw);
  refuseTargetOnlyFlags(values);
  agentFaultsFromFlags(values);
  agentS3FromFlags(values, io.env);
  await checkResultsDir(values, raw);
  prometheusFromFlags(values, raw);

  let embedded: EmbeddedTarget | undefined;
  let test: LoadTest | undefined;
  const run = interruptible(io, () => forceResult(test, embedded, io));
  try {
    const prepared = await prepareTarget(values, io);
    embedded = prepared.embedded;
    const onTest = (t: LoadTest) => (test = t);
    const result = await executeScenario(scenario, values, prepared.target, io, run.signal, { embedded, raw, onTest });
    return exitCodeFor(result, run.interrupted() && result.endReason === 'signal');
  } finally {
    run.dispose();
    await embedded?.stop();
  }
}

export const CAPACITY_COMMAND: CommandDefinition = {
  name: 'capacity',
  usage: 'capacity [scenario]',
  description:
    'Find the highest rate the target sustains under an SLO: steps at fixed rates on one set of connections, an exponential ' +
    'climb from --min-rate until a step fails, bisection to --resolution, then the boundary steps once more. Exit 0 when a ' +
    'capacity was found (bound "target" or "max-rate"), 1 when none is claimed (the SLO failed at --min-rate, or the generator could not hold the rates)',
  flags: [...CAPACITY_FLAGS, ...SHAPE_FLAGS, ...SEARCH_RUN_FLAGS],
  examples: [
    "loadhouse capacity --slo 'producer.latency.p99<100' --min-rate 5k --max-rate 500k --step-seconds 10 --resolution 2%",
    "loadhouse capacity high-throughput --target streamhouse:50051 --partitions 10 --slo 'producer.latency.p99<50,producer.errors<=0'",
    'loadhouse capacity --agent-capacity 3000 --min-rate 1000 --step-seconds 2',
  ],
  action: (args, raw, io) => capacityCommand(args[0], raw, io),
};
