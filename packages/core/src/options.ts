// Validation and defaults of every option at the public boundary: a bad value fails with LH_INVALID_OPTION
// naming the option, before any connection is opened or any record sent.
import { availableParallelism } from 'node:os';
import { LoadhouseError } from './errors.js';
import { resolveTopicOptions } from './topics.js';
import { checkKeys, invalid, nonNegative, optional, positiveInt, positiveNumber, timerMs, timerSeconds } from './options-rules.js';
import { resolveArrivals } from './options-rules.js';
import { resolveDelivery } from './options-delivery.js';
import { CONSUME_KEYS, LOAD_TEST_KEYS, PRODUCE_KEYS } from './options-keys.js';
import { resolveTarget, type ResolvedTarget } from './options-target.js';
import { runFaults, s3FaultProxy } from './run/faults.js';
import type { FaultProxy } from './proxy/fault-proxy.js';
import type { FaultSpec } from './types/faults.js';
import { validatePlugins } from './plugins/plugin-host.js';
import { AckMode } from './proto/messages.js';
import { resolveStartAt } from './start-at.js';
import { randomSeed } from './util.js';
import { maxSize } from './workload/sizes.js';
import { CALLS_PER_CONNECTION } from './worker/call-budget.js';
import { resolveSizes, resolveWorkload, type ResolvedWorkload } from './options-workload.js';
import type {
  AckModeName,
  ArrivalsKind,
  ConsumeOptions,
  Criterion,
  DeliveryConfig,
  LoadhousePlugin,
  LoadTestOptions,
  Logger,
  ProduceOptions,
  RunConfig,
  StartOffset,
} from './types.js';

const MiB = 1024 * 1024;
/** The client's request limit (grpc max send message length). */
export const MAX_REQUEST_BYTES = 64 * MiB;
/** StreamHouse keeps gRPC's default receive limit: bigger requests are refused by a real server. */
export const SERVER_DEFAULT_REQUEST_BYTES = 4 * MiB;
/** Protobuf framing of one record inside a ProduceBatchRequest, at most (two tags and two length varints). */
const RECORD_FRAMING_BYTES = 12;
/**
 * The highest produce rate, records per second. Counts are JavaScript numbers, exact up to 2^53: at this rate a
 * run of 100 days stays exact, so scheduled = acked + failed + dropped still adds up. No generator comes near it.
 */
export const MAX_PRODUCE_RATE = 1e9;

/**
 * A topic name every door of StreamHouse takes: the Kafka door's rule (1-249 letters, digits, '.', '_', '-';
 * not '.' or '..'), which also keeps the name one path segment of the S3 key data/{topic}/{partition}/...
 */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
export const TOPIC_NAME_RULE = "1-249 letters, digits, '.', '_' or '-' (not '.' or '..')";

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** Bytes of a full ProduceBatchRequest: what a server's receive limit is compared with. */
export function batchRequestBytes(batchSize: number, messageSize: number, topic: string): number {
  return batchSize * (messageSize + RECORD_FRAMING_BYTES) + topic.length + 32;
}

/** The largest batch of `messageSize` records that fits `limit` bytes. */
export function maxBatchSize(messageSize: number, topic: string, limit: number): number {
  return Math.floor((limit - topic.length - 32) / (messageSize + RECORD_FRAMING_BYTES));
}

type RecordedSetting =
  | 'maxWorkers'
  | 'connections'
  | 'intervalMs'
  | 'warmupSeconds'
  | 'drainTimeoutMs'
  | 'dropAfterMs'
  | 'ackMode'
  | 'resultsDir'
  | 'checkpointSeconds'
  | 'shard';

/** The options as a run uses them; the settings a result's config records keep the config's types. */
export interface ResolvedOptions extends Pick<RunConfig, RecordedSetting> {
  maxCallsPerConnection: number;
  target: ResolvedTarget;
  plugins: LoadhousePlugin[];
  topic: string | undefined;
  workers: number | undefined;
  signal: AbortSignal | undefined;
  runId: string | undefined;
  /** Epoch ms of the synchronised start, if any. */
  startAt: number | undefined;
  labels: Record<string, string>;
  instrument: boolean;
  /** Seed of the run's random choices: `options.seed`, or drawn at random. */
  seed: number;
  logger: Logger | undefined;
  criteria: Criterion[];
  /** The fault timeline a proxy in front of the target plays during the run (`options.faults`). */
  faults: FaultSpec[] | undefined;
  /** The caller's proxy in front of the target's S3 endpoint, for the timeline's s3-* faults. */
  s3FaultProxy: FaultProxy | undefined;
  /** Null: each batch is sent once, without a producer id. */
  delivery: DeliveryConfig | null;
  /** Topics the run spreads its producers and consumers over (`options.topics`, default 1). */
  topics: number;
  /** Their names' pattern (`options.topicPattern`); absent: `{topic}-{i}` with many topics. */
  topicPattern: string | undefined;
}

/** `controller.produce()` options, validated, with defaults; the workload shape from options-workload.ts. */
export interface ResolvedProduceOptions extends ResolvedWorkload {
  rate: number;
  producers: number;
  partitions: number | undefined;
  messageSize: number;
  batchSize: number;
  lingerMs: number;
  maxInFlight: number;
  messagesPerProducer: number | undefined;
  /** Bytes of a full ProduceBatch request. */
  batchBytes: number;
  /** The highest rate the group is expected to reach (at least `rate`): what the worker count is chosen for. */
  peakRate: number;
  arrivals: ArrivalsKind;
}

/** `controller.consume()` options, validated, with defaults. */
export interface ResolvedConsumeOptions {
  rate: number | 'max';
  consumers: number;
  partitions: number | undefined;
  startAt: StartOffset;
  /** Consumer group name (given, or `loadhouse-<topic>`). */
  group: string;
  maxRecords: number;
  maxInFlight: number;
  /** 0 = never. */
  commitEverySeconds: number;
}

const START_OFFSETS: readonly StartOffset[] = ['earliest', 'latest', 'committed'];
const CRITERION_KEYS = ['metric', 'op', 'value', 'unit', 'label', 'live', 'abortAfterSeconds', 'notApplicable'] as const;

/** Validates LoadTestOptions and fills in defaults. Throws LH_INVALID_OPTION, LH_PLUGIN_INVALID or LH_PLUGIN_VERSION_MISMATCH. */
export function resolveOptions(options: LoadTestOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKeys('options', options, LOAD_TEST_KEYS);
  const o = options;
  if (o.target === undefined) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      "options.target is required: the gRPC address 'host:port' of a StreamHouse server or agent",
    );
  }
  const target = resolveTarget(o.target);
  const plugins = validatePlugins(o.plugins);
  if (o.topic !== undefined && (typeof o.topic !== 'string' || !isValidTopicName(o.topic)))
    throw invalid('options.topic', TOPIC_NAME_RULE, o.topic);
  const workers = o.workers === undefined ? undefined : positiveInt('options.workers', o.workers, 1024);
  const ackModes: AckModeName[] = ['buffered', 'durable', 'none'];
  if (o.ackMode !== undefined && !ackModes.includes(o.ackMode))
    throw invalid('options.ackMode', "'buffered', 'durable' or 'none'", o.ackMode);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw invalid('options.signal', 'an AbortSignal', o.signal);
  if (o.resultsDir !== undefined && o.resultsDir !== false && (typeof o.resultsDir !== 'string' || o.resultsDir === '')) {
    throw invalid('options.resultsDir', 'a folder path or false', o.resultsDir);
  }
  let shard: ResolvedOptions['shard'] = null;
  if (o.shard !== undefined) {
    if (typeof o.shard !== 'object' || o.shard === null) throw invalid('options.shard', 'an object { index, count }', o.shard);
    const count = positiveInt('options.shard.count', o.shard.count);
    const index = o.shard.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      throw invalid('options.shard.index', `an integer from 0 to ${count - 1}`, index);
    }
    shard = { index, count };
  }
  if (o.runId !== undefined && typeof o.runId !== 'string') throw invalid('options.runId', 'a string', o.runId);
  const labels = validateLabels('options.labels', o.labels);
  if (o.instrument !== undefined && typeof o.instrument !== 'boolean') throw invalid('options.instrument', 'a boolean', o.instrument);
  if (o.logger !== undefined) {
    const l = o.logger as unknown as Record<string, unknown>;
    if (typeof l !== 'object' || l === null || !['debug', 'info', 'warn', 'error'].every((k) => typeof l[k] === 'function')) {
      throw invalid('options.logger', 'an object with debug, info, warn and error functions', o.logger);
    }
  }
  const criteria = o.criteria === undefined ? [] : validateCriteria('options.criteria', o.criteria);
  const seed = o.seed ?? randomSeed();
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)) {
    throw invalid('options.seed', 'an integer from 0 to 4294967295', o.seed);
  }
  // With faults, windows of 200 ms time an outage and its recovery to a fifth of a second (docs/faults.md).
  const intervalMs = optional(o.intervalMs, (v) => timerMs('options.intervalMs', v), o.faults === undefined ? 1000 : 200);
  if (intervalMs < 50) throw invalid('options.intervalMs', 'at least 50 (ms)', intervalMs);
  return {
    target,
    plugins,
    topic: o.topic,
    workers,
    maxWorkers: workers ?? availableParallelism(),
    connections: optional(o.connections, (v) => positiveInt('options.connections', v, 256), 2),
    maxCallsPerConnection: optional(
      o.maxCallsPerConnection,
      (v) => positiveInt('options.maxCallsPerConnection', v, 1_000_000),
      CALLS_PER_CONNECTION,
    ),
    intervalMs,
    warmupSeconds: optional(o.warmupSeconds, (v) => nonNegative('options.warmupSeconds', v), 0),
    drainTimeoutMs: optional(o.drainTimeoutMs, (v) => timerMs('options.drainTimeoutMs', v, true), 10_000),
    dropAfterMs: optional(o.dropAfterMs, (v) => timerMs('options.dropAfterMs', v), 10_000),
    ackMode: o.ackMode ?? 'buffered',
    delivery: resolveDelivery(o.delivery, seed),
    signal: o.signal,
    resultsDir: o.resultsDir === undefined ? 'results' : o.resultsDir,
    checkpointSeconds: optional(o.checkpointSeconds, (v) => nonNegative('options.checkpointSeconds', v), 60),
    shard,
    runId: o.runId,
    startAt: o.startAt === undefined ? undefined : resolveStartAt('options.startAt', o.startAt),
    labels,
    instrument: o.instrument ?? true,
    seed,
    logger: o.logger,
    criteria,
    faults: o.faults === undefined ? undefined : runFaults(o.faults, 'options.faults', s3FaultProxy(o.s3FaultProxy)),
    s3FaultProxy: o.s3FaultProxy,
    ...resolveTopicOptions(o.topics, o.topicPattern),
  };
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Run labels: an object of string values whose names Prometheus accepts (not `__`-prefixed, which it reserves). */
export function validateLabels(name: string, labels: unknown): Record<string, string> {
  if (labels === undefined) return {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw invalid(name, 'an object of string values', labels);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) {
      throw invalid(`${name}: "${k}"`, 'a label name (letters, digits, _; not starting with a digit or __)', k);
    }
    if (typeof v !== 'string') throw invalid(`${name}.${k}`, 'a string', v);
    out[k] = v;
  }
  return out;
}

const OPS = ['<', '<=', '>', '>=', '=='];

export function validateCriteria(name: string, criteria: unknown): Criterion[] {
  if (!Array.isArray(criteria)) throw invalid(name, 'an array of criteria', criteria);
  return criteria.map((c: unknown, i) => validateCriterion(`${name}[${i}]`, c));
}

export function validateCriterion(name: string, c: unknown): Criterion {
  if (typeof c !== 'object' || c === null) throw invalid(name, 'a criterion { metric, op, value }', c);
  const o = c as Record<string, unknown>;
  if (typeof o.metric !== 'string' || o.metric === '')
    throw invalid(`${name}.metric`, "a metric path like 'producer.latency.p99'", o.metric);
  if (typeof o.op !== 'string' || !OPS.includes(o.op)) throw invalid(`${name}.op`, `one of ${OPS.join(' ')}`, o.op);
  if (typeof o.value !== 'number' || !Number.isFinite(o.value)) throw invalid(`${name}.value`, 'a finite number', o.value);
  if (o.abortAfterSeconds !== undefined) nonNegative(`${name}.abortAfterSeconds`, o.abortAfterSeconds);
  if (o.live !== undefined && typeof o.live !== 'boolean') throw invalid(`${name}.live`, 'true or false', o.live);
  for (const k of ['unit', 'label'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'string') throw invalid(`${name}.${k}`, 'a string', o[k]);
  // The reason is what the summary shows in place of a verdict: it must say something.
  if (o.notApplicable !== undefined && (typeof o.notApplicable !== 'string' || o.notApplicable.trim() === '')) {
    throw invalid(`${name}.notApplicable`, 'the reason the criterion cannot judge this run', o.notApplicable);
  }
  // A misspelled key (`abortAfter`) would silently turn its behaviour off.
  checkKeys(name, o, CRITERION_KEYS);
  return c as Criterion;
}

export const ACK_MODES: Record<AckModeName, AckMode> = {
  buffered: AckMode.ACK_BUFFERED,
  durable: AckMode.ACK_DURABLE,
  none: AckMode.ACK_NONE,
};

/** Validates `controller.produce()` options; messages name the option (`options.rate must be ...`). */
export function resolveProduceOptions(options: ProduceOptions, ctx: { topic: string; instrument: boolean }): ResolvedProduceOptions {
  if (typeof options !== 'object' || options === null) throw invalid('produce options', 'an object', options);
  checkKeys('options', options, PRODUCE_KEYS);
  const o = options;
  const rate = positiveNumber('options.rate', o.rate);
  if (rate > MAX_PRODUCE_RATE)
    throw invalid('options.rate', `at most ${MAX_PRODUCE_RATE} records per second (beyond it counts lose precision)`, rate);
  const producers = optional(o.producers, (v) => positiveInt('options.producers', v, 1_000_000), 1);
  const partitions = o.partitions === undefined ? undefined : positiveInt('options.partitions', o.partitions, 1_000_000);
  const sizes = resolveSizes(o.messageSize, ctx.instrument);
  const messageSize = maxSize(sizes);
  const maxMessage = MAX_REQUEST_BYTES - batchRequestBytes(0, 0, ctx.topic) - RECORD_FRAMING_BYTES;
  if (messageSize > maxMessage) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.messageSize must be at most ${maxMessage} bytes (a 64 MiB request), got ${messageSize}`,
      {
        details: { option: 'options.messageSize', value: messageSize },
      },
    );
  }
  const batchSize = optional(o.batchSize, (v) => positiveInt('options.batchSize', v), 100);
  const batchBytes = batchRequestBytes(batchSize, messageSize, ctx.topic);
  if (batchBytes > MAX_REQUEST_BYTES) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.batchSize x options.messageSize must fit a 64 MiB request: ${batchSize} x ${messageSize} B is ${batchBytes} B. ` +
        `Use batchSize <= ${maxBatchSize(messageSize, ctx.topic, MAX_REQUEST_BYTES)}.`,
      { details: { option: 'options.batchSize', value: batchSize } },
    );
  }
  const lingerMs = optional(o.lingerMs, (v) => nonNegative('options.lingerMs', v), 5);
  const maxInFlight = optional(o.maxInFlight, (v) => positiveInt('options.maxInFlight', v, 100_000), 16);
  const messagesPerProducer =
    o.messagesPerProducer === undefined ? undefined : positiveInt('options.messagesPerProducer', o.messagesPerProducer);
  return {
    rate,
    producers,
    partitions,
    messageSize,
    batchSize,
    lingerMs,
    maxInFlight,
    messagesPerProducer,
    batchBytes,
    peakRate: o.peakRate === undefined ? rate : Math.max(rate, positiveNumber('options.peakRate', o.peakRate)),
    ...resolveWorkload(o, sizes),
    arrivals: resolveArrivals(o.arrivals),
  };
}

/** A consumer group's rate: records per second or 'max' (0, pausing the group, only where `allowZero`). */
export function checkConsumerRate(name: string, rate: unknown, allowZero: boolean): number | 'max' {
  if (rate === 'max') return rate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || (!allowZero && rate === 0)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `${name} must be ${allowZero ? 'a number >= 0 (0 pauses the group)' : 'a positive number'} of records per second or 'max', got ${typeof rate === 'string' ? JSON.stringify(rate) : String(rate)}`,
    );
  }
  return rate;
}

/** Validates `controller.consume()` options; messages name the option. */
export function resolveConsumeOptions(options: ConsumeOptions, ctx: { topic: string }): ResolvedConsumeOptions {
  if (typeof options !== 'object' || options === null) throw invalid('consume options', 'an object', options);
  checkKeys('options', options, CONSUME_KEYS);
  const o = options;
  const rate = checkConsumerRate('options.rate', o.rate, false);
  const consumers = optional(o.consumers, (v) => positiveInt('options.consumers', v, 1_000_000), 1);
  const partitions = o.partitions === undefined ? undefined : positiveInt('options.partitions', o.partitions, 1_000_000);
  if (o.startAt !== undefined && !START_OFFSETS.includes(o.startAt))
    throw invalid('options.startAt', "'earliest', 'latest' or 'committed'", o.startAt);
  if (o.group !== undefined && (typeof o.group !== 'string' || o.group === ''))
    throw invalid('options.group', 'a non-empty string', o.group);
  const maxRecords = optional(o.maxRecords, (v) => positiveInt('options.maxRecords', v, 100_000), 500);
  const maxInFlight = optional(o.maxInFlight, (v) => positiveInt('options.maxInFlight', v, 10_000), 4);
  const commitEverySeconds = o.commitEverySeconds === undefined ? 0 : timerSeconds('options.commitEverySeconds', o.commitEverySeconds);
  return {
    rate,
    consumers,
    partitions,
    startAt: o.startAt ?? 'earliest',
    group: o.group ?? `loadhouse-${ctx.topic}`,
    maxRecords,
    maxInFlight,
    commitEverySeconds,
  };
}
