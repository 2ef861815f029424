// What `run` and `suite` refuse before any load: flags the scenario or the target would silently ignore,
// shards that would send nothing, and batches a StreamHouse server would refuse.
import {
  batchRequestBytes,
  LoadhouseError,
  maxBatchSize,
  maxSize,
  parseSizes,
  SERVER_DEFAULT_REQUEST_BYTES,
  topicNames,
} from '@loadhouse/core';
import { SCENARIOS, type FlagValues, type ScenarioEntry } from './catalog.js';
import { EMBEDDED_AGENT_FLAGS } from './embedded-target.js';
import { camel, rawFlag, type FlagSpec } from './flags.js';
import { RUN_FLAGS, SCENARIO_FLAGS, scenarioFlagValues } from './run-flags.js';

const given = (raw: Record<string, unknown>, f: FlagSpec) => rawFlag(raw, f) !== undefined;

/** The flags a scenario's build reads (with its defaults), found by watching it read them. */
function flagsRead(entry: ScenarioEntry): Set<string> {
  const read = new Set<string>();
  const values: FlagValues = scenarioFlagValues(entry.name, {});
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
  const sizeFlag = values.messageSize as number | string | undefined;
  if (sizeFlag === undefined) return;
  // A distribution's largest size is what a full batch may reach.
  const messageSize = typeof sizeFlag === 'number' ? sizeFlag : maxSize(parseSizes('--message-size', sizeFlag, 1));
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

/** `--topics` and `--topic-pattern` make valid, distinct topic names: checked before the embedded agent starts. */
export function refuseBadTopics(values: FlagValues, scenarioName: string): void {
  const topic = typeof values.topic === 'string' ? values.topic : `loadhouse-${scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
  topicNames(topic, values.topics, values.topicPattern, { topics: '--topics', pattern: '--topic-pattern' });
}

/** `--agent-*` flags shape the embedded agent, which `--target` replaces: refuse them together. */
export function refuseAgentFlags(raw: Record<string, unknown>): void {
  const agentFlags = EMBEDDED_AGENT_FLAGS.filter((f) => given(raw, f));
  if (agentFlags.length === 0) return;
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `${agentFlags.map((f) => `--${f.name}`).join(', ')} ${agentFlags.length > 1 ? 'configure' : 'configures'} the embedded agent, which is not started when --target is given`,
    { details: { flags: agentFlags.map((f) => f.name) } },
  );
}

/** A rate profile sets how long the scenario produces: a --duration beside it would be silently ignored. */
export function refuseDurationWithProfile(raw: Record<string, unknown>): void {
  const duration = SCENARIO_FLAGS.find((f) => f.name === 'duration')!;
  const profile = RUN_FLAGS.find((f) => f.name === 'rate-profile')!;
  if (!given(raw, duration) || !given(raw, profile)) return;
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    '--duration and --rate-profile both set how long the scenario produces: leave out --duration (the profile lasts as long as its segments together)',
    { details: { flags: ['duration', 'rate-profile'] } },
  );
}
