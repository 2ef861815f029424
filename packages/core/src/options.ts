// Validation and defaults of every option at the public boundary: a bad value fails with LH_INVALID_OPTION
// naming the option, before any connection is opened or any record sent.
import { availableParallelism } from 'node:os';
import { LoadhouseError } from './errors.js';
import { validatePlugins } from './plugins/plugin-host.js';
import { checkConsumerRate, type ResolvedConsumeOptions } from './pools/consumer-pool.js';
import type { ResolvedProduceOptions } from './pools/producer-pool.js';
import { AckMode } from './proto/messages.js';
import { resolveDriverOption, type ResolvedDriver } from './driver/load.js';
import { checkTls, splitHostPort, type TlsOptions } from './proto/client.js';
import { RECORD_HEADER_SIZE } from './record-header.js';
import { resolveStartAt } from './start-at.js';
import { MAX_TIMEOUT_SECONDS, MAX_TIMER_MS } from './timers.js';
import type {
  AckModeName,
  ConsumeOptions,
  Criterion,
  LoadhousePlugin,
  LoadTestOptions,
  Logger,
  ProduceOptions,
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

/**
 * True when `pid` is a process on this machine. Signal 0 checks without sending anything; EPERM means the
 * process exists but belongs to another user, which is still measurable from /proc.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ResolvedTarget {
  address: string;
  httpAddress: string | undefined;
  organizationId: string | undefined;
  tls: TlsOptions | boolean | undefined;
  metadata: Record<string, string> | undefined;
  connectTimeoutMs: number;
  deadlineMs: number;
  pid: number | undefined;
  unreachableAfterMs: number;
  /** A third-party driver module; undefined for the built-in gRPC one. */
  driver: ResolvedDriver | undefined;
}

export interface ResolvedOptions {
  target: ResolvedTarget;
  plugins: LoadhousePlugin[];
  topic: string | undefined;
  workers: number | undefined;
  maxWorkers: number;
  connections: number;
  intervalMs: number;
  warmupSeconds: number;
  drainTimeoutMs: number;
  dropAfterMs: number;
  ackMode: AckModeName;
  signal: AbortSignal | undefined;
  resultsDir: string | false;
  checkpointSeconds: number;
  shard: { index: number; count: number } | null;
  runId: string | undefined;
  /** Epoch ms of the synchronised start, if any. */
  startAt: number | undefined;
  labels: Record<string, string>;
  instrument: boolean;
  logger: Logger | undefined;
  criteria: Criterion[];
  /** Test-only: makes a worker die (see WorkerInit.crash). */
  crash: { afterMs: number; mode: 'throw' | 'exit' } | undefined;
}

/** Options only the engine's own tests use; not part of the public types. */
export interface InternalLoadTestOptions extends LoadTestOptions {
  __crashWorkerAfterMs?: number;
  __crashWorkerMode?: 'throw' | 'exit';
}

function fmt(v: unknown): string {
  // A 5000-character value would bury the message: its start and its length say enough.
  if (typeof v === 'string') return v.length > 80 ? `${JSON.stringify(v.slice(0, 40))}... (${v.length} characters)` : JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

function invalid(name: string, rule: string, v: unknown): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `${name} must be ${rule}, got ${fmt(v)}`, {
    details: { option: name, value: typeof v === 'object' ? undefined : v },
  });
}

/**
 * gRPC sends metadata values as HTTP/2 header values: printable ASCII only (grpc-js throws, printing the value,
 * at the first call otherwise). The value is often a credential, so the error names the position, never the value.
 */
export function checkMetadataValue(name: string, value: string): void {
  const at = value.search(/[^\x20-\x7e]/);
  if (at < 0) return;
  const code = value.codePointAt(at)!;
  const what =
    code === 0x0a || code === 0x0d ? 'a line break' : code < 0x20 || code === 0x7f ? 'a control character' : 'a non-ASCII character';
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `${name} has ${what} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at position ${at + 1} of ${value.length}: ` +
      'gRPC metadata values must be printable ASCII. The value is not shown, as it may be a secret.',
    { details: { option: name } },
  );
}

/** Metadata keys as gRPC accepts them (letters, digits, `-`, `_`, `.`; grpc-js lower-cases them before sending). */
function checkMetadataKey(name: string, key: string): void {
  if (!/^[0-9a-z_.-]+$/.test(key.toLowerCase())) throw invalid(name, 'a metadata key of letters, digits, "-", "_" or "."', key);
}

function positiveNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalid(name, 'a positive number', v);
  return v;
}
function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(name, 'a number >= 0', v);
  return v;
}
function positiveInt(name: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw invalid(name, 'a positive integer', v);
  if (v > max) throw invalid(name, `an integer no greater than ${max}`, v);
  return v;
}
/** A target PID that is not running would leave the target's memory and CPU silently unmeasured. */
function runningPid(name: string, v: unknown): number {
  const pid = positiveInt(name, v);
  if (!processExists(pid)) throw invalid(name, 'the PID of a running process on this machine', pid);
  return pid;
}
/**
 * A timeout or period in ms that a single timer holds: weeks-long timeouts are mistakes (seconds given as
 * ms, a unit slip), and a longer setTimeout would fire at once.
 */
function timerMs(name: string, v: unknown, allowZero = false): number {
  const ms = allowZero ? nonNegative(name, v) : positiveNumber(name, v);
  if (ms > MAX_TIMER_MS) throw invalid(name, `at most ${MAX_TIMER_MS} ms (24.8 days; a timer cannot wait longer)`, v);
  return ms;
}
function timerSeconds(name: string, v: unknown): number {
  const seconds = positiveNumber(name, v);
  if (seconds > MAX_TIMEOUT_SECONDS) throw invalid(name, `at most ${MAX_TIMEOUT_SECONDS} s (24.8 days; a timer cannot wait longer)`, v);
  return seconds;
}
function optional<T>(v: T | undefined, f: (v: T) => T, dflt: T): T {
  return v === undefined ? dflt : f(v);
}

function checkKeys(name: string, obj: object, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k) && !k.startsWith('__')) {
      throw new LoadhouseError('LH_INVALID_OPTION', `${name}.${k} is not an option loadhouse knows (known: ${allowed.join(', ')})`, {
        details: { option: `${name}.${k}` },
      });
    }
  }
}

const LOAD_TEST_KEYS = [
  'target',
  'plugins',
  'topic',
  'workers',
  'connections',
  'intervalMs',
  'warmupSeconds',
  'drainTimeoutMs',
  'dropAfterMs',
  'ackMode',
  'signal',
  'resultsDir',
  'checkpointSeconds',
  'shard',
  'runId',
  'startAt',
  'labels',
  'instrument',
  'logger',
  'criteria',
] as const;
const TARGET_KEYS = [
  'address',
  'httpAddress',
  'organizationId',
  'tls',
  'metadata',
  'connectTimeoutMs',
  'deadlineMs',
  'pid',
  'unreachableAfterMs',
  'driver',
] as const;
const PRODUCE_KEYS = [
  'rate',
  'producers',
  'partitions',
  'messageSize',
  'batchSize',
  'lingerMs',
  'maxInFlight',
  'messagesPerProducer',
  'payload',
] as const;
const CONSUME_KEYS = ['rate', 'consumers', 'partitions', 'startAt', 'group', 'maxRecords', 'maxInFlight', 'commitEverySeconds'] as const;
const START_OFFSETS: readonly StartOffset[] = ['earliest', 'latest', 'committed'];
const CRITERION_KEYS = ['metric', 'op', 'value', 'unit', 'label', 'live', 'abortAfterSeconds', 'notApplicable'] as const;

/**
 * `host:port` (port 1-65535, IPv6 in brackets), or a gRPC name URI grpc-js resolves itself (`dns:`, `unix:`,
 * `ipv4:`, `ipv6:`). An http(s) URL is the HTTP side, not the gRPC one.
 */
function checkGrpcAddress(address: string): void {
  if (/^(dns|unix|unix-abstract|ipv4|ipv6|vsock):/.test(address)) return;
  if (/^https?:\/\//i.test(address)) {
    throw invalid(
      'options.target.address',
      "a gRPC address 'host:port', not a URL (an http:// address belongs in target.httpAddress)",
      address,
    );
  }
  const port = splitHostPort(address)?.port ?? NaN;
  if (!(port >= 1 && port <= 65535)) throw invalid('options.target.address', "a gRPC address 'host:port' with a port 1-65535", address);
}

function resolveTarget(target: unknown): ResolvedTarget {
  const t = typeof target === 'string' ? { address: target } : target;
  if (typeof t !== 'object' || t === null) throw invalid('options.target', "an address 'host:port' or target options", target);
  checkKeys('options.target', t, TARGET_KEYS);
  const o = t as Record<string, unknown>;
  const address = o.address;
  if (typeof address !== 'string' || address.trim() === '' || /\s/.test(address)) {
    throw invalid('options.target.address', "a gRPC address 'host:port'", address);
  }
  // Another protocol's driver reads its own address form.
  if (o.driver === undefined) checkGrpcAddress(address);
  if (o.httpAddress !== undefined && (typeof o.httpAddress !== 'string' || !/^https?:\/\//.test(o.httpAddress))) {
    throw invalid('options.target.httpAddress', "an http(s) URL like 'http://host:8080'", o.httpAddress);
  }
  if (o.organizationId !== undefined && (typeof o.organizationId !== 'string' || o.organizationId === '')) {
    throw invalid('options.target.organizationId', 'a non-empty string', o.organizationId);
  }
  if (typeof o.organizationId === 'string') checkMetadataValue('options.target.organizationId', o.organizationId);
  if (o.tls !== undefined && typeof o.tls !== 'boolean' && (typeof o.tls !== 'object' || o.tls === null)) {
    throw invalid('options.target.tls', 'true or TLS options { ca, cert, key, serverName }', o.tls);
  }
  if (typeof o.tls === 'object' && o.tls !== null) checkTls(o.tls as TlsOptions);
  if (o.metadata !== undefined) {
    if (typeof o.metadata !== 'object' || o.metadata === null) throw invalid('options.target.metadata', 'an object of strings', o.metadata);
    for (const [k, v] of Object.entries(o.metadata)) {
      checkMetadataKey('options.target.metadata', k);
      if (typeof v !== 'string') throw invalid(`options.target.metadata.${k}`, 'a string', v);
      checkMetadataValue(`options.target.metadata.${k}`, v);
    }
  }
  return {
    address,
    httpAddress: o.httpAddress as string | undefined,
    organizationId: o.organizationId as string | undefined,
    tls: o.tls as TlsOptions | boolean | undefined,
    metadata: o.metadata as Record<string, string> | undefined,
    connectTimeoutMs: optional(o.connectTimeoutMs, (v) => timerMs('options.target.connectTimeoutMs', v), 5000) as number,
    deadlineMs: optional(o.deadlineMs, (v) => timerMs('options.target.deadlineMs', v), 30_000) as number,
    pid: optional(o.pid, (v) => runningPid('options.target.pid', v), undefined as unknown) as number | undefined,
    unreachableAfterMs: optional(o.unreachableAfterMs, (v) => timerMs('options.target.unreachableAfterMs', v), 5000) as number,
    driver: resolveDriverOption(o.driver),
  };
}

/** Validates LoadTestOptions and fills in defaults. Throws LH_INVALID_OPTION, LH_PLUGIN_INVALID or LH_PLUGIN_VERSION_MISMATCH. */
export function resolveOptions(options: LoadTestOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  checkKeys('options', options, LOAD_TEST_KEYS);
  const o = options as InternalLoadTestOptions;
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
  const intervalMs = optional(o.intervalMs, (v) => timerMs('options.intervalMs', v), 1000);
  if (intervalMs < 50) throw invalid('options.intervalMs', 'at least 50 (ms)', intervalMs);
  let crash: ResolvedOptions['crash'];
  if (o.__crashWorkerAfterMs !== undefined) crash = { afterMs: o.__crashWorkerAfterMs, mode: o.__crashWorkerMode ?? 'throw' };
  return {
    target,
    plugins,
    topic: o.topic,
    workers,
    maxWorkers: workers ?? availableParallelism(),
    connections: optional(o.connections, (v) => positiveInt('options.connections', v, 256), 2),
    intervalMs,
    warmupSeconds: optional(o.warmupSeconds, (v) => nonNegative('options.warmupSeconds', v), 0),
    drainTimeoutMs: optional(o.drainTimeoutMs, (v) => timerMs('options.drainTimeoutMs', v, true), 10_000),
    dropAfterMs: optional(o.dropAfterMs, (v) => timerMs('options.dropAfterMs', v), 10_000),
    ackMode: o.ackMode ?? 'buffered',
    signal: o.signal,
    resultsDir: o.resultsDir === undefined ? 'results' : o.resultsDir,
    checkpointSeconds: optional(o.checkpointSeconds, (v) => nonNegative('options.checkpointSeconds', v), 60),
    shard,
    runId: o.runId,
    startAt: o.startAt === undefined ? undefined : resolveStartAt('options.startAt', o.startAt),
    labels,
    instrument: o.instrument ?? true,
    logger: o.logger,
    criteria,
    crash,
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
  const messageSize = optional(o.messageSize, (v) => positiveInt('options.messageSize', v), 1024);
  if (ctx.instrument && messageSize < RECORD_HEADER_SIZE) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.messageSize must be at least ${RECORD_HEADER_SIZE} bytes (the loadhouse record header), got ${messageSize}`,
      { details: { option: 'options.messageSize', value: messageSize } },
    );
  }
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
  if (o.payload !== undefined && o.payload !== 'random' && o.payload !== 'compressible') {
    throw invalid('options.payload', "'random' or 'compressible'", o.payload);
  }
  return {
    rate,
    producers,
    partitions,
    messageSize,
    batchSize,
    lingerMs,
    maxInFlight,
    messagesPerProducer,
    payload: o.payload ?? 'random',
    batchBytes,
  };
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
