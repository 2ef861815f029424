// Options of a load test and of the controller's produce() and consume() calls.
import type { ProtocolName } from '../driver/builtin.js';
import type { DriverOption } from '../driver/load.js';
import type { TlsOptions } from '../proto/client.js';
import type { Criterion } from './criteria.js';
import type { FaultSpec } from './faults.js';
import type { FaultProxy } from '../proxy/fault-proxy.js';
import type { DeliveryOptions } from './delivery.js';
import type { ArrivalsKind } from './traffic.js';
import type { Logger, LoadhousePlugin } from './plugins.js';

export type AckModeName = 'buffered' | 'durable' | 'none';

export interface TargetOptions {
  /** gRPC address `host:port` of a StreamHouse server or agent. */
  address: string;
  /** Base HTTP address (`http://host:8080`) for /health, /ready and /metrics, when known. */
  httpAddress?: string;
  /** Sent as `x-organization-id` on every call. */
  organizationId?: string;
  tls?: TlsOptions | boolean;
  /** Extra call metadata, e.g. `{ authorization: 'Bearer …' }`. */
  metadata?: Record<string, string>;
  /** How long to wait for the first connection before failing with LH_TARGET_UNREACHABLE (default 5000). */
  connectTimeoutMs?: number;
  /** Deadline of each call in milliseconds (default 30000). */
  deadlineMs?: number;
  /** PID of the target process on this machine, for the resource monitor (RSS, CPU). */
  pid?: number;
  /**
   * The run fails with endReason `target-unreachable` when calls keep failing with UNAVAILABLE and none
   * succeeds for this long in the middle of a run (default 5000 ms).
   */
  unreachableAfterMs?: number;
  /**
   * The driver that speaks to the target: a module specifier (a package, a path or a file: URL) whose default
   * export is defineDriver(...), or `{ module, options }`. Default: the built-in gRPC StreamHouse driver.
   */
  driver?: DriverOption;
  /**
   * The door of the target to go through: `grpc` (default; `address` is host:port), `rest` (StreamHouse's REST
   * API; `address` is its base URL, `http://host:8080`) or `kafka` (the Kafka door, `address` is `host:9092`;
   * needs the @loadhouse/driver-kafka package). Leave it out with `driver`, or give `driver: { options }` alone
   * to pass options to the built-in driver of the door.
   */
  protocol?: ProtocolName;
  // --- Kafka door (issue 15) ---
  /**
   * SASL/PLAIN credentials, for drivers whose protocol logs in that way (the Kafka door). Never recorded in
   * results or printed.
   */
  sasl?: SaslCredentials;
}

/** SASL/PLAIN credentials (a StreamHouse Kafka door takes the organization id as username). */
export interface SaslCredentials {
  username: string;
  password: string;
}

export interface LoadTestOptions {
  /** The StreamHouse target: an address string `host:port` or full target options. */
  target: string | TargetOptions;
  plugins?: LoadhousePlugin[];
  /** Topic the scenario produces to and consumes from (default `loadhouse-<scenario>`). */
  topic?: string;
  /**
   * Worker threads for producers and consumers. Default: chosen at the first producer group from measured
   * headroom: one, more only when the rate is beyond one worker's (~100K msgs/s) and idle cores were measured
   * for them (a core left to a target on this machine); `result.generator.workerChoice` says why.
   */
  workers?: number;
  /** gRPC channels (TCP connections) per worker, like StreamHouse's `max_connections_per_agent` (default 2). */
  connections?: number;
  /**
   * Calls in flight per connection, at most, of one worker's producers together (default 256; a worker holds
   * `connections` x this). Producers that find it full wait: their records stay on their intended times, late
   * and dropped after `dropAfterMs` like any late record, and the window is flagged as the generator's
   * saturation. Raise it to let a slow target hold more concurrent streams (HTTP/2 servers commonly allow
   * 100-256 per connection; a target may refuse more).
   */
  maxCallsPerConnection?: number;
  /** Length of one sample interval in milliseconds (default 1000). */
  intervalMs?: number;
  /** Seconds at the start of the run excluded from totals and percentiles (default 0). */
  warmupSeconds?: number;
  /** How long in-flight batches are awaited when a phase ends (default 10000 ms). */
  drainTimeoutMs?: number;
  /** A record whose send cannot start within this bound after its intended time is dropped (default 10000 ms). */
  dropAfterMs?: number;
  /** Ack mode of ProduceBatch (default `buffered`). */
  ackMode?: AckModeName;
  /** Retries, idempotent producers and transactions (default: each batch sent once, no producer id). */
  delivery?: DeliveryOptions;
  /** Aborting the signal stops the run; the result is `aborted` and partial. */
  signal?: AbortSignal;
  /** Criteria added to the scenario's own (e.g. from the command line). */
  criteria?: Criterion[];
  /** Folder for the result file (default `results`); `false` writes no file. */
  resultsDir?: string | false;
  /** Write the result file every N seconds while the run goes on (default 60; 0 = only at the end). */
  checkpointSeconds?: number;
  /** Shard of a run split across machines (`--shard i/n`). */
  shard?: { index: number; count: number };
  /** Free-form label stored in the result (e.g. a git sha). */
  runId?: string;
  /**
   * Synchronised start (`--start-at`): the run connects and sets up, then waits until this wall-clock
   * instant to start its schedule, so every shard given the same instant runs the same window. A Date or
   * an ISO 8601 string with a zone; at most 5 s in the past and 24 h ahead.
   */
  startAt?: Date | string;
  /**
   * Labels of the run (`{ env: 'staging', team: 'perf' }`): stored in `result.labels` and in the resolved config,
   * where plugins read them (the Prometheus plugin puts them on every series). Names as Prometheus accepts them.
   */
  labels?: Record<string, string>;
  /**
   * Turns off per-record instrumentation (histograms, record header) for benchmarking the tool itself.
   * Default true. Never turn it off in a real test.
   */
  instrument?: boolean;
  logger?: Logger;
  /**
   * Seed of every random choice the run makes (record keys, sizes, payload bytes, Poisson arrivals, transaction
   * aborts): the same seed with the same options gives the same records on the same schedule. An unsigned 32-bit
   * integer; drawn at random when absent, and always recorded in `result.config.seed`.
   */
  seed?: number;
  /**
   * A fault timeline (`'blackhole@30s+10s, latency@60s+20s=50ms, reset@90s'`, or its segments or specs) played
   * by a fault proxy the run puts between itself and the target's gRPC port; times count from the run's start.
   * `result.faults` says how the target recovered from each (docs/faults.md). The scenario's `faults` when absent.
   */
  faults?: string | Array<string | FaultSpec>;
  /**
   * Topics the run spreads every producer and consumer group over (`--topics N`, default 1), each created with the
   * group's partition count before any load. Member k of a group uses topic k mod N; a group with fewer members
   * than topics is given one per topic (docs/workload-topics.md). `result.topics` keeps per-topic totals.
   */
  topics?: number;
  /**
   * Names of the topics (`--topic-pattern`): `{i}` is the 0-based index, `{topic}` the run's topic (`options.topic`
   * or `loadhouse-<scenario>`). Default `{topic}-{i}` with more than one topic; must contain `{i}` then.
   */
  topicPattern?: string;
  /**
   * A fault proxy already in front of the target's S3 endpoint, for s3-* faults: started with
   * `startFaultProxy({ s3Upstream, faults, startNow: false })` and the target storing through its `s3Address`
   * (`loadhouse run` does this for the embedded agent). The run starts its timeline with the load and reports
   * its faults in `result.faults`; they must be the s3-* faults of `faults`. The caller closes it.
   */
  s3FaultProxy?: FaultProxy;
}

/**
 * Payload bytes after the record header: `random` (incompressible, from the run's seed), `text` (repeated text,
 * compresses well) or `zeros`. `compressible` is the former name of `text`, still accepted and read in old results.
 */
export type PayloadKind = 'random' | 'text' | 'zeros' | 'compressible';

/** What `controller.produce()` starts: `producers` open-model producers sharing `rate`. */
export interface ProduceOptions {
  /** Records per second across all producers of this call. */
  rate: number;
  /** Number of producers (default 1). Each has its own schedule, sequence and partition set. */
  producers?: number;
  /** Partition count of the topic (created if missing). Default 1, or the existing topic's count. */
  partitions?: number;
  /**
   * Size of each record value in bytes, header included (default 1024); or a distribution drawn per record:
   * `'uniform:MIN-MAX'`, `'lognormal:MEDIAN:SIGMA'` (kept within [header, 1 MiB]) or `'file:PATH'` (sizes listed one a
   * line, sampled). No size may be below the 36-byte record header (docs/workload.md).
   */
  messageSize?: number | string;
  /** Records per ProduceBatch (default 100). */
  batchSize?: number;
  /** A batch is sent when it is full or its first record has waited this long (default 5 ms). */
  lingerMs?: number;
  /** Batches in flight per producer (default 16). */
  maxInFlight?: number;
  /** Each producer stops after this many records (the many-producers quota). */
  messagesPerProducer?: number;
  /** Payload bytes: `random` (incompressible, the default), `text` (compressible) or `zeros`. */
  payload?: PayloadKind;
  /**
   * The highest rate the group will be set to (`setRate()`), when known (a ramp, a capacity search): without
   * `options.workers` the worker count is chosen for it rather than for the starting `rate` (default: `rate`).
   */
  peakRate?: number;
  /**
   * Record keys (default `'none'`): `'sequential'`, `'uniform:N'`, `'zipf:N:S'` or `'hot:N:SHARE'` (SHARE of the records on
   * one key of N). A keyed record goes to the partition Kafka's default partitioner gives its key (murmur2), unless
   * `keyRouting` is `'pinned'`. See docs/workload.md.
   */
  keys?: string;
  /** `'hash'` (default): keys choose partitions; `'pinned'`: each producer keeps its own partitions, keys ride along. */
  keyRouting?: KeyRouting;
  /** How intended send times are spaced: evenly (`uniform`, the default) or with exponential gaps (`poisson`). */
  arrivals?: ArrivalsKind;
}

/** Where keyed records go: their key's partition (`hash`) or the producer's own partitions (`pinned`). */
export type KeyRouting = 'hash' | 'pinned';

export type StartOffset = 'earliest' | 'latest' | 'committed';

export interface ConsumeOptions {
  /**
   * Records per second across all consumers, or `'max'` to read as fast as the target serves. A rate is
   * split evenly over the topic's partitions (each partition's consumer reads its share).
   */
  rate: number | 'max';
  /** Number of consumers (default 1). Partitions are assigned round-robin; extra consumers stay idle. */
  consumers?: number;
  /** Partition count of the topic (created if missing), checked like `produce()`'s. Default: the existing topic's count. */
  partitions?: number;
  /**
   * Where each partition starts (default `earliest`): offset 0, the high watermark when `consume()` is
   * called, or the offset committed for `group` (0 when none).
   */
  startAt?: StartOffset;
  /** Consumer group name, sent with Consume and used for `committed` and CommitOffset (default `loadhouse-<topic>`). */
  group?: string;
  /** max_records of each Consume call (default 500). */
  maxRecords?: number;
  /** Polls in flight per consumer at most (default 4); a partition never has more than one. */
  maxInFlight?: number;
  /** Commit the next offset of each partition every N seconds and when the group stops (default: never). */
  commitEverySeconds?: number;
}
