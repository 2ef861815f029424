// The flags of `loadhouse run`: the scenario's own (each scenario reads some, with its defaults), then the
// engine's, the target's, the output's, the plugins' and the embedded agent's.
import { isValidTopicName, LoadhouseError, parseKeys, parseSizes, TOPIC_NAME_RULE } from '@loadhouse/core';
import { RECORD_HEADER_SIZE } from '@loadhouse/core/wire';
import { findScenario, SCENARIOS, type FlagValues } from './catalog.js';
import { EMBEDDED_AGENT_FLAGS } from './embedded-target.js';
import { defineFlags, NO_COLOR_FLAG, readFlags, type FlagValuesOf } from './flags.js';
import { SCENARIO_FLAGS } from './scenario-flags.js';

export { SCENARIO_FLAGS };
import { PLUGIN_FLAGS } from './plugins.js';
import { TARGET_FLAGS } from './target-flags.js';

const MiB = 1024 * 1024;

export const RUN_FLAGS = defineFlags([
  {
    name: 'config',
    kind: 'string',
    value: '<file>',
    group: 'run',
    description: 'A loadhouse.config.ts (defineConfig): target, plugins, scenario and engine options; flags override it',
  },
  ...TARGET_FLAGS,
  {
    name: 'topic',
    kind: 'string',
    value: '<name>',
    rule: { valid: isValidTopicName, text: TOPIC_NAME_RULE },
    group: 'run',
    description: `Topic to use, ${TOPIC_NAME_RULE} (default loadhouse-<scenario>)`,
  },
  // Many topics (docs/workload-topics.md).
  {
    name: 'topics',
    kind: 'integer',
    value: '<n>',
    min: 1,
    max: 1000,
    group: 'run',
    description:
      "Spread the load over n topics, each created with the scenario's partitions before any load: producer k of a group writes " +
      'topic k mod n, consumer k reads it (a group with fewer than n members gets one per topic); the result keeps per-topic totals (default 1)',
  },
  {
    name: 'topic-pattern',
    kind: 'string',
    value: '<pattern>',
    group: 'run',
    description:
      'Names of the --topics topics: {i} is the 0-based index, {topic} the --topic name (default {topic}-{i}, e.g. loadhouse-steady-0)',
  },
  {
    name: 'ack-mode',
    kind: 'string',
    value: '<mode>',
    choices: ['buffered', 'durable', 'none'],
    group: 'producer',
    description: 'ProduceBatch ack mode',
    default: 'buffered',
  },
  {
    name: 'idempotent',
    kind: 'boolean',
    group: 'producer',
    description:
      'Idempotent producers: InitProducer, a base sequence on every batch, failed batches retried with the same sequence so the target drops copies it already stored (result.producer.idempotence)',
  },
  {
    name: 'retries',
    kind: 'integer',
    value: '<n>',
    min: 0,
    max: 100,
    group: 'producer',
    description:
      'Send a batch that failed with UNAVAILABLE, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED again up to N times (default 5 with --idempotent or --transactions, else 0; without --idempotent a retry can duplicate records)',
  },
  {
    name: 'transactions',
    kind: 'integer',
    value: '<records>',
    min: 1,
    group: 'producer',
    description:
      'Transactional producers (implies --idempotent): each producer commits every <records> records as one transaction; consumers must read all committed records and none of the aborted ones',
  },
  {
    name: 'abort-ratio',
    kind: 'number',
    value: '<fraction>',
    min: 0,
    max: 1,
    group: 'producer',
    description: 'With --transactions: fraction of transactions aborted instead of committed, drawn from a fixed seed (default 0)',
  },
  // Workload shape (docs/workload.md)
  {
    name: 'keys',
    kind: 'string',
    value: '<dist>',
    group: 'producer',
    description:
      "Record keys: none (default), sequential, uniform:N, zipf:N:S or hot:N:SHARE (hot:1000:0.5 = half the records on one key of 1000). A keyed record goes to the partition Kafka's default partitioner (murmur2) gives its key",
  },
  {
    name: 'key-routing',
    kind: 'string',
    value: '<routing>',
    choices: ['hash', 'pinned'],
    group: 'producer',
    description:
      "With --keys: hash (default) sends each record to its key's partition; pinned keeps each producer on its own partitions, keys riding along",
  },
  {
    name: 'payload',
    kind: 'string',
    value: '<kind>',
    choices: ['random', 'text', 'zeros'],
    group: 'producer',
    description: 'Payload bytes after the record header: random (incompressible, from --seed; default), text (compresses well) or zeros',
  },
  {
    name: 'batch-size',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'producer',
    description: 'Records per ProduceBatch call; a full batch must fit the 4 MiB request a StreamHouse server accepts',
    default: 100,
  },
  {
    name: 'linger-ms',
    kind: 'number',
    value: '<ms>',
    min: 0,
    group: 'producer',
    description: 'Longest a record waits for its batch to fill',
    default: 5,
  },
  {
    name: 'max-in-flight',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'producer',
    description: 'Batches in flight per producer',
    default: 16,
  },
  {
    name: 'producers',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'producer',
    description: 'Producers sharing the rate (default: one per partition)',
  },
  // Traffic shape (docs/workload-traffic.md).
  {
    name: 'arrivals',
    kind: 'string',
    value: '<kind>',
    choices: ['uniform', 'poisson'],
    group: 'producer',
    description:
      'How records arrive: evenly spaced (uniform) or with exponential gaps at the same mean rate (poisson), drawn from --seed; ' +
      'still an open model: the schedule never waits for the target. result.config.producerGroups[].arrivalCv shows the spread (about 1)',
    default: 'uniform',
  },
  {
    name: 'rate-profile',
    kind: 'string',
    value: '<profile>',
    group: 'producer',
    description:
      "A produce rate that changes over time, in place of the scenario's constant rate, e.g. 'ramp:0-100k@60s, hold@300s, spike:3x@10s, step:+10k@30s x5' " +
      '(ramp:<from>-<to>, hold[:<rate>], step:+<n>|-<n>|<rate>, spike:<n>x|+<n>|<rate> (then back), each @<duration>, optionally x<count>; ' +
      'relative segments start from the scenario rate). Each segment is a phase (ramp-1, hold-2, ...) with its own figures and criteria ' +
      '(a criterion on metric phases.hold-2.producer.latency.p99 in a config file); the profile sets the produce time, so leave out --duration',
  },
  {
    name: 'consumers',
    kind: 'integer',
    value: '<n>',
    min: 0,
    group: 'consumer',
    description: 'Consumers (high-throughput: 0; consumer-lag and stability: one per partition)',
  },
  {
    name: 'workers',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'run',
    description:
      'Worker threads generating load (default: chosen from measured headroom: 1, more only when the rate is beyond one worker (~100K msgs/s) and idle cores were measured for them, one left to the embedded agent; the summary says why)',
  },
  {
    name: 'connections',
    kind: 'integer',
    value: '<n>',
    min: 1,
    max: 64,
    group: 'run',
    description: 'gRPC connections per worker (max_connections_per_agent)',
    default: 2,
  },
  {
    name: 'max-calls-per-connection',
    kind: 'integer',
    value: '<n>',
    min: 1,
    max: 1_000_000,
    group: 'run',
    description:
      "Calls in flight per connection, at most, of a worker's producers together; beyond it producers wait, their records late and dropped after the drop time, and the window is flagged as the generator's saturation. Raise it to let a slow target hold more concurrent streams",
    default: 256,
  },
  {
    name: 'warmup',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    group: 'run',
    description:
      'Seconds at the start excluded from the results (default: 3, at most a fifth of the run: the cold start measured in docs/measuring.md; 0 counts every record)',
  },
  {
    name: 'seed',
    kind: 'integer',
    value: '<n>',
    min: 0,
    max: 4294967295,
    group: 'run',
    description:
      'Seed of every random choice (keys, sizes, payload bytes, Poisson arrivals, transaction aborts): the same seed and flags give the same records on the same schedule (default: drawn at random; the result and the summary record it)',
  },
  {
    name: 'abort-on-fail',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    group: 'run',
    description: 'Abort when a live criterion fails for this many seconds (0 = never)',
    default: 0,
  },
  {
    name: 'shard',
    kind: 'string',
    value: '<i/n>',
    group: 'run',
    description: 'Run shard i of n (0-based): rate, producers, consumers and partitions are split deterministically',
  },
  {
    name: 'shards',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'run',
    description: 'Number of shards; the index comes from LOADHOUSE_SHARD_INDEX or JOB_COMPLETION_INDEX (Kubernetes Indexed Job)',
  },
  {
    name: 'run-id',
    kind: 'string',
    value: '<id>',
    group: 'run',
    description: 'Label stored in the result; shards of one run must share it for loadhouse merge',
  },
  {
    name: 'start-at',
    kind: 'string',
    value: '<ISO time>',
    group: 'run',
    description:
      'Set up and connect, then wait until this instant (ISO 8601 with a zone, e.g. 2026-12-02T14:00:00Z; at most 5 s past, 24 h ahead) ' +
      'to start: shards given the same time run the same window',
  },
  {
    name: 'faults',
    kind: 'string',
    value: '<timeline>',
    group: 'run',
    description:
      "Faults to inject: a fault proxy goes between loadhouse and the target's gRPC port (the embedded agent's too) and plays " +
      "this timeline from the run's start, e.g. 'blackhole@30s+10s, latency@60s+20s=50ms, reset@90s' (kind@start+duration=parameter; " +
      'kinds blackhole, latency, reset; s3-throttle, s3-latency, s3-blackhole with the embedded agent on --agent-s3-endpoint, whose S3 ' +
      'endpoint then goes through the proxy; against --target they need `loadhouse proxy`). The result says how the target recovered from each (docs/faults.md)',
  },
  {
    name: 'protocols',
    kind: 'string',
    value: '<list>',
    group: 'target',
    description:
      'Run the same workload through each of these doors in turn (e.g. grpc,rest), each on its own topic and written as its own result, then print one table side by side. With --target, REST goes to --http-target',
  },
  { name: 'results-dir', kind: 'string', value: '<dir>', group: 'output', description: 'Folder for the result JSON', default: 'results' },
  { name: 'html', kind: 'boolean', group: 'output', description: 'Also write a single-file HTML report next to the result JSON' },
  { name: 'json', kind: 'boolean', group: 'output', description: 'Print the result JSON to stdout instead of the summary' },
  { name: 'quiet', kind: 'boolean', group: 'output', description: 'No progress lines' },
  NO_COLOR_FLAG,
  ...PLUGIN_FLAGS,
  ...EMBEDDED_AGENT_FLAGS,
]);

/** The values of `run`'s flags. */
export type RunFlagValues = FlagValuesOf<typeof SCENARIO_FLAGS> & FlagValuesOf<typeof RUN_FLAGS>;

/** Flag values for a scenario: generic flags plus the scenario's own defaults. */
export function scenarioFlagValues(scenarioName: string, raw: Record<string, unknown>): RunFlagValues {
  const entry = findScenario(scenarioName);
  if (!entry) {
    throw new LoadhouseError(
      'LH_UNKNOWN_SCENARIO',
      `Unknown scenario ${JSON.stringify(scenarioName)}. Known scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}.`,
    );
  }
  const values = readFlags([...SCENARIO_FLAGS, ...RUN_FLAGS], raw);
  checkWorkloadFlags(values);
  // A scenario's defaults fill its own flags by key.
  const byKey: FlagValues = values;
  for (const [key, def] of Object.entries(entry.defaults)) if (byKey[key] === undefined) byKey[key] = def;
  return values;
}

/**
 * --message-size, --keys and --key-routing checked as produce() will check them, so a bad value exits 2 before any
 * target starts; a plain size becomes a number (what the scenarios take), a distribution stays its text.
 */
function checkWorkloadFlags(values: FlagValues): void {
  const size = values.messageSize;
  if (typeof size === 'string') {
    const d = parseSizes('--message-size', size, RECORD_HEADER_SIZE);
    if (d.kind === 'fixed' && d.size > 64 * MiB) {
      throw new LoadhouseError('LH_INVALID_OPTION', `--message-size must be at most ${64 * MiB} bytes, got ${d.size}`, {
        details: { flag: 'message-size' },
      });
    }
    values.messageSize = d.kind === 'fixed' ? d.size : size;
  }
  if (typeof values.keys === 'string') {
    const keys = parseKeys('--keys', values.keys);
    if (keys.kind === 'sequential' && values.keyRouting === 'hash') {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        '--key-routing hash does not apply to --keys sequential: each key is used once; use pinned',
        {
          details: { flag: 'key-routing' },
        },
      );
    }
  } else if (values.keyRouting !== undefined) {
    throw new LoadhouseError('LH_INVALID_OPTION', '--key-routing needs --keys (records without keys have nothing to route by)', {
      details: { flag: 'key-routing' },
    });
  }
}
