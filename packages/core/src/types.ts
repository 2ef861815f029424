// The public types of the engine: options, controller vocabulary, samples, results, plugins, hooks and events.
// They are the documentation of the API: the engine, the scenarios, the plugins and the CLI all meet here.
import type { DriverOption } from './driver/load.js';
import type { TlsOptions } from './proto/client.js';

// ---------------------------------------------------------------------------------------------
// Options

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
}

export interface LoadTestOptions {
  /** The StreamHouse target: an address string `host:port` or full target options. */
  target: string | TargetOptions;
  plugins?: LoadhousePlugin[];
  /** Topic the scenario produces to and consumes from (default `loadhouse-<scenario>`). */
  topic?: string;
  /** Worker threads for producers and consumers (default: available cores, at most the producer count). */
  workers?: number;
  /** gRPC channels (TCP connections) per worker, like StreamHouse's `max_connections_per_agent` (default 2). */
  connections?: number;
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
}

export type PayloadKind = 'random' | 'compressible';

/** What `controller.produce()` starts: `producers` open-model producers sharing `rate`. */
export interface ProduceOptions {
  /** Records per second across all producers of this call. */
  rate: number;
  /** Number of producers (default 1). Each has its own schedule, sequence and partition set. */
  producers?: number;
  /** Partition count of the topic (created if missing). Default 1, or the existing topic's count. */
  partitions?: number;
  /** Size of each record value in bytes, header included (default 1024). */
  messageSize?: number;
  /** Records per ProduceBatch (default 100). */
  batchSize?: number;
  /** A batch is sent when it is full or its first record has waited this long (default 5 ms). */
  lingerMs?: number;
  /** Batches in flight per producer (default 16). */
  maxInFlight?: number;
  /** Each producer stops after this many records (the many-producers quota). */
  messagesPerProducer?: number;
  /** Random (incompressible, the default) or compressible payload bytes. */
  payload?: PayloadKind;
}

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

// ---------------------------------------------------------------------------------------------
// Scenario and controller

/** A running producer group started by `controller.produce()`. */
export interface ProducerGroup {
  readonly id: number;
  /** Producers of the group running in this process (a shard runs its share only). */
  readonly producers: number;
  /** Partition count of the topic the group writes to. */
  readonly partitions: number;
  /** Changes the total rate; each producer's schedule continues from where it is. */
  setRate(rate: number): void;
  /** Stops scheduling, drains in-flight batches (up to drainTimeoutMs) and resolves when workers reported. */
  stop(): Promise<void>;
  /** Resolves when every producer finished its quota (`messagesPerProducer`), or when stopped. */
  readonly done: Promise<void>;
  /**
   * Per-producer figures of this process's producers. A producer's entry is final once it finished its
   * quota or the group was stopped; before that it holds zeros.
   */
  stats(): ProducerMemberStats[];
  /** gRPC channels (TCP connections) the group's producers send over: its workers x `connections`. */
  connections(): number;
}

/** One producer of a group. */
export interface ProducerMemberStats {
  /** Run-wide producer id (the one in record headers). */
  id: number;
  /** True when the producer finished its quota with every record acked, failed or dropped, before any stop. */
  completed: boolean;
  /** Seconds from the group's start until the producer completed its quota. */
  completionSeconds?: number;
  scheduled: number;
  acked: number;
  failed: number;
  dropped: number;
  /** Acked records per second over the producer's own running time. */
  msgsPerSec: number;
}

/** A running consumer group started by `controller.consume()`. */
export interface ConsumerGroup {
  readonly id: number;
  /** Consumers of the group reading in this process (idle ones and other shards' not counted). */
  readonly consumers: number;
  /** Partition count of the topic the group reads. */
  readonly partitions: number;
  /** Consumers left without a partition (more consumers than partitions), across all shards. */
  readonly idleConsumers: number;
  /** Offset each partition read in this process started from, by partition. */
  readonly startOffsets: Readonly<Record<number, number>>;
  /** Changes the total rate (`'max'`: as fast as the target serves; 0 pauses). */
  setRate(rate: number | 'max'): void;
  /** Stops polling, awaits polls in flight (up to drainTimeoutMs), commits when the group commits, and resolves once workers reported. */
  stop(): Promise<void>;
}

export type WaitCondition = number | ((sample: Sample) => boolean);

/** The whole vocabulary a scenario uses; built-in scenarios use nothing else. */
export interface Controller {
  produce(options: ProduceOptions): Promise<ProducerGroup>;
  consume(options: ConsumeOptions): Promise<ConsumerGroup>;
  /** Waits N seconds, or until the predicate holds on a new sample (or `timeoutSeconds` passes; resolves false then). */
  waitFor(condition: WaitCondition, options?: { timeoutSeconds?: number }): Promise<boolean>;
  /** Runs `fn` as a named phase: samples are tagged with it, hooks `phase:start`/`phase:end` fire around it. */
  phase<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Ends the run early (state `completed` unless a criterion or a signal ended it). */
  stop(): void;
  /** Aborted when the run must end (stop(), signal, criterion abort, failure). */
  readonly signal: AbortSignal;
  /** The most recent sample, if any. */
  readonly latest: Sample | undefined;
  /** Seconds since the run started. */
  elapsedSeconds(): number;
  /** Records a scenario-specific figure into `result.scenarioResults`. */
  record(name: string, value: unknown): void;
  readonly topic: string;
  readonly logger: Logger;
}

export interface Scenario {
  name: string;
  /** The scenario's success criteria (the plan's table). */
  criteria: Criterion[];
  /** Planned duration, for progress display (seconds). */
  plannedSeconds?: number;
  /** Record bytes (values) the scenario plans to produce at most: what a target keeping every record stores. */
  plannedBytes?: number;
  /** The scenario's own options, stored in the result's config. */
  options?: Record<string, unknown>;
  run(controller: Controller): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Latency percentiles in milliseconds (floats with microsecond precision). */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  count: number;
}

export interface ProducerStats {
  /** Records whose intended send time fell in the window. */
  scheduled: number;
  sent: number;
  acked: number;
  failed: number;
  dropped: number;
  bytes: number;
  batches: number;
  msgsPerSec: number;
  mbPerSec: number;
  /** The rate asked for (records/s) during the window. */
  targetRate: number;
  /** Errors by gRPC status name (`UNAVAILABLE`, `DEADLINE_EXCEEDED`, ...). */
  errorsByCode: Record<string, number>;
  latency: { response: LatencySummary; service: LatencySummary; scheduleLag: LatencySummary };
  /** Records per batch, mean. */
  meanBatchSize: number;
  /** Batches in flight at the end of the window (gauge). */
  inFlightBatches: number;
  /** Records due but not yet sent at the end of the window: the producers' backlog (gauge). */
  backlog: number;
}

export interface ConsumerStats {
  /** Records returned by Consume in the window. */
  consumed: number;
  bytes: number;
  msgsPerSec: number;
  mbPerSec: number;
  /** Consume calls answered OK (latency.poll counts exactly these). */
  polls: number;
  /** Of `polls`, those that returned no records. */
  emptyPolls: number;
  /** Failed Consume calls by gRPC status name (and DRAIN_TIMEOUT). */
  errorsByCode: Record<string, number>;
  /**
   * Records behind the high watermark (high_watermark - next offset, from each partition's latest poll),
   * summed over partitions (and over consumer groups), at the end of the window. A stopped group keeps the
   * lag it had when it stopped.
   */
  lag: number;
  /** The same per partition (summed over consumer groups). */
  lagByPartition: Record<string, number>;
  /** poll = request -> response of a Consume call; endToEnd = consumed - intended send (record header). */
  latency: { poll: LatencySummary; endToEnd: LatencySummary };
  /** Records without a loadhouse header, or stamped before this run: not checked, no end-to-end latency. */
  foreign?: number;
}

export interface GeneratorHealth {
  /**
   * Event-loop delay p99 of the main thread and the worst worker, milliseconds; `mainMax`: the longest
   * single delay of the main thread in the window (a stall p99 does not show).
   */
  eventLoopDelayMs: { main: number; workersMax: number; mainMax?: number };
  /** Event-loop utilization (0..1) of the busiest worker thread. */
  workerUtilizationMax: number;
  /** Worker threads running. */
  workers: number;
  /** CPU of this process, percent of one core (200 = two cores busy). */
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** True when the generator itself was the bottleneck in this window (numbers describe the tool). */
  saturated: boolean;
  reasons: string[];
}

export interface TargetResources {
  rssBytes?: number;
  cpuPercent?: number;
}

/** One interval of the run, merged over every worker. */
export interface Sample {
  elapsedSeconds: number;
  intervalSeconds: number;
  phase: string;
  warmup: boolean;
  producer: ProducerStats;
  consumer: ConsumerStats;
  generator: GeneratorHealth;
  target: TargetResources;
  /** Values contributed by metric sources (`target.cacheHitRate`, `s3.put.p99`, ...). */
  metrics: Record<string, number>;
  /** Cumulative counts since the end of warm-up. */
  totals: { scheduled: number; sent: number; acked: number; failed: number; dropped: number; consumed: number };
  /** Integrity counts so far (whole run, warm-up included), present once a consumer group started. */
  integrity?: { checked: boolean; missing: number; duplicates: number; reordered: number };
  /** True when records were due in this window and the target acknowledged none of them (see OutageReport). */
  outage?: boolean;
  /**
   * The window's latency histograms, encoded (compressed base64, microseconds), keyed like
   * `result.histograms`. On live samples only: `result.series` does not keep them.
   */
  histograms?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Criteria

export type CriterionOp = '<' | '<=' | '>' | '>=' | '==';

/**
 * A success criterion as data. `metric` is a dotted path into the result (`producer.latency.p99`,
 * `producer.errors`, `producer.rateErrorPercent`, `consumer.latency.poll.p99`) or a metric-source name
 * (`target.cacheHitRate`), or a `scenarioResults` entry.
 */
export interface Criterion {
  metric: string;
  op: CriterionOp;
  value: number;
  unit?: string;
  /** Row label in the summary table (default: derived from metric and op). */
  label?: string;
  /** Evaluate on every sample too (default true for latency and error metrics). */
  live?: boolean;
  /** Abort the run when a live violation lasts this many seconds. */
  abortAfterSeconds?: number;
  /**
   * Why this criterion cannot judge this run (a run too short or too small for what it measures). It is shown
   * as N/A with this reason, never passes, and does not fail the run (see criterionFailed).
   */
  notApplicable?: string;
}

export interface CriterionOutcome extends Criterion {
  measured: number | null;
  passed: boolean;
  /** Why `measured` is null, or other context. */
  note?: string;
}

// ---------------------------------------------------------------------------------------------
// Result

export const RESULT_SCHEMA_VERSION = 1;

export type EndReason =
  | 'completed'
  | 'stopped'
  | 'signal'
  | 'criterion'
  | 'worker-crashed'
  | 'target-unreachable'
  | 'error'
  /** A checkpoint written while the run was going on; if it is the last file, the process died before the end. */
  | 'checkpoint';

export interface ProducerTotals extends Omit<ProducerStats, 'targetRate' | 'meanBatchSize' | 'inFlightBatches' | 'backlog'> {
  /** The mean requested rate over the measured time (while any producer was asked to send). */
  targetRate: number;
  /** Seconds after warm-up during which producers were asked to send (targetRate = requested / activeSeconds); msgsPerSec also counts the drain after each stop (docs/measuring.md, Rates). */
  activeSeconds: number;
  /** |achieved / target - 1| in percent. */
  rateErrorPercent: number;
  /** failed / scheduled in percent. */
  errorRatePercent: number;
  /** Records that failed (= failed; errorsByCode breaks them down and sums to it). */
  errors: number;
  meanBatchSize: number;
}

export interface ConsumerTotals {
  consumed: number;
  bytes: number;
  /** consumed / activeSeconds. */
  msgsPerSec: number;
  mbPerSec: number;
  polls: number;
  emptyPolls: number;
  errorsByCode: Record<string, number>;
  /** Total lag (see ConsumerStats.lag): the largest of the samples, and the last sample's. */
  lag: { max: number; final: number };
  latency: { poll: LatencySummary; endToEnd: LatencySummary };
  /** Seconds after warm-up during which a consumer group ran. */
  activeSeconds?: number;
  /** Records without a loadhouse header or from another run (see ConsumerStats.foreign). */
  foreign?: number;
  /** Consumers that got no partition (more consumers than partitions), over the run's groups. On `result.consumer`. */
  idleConsumers?: number;
}

export interface IntegrityExample {
  kind: 'missing' | 'duplicate' | 'reordered';
  producer: number;
  partition: number;
  sequence: number;
  offset?: number;
}

/**
 * Sequence checks by consumers, per (producer, partition) stream, over the whole run (warm-up included),
 * summed over consumer groups. Only gaps below the highest sequence seen count as missing: records a
 * consumer never reached (it stopped with lag) are not missing.
 */
export interface IntegrityReport {
  /** True when a consumer group ran. */
  checked: boolean;
  /** Sequences never seen below the highest one seen, per stream. */
  missing: number;
  duplicates: number;
  /** Seen after a higher sequence of their stream (a gap filled late). */
  reordered: number;
  examples: IntegrityExample[];
  /** Records whose header was checked. */
  consumedChecked?: number;
  /** Records of failed ProduceBatch calls: they took sequences, so they may be missing without any loss. */
  expectedMissing?: number;
  /**
   * True when consumers read to the end (final lag 0, no consumer group stopped while producers ran) and
   * more records are missing than failed batches explain: the target acknowledged records it did not keep.
   */
  dataLoss?: boolean;
  /** Times a stream had more than 10,000 open gaps and two merged (counts stay right; a duplicate inside may count as reordered). */
  mergedGaps?: number;
}

export interface PhaseResult {
  name: string;
  startedAt: string;
  elapsedSeconds: number;
  durationSeconds: number;
  producer: ProducerTotals;
  consumer: ConsumerTotals;
  /**
   * The HDR histograms behind the phase's percentiles, encoded like `result.histograms` (those that
   * recorded anything), so merged shards give exact per-phase percentiles. A merge of results without
   * them falls back to the worst shard's percentiles.
   */
  histograms?: Record<string, string>;
}

/**
 * Windows after warm-up in which records were due and the target acknowledged none: the target stalled,
 * stopped or lost its data. Rate and error criteria are judged on these windows too.
 */
export interface OutageReport {
  windows: number;
  /** Their total length. */
  seconds: number;
  /** Runs of adjacent outage windows, in elapsed seconds (the first 100). */
  spans: Array<{ fromSeconds: number; toSeconds: number }>;
}

export interface ResultBase {
  schemaVersion: number;
  partial: boolean;
  endReason: EndReason;
  /** Human sentence on why the run ended. */
  endMessage: string;
  scenario: string;
  runId?: string;
  /** The run's labels (`options.labels`, `--label k=v`), when any were given. */
  labels?: Record<string, string>;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  warmupSeconds: number;
  config: Record<string, unknown>;
  environment: Record<string, unknown>;
  shard: { index: number; count: number } | null;
  producer: ProducerTotals;
  consumer: ConsumerTotals;
  integrity: IntegrityReport;
  phases: PhaseResult[];
  resources: Record<string, unknown>;
  metrics: Record<string, number>;
  /** Why a value of `metrics` does not cover the whole run (stale or partly unreadable), by metric name; absent when none. */
  metricNotes?: Record<string, string>;
  criteria: CriterionOutcome[];
  scenarioResults: Record<string, unknown>;
  series: Sample[];
  /**
   * Every `seriesStride`-th interval is in `series` (1 = all). Long runs thin the series evenly past 7,200
   * points; the last sample is always kept. Totals and percentiles never come from the series.
   */
  seriesStride?: number;
  /** Encoded cumulative HDR histograms (compressed base64), microsecond values. */
  histograms: Record<string, string>;
  generator: {
    saturatedWindows: number;
    totalWindows: number;
    warnings: string[];
    /** Worst per-window event-loop delay p99 (ms) of the main thread and of any worker. */
    maxEventLoopDelayMs: { main: number; workers: number };
    maxCpuPercent: number;
  };
  errors: Array<{ code: string; message: string; plugin?: string }>;
  /** Target outages after warm-up (absent in results of older versions). */
  outages?: OutageReport;
  /** Where the result file was written (absent when `resultsDir` is false). */
  resultPath?: string;
  /** Only in a merged result (`loadhouse merge`): which shards it holds and how well they ran together. */
  merge?: MergeCheck;
}

/** How complete and how concurrent the shards of a merged result were. */
export interface MergeCheck {
  /** Shards the run was split into (`--shard i/n`: n). */
  shardCount: number;
  /** Shard indexes with no result among the merged files. */
  missing: number[];
  /** The merged window, from the first shard's start to the last shard's end. */
  windowSeconds: number;
  /**
   * Per shard: the share of the merged window during which it ran (100 = it ran the whole window) and how long
   * after the first shard it started.
   */
  overlapPercent: Array<{ index: number; startedAt: string; endedAt: string; overlapPercent: number; startSkewSeconds: number }>;
  /** Shards that did not run with the others: started too late (the bound below) or ended before the last began. */
  outOfStep: number[];
  /** The bound: a shard starting later than the first by more than this share of the window (and more than
   * `outOfStepSlackSeconds`) did not run with the others. */
  maxStartSkewPercent: number;
  outOfStepSlackSeconds: number;
  /** Why the merge is partial (missing shards, shards out of step, partial or aborted shards); empty when whole. */
  partialBecause: string[];
}

export type LoadTestResult =
  | (ResultBase & { state: 'completed' })
  | (ResultBase & { state: 'failed'; error: { code: string; message: string } })
  | (ResultBase & { state: 'aborted' });

// ---------------------------------------------------------------------------------------------
// Events, hooks, plugins

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  plugin?: string;
  time: string;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ErrorEvent {
  code: string;
  message: string;
  /** The plugin a caught error is attributed to. */
  plugin?: string;
  cause?: unknown;
}

/** Events: synchronous, fire-and-forget. Third parties add keys by declaration merging. */
export interface LoadhouseEvents {
  sample: (sample: Sample) => void;
  error: (error: ErrorEvent) => void;
  criterion: (outcome: CriterionOutcome & { live: boolean; elapsedSeconds: number }) => void;
  log: (entry: LogEntry) => void;
}

export interface TestInfo {
  scenario: string;
  topic: string;
  config: Readonly<Record<string, unknown>>;
  target: Readonly<TargetOptions>;
}

/** Lifecycle hooks: awaited in registration order. Third parties add keys by declaration merging. */
export interface LoadhouseHooks {
  'test:before': (info: TestInfo) => void | Promise<void>;
  'phase:start': (phase: { name: string; elapsedSeconds: number }) => void | Promise<void>;
  'phase:end': (phase: PhaseResult) => void | Promise<void>;
  'test:after': (result: LoadTestResult) => void | Promise<void>;
}

export type Unregister = () => void;

export interface HookRegistry {
  hook<K extends keyof LoadhouseHooks>(name: K, fn: LoadhouseHooks[K]): Unregister;
}

export interface EventSubscriber {
  on<K extends keyof LoadhouseEvents>(event: K, listener: LoadhouseEvents[K]): Unregister;
}

/** The events a plugin sees: it subscribes to any, and emits its own (declared by declaration merging). */
export interface PluginEvents extends EventSubscriber {
  /**
   * Emits an event a plugin declared on `LoadhouseEvents`. The engine's own events (`sample`, `error`,
   * `criterion`, `log`) cannot be emitted by plugins: that throws LH_PLUGIN_FAILED.
   */
  emit<K extends Exclude<keyof LoadhouseEvents, 'sample' | 'error' | 'criterion' | 'log'>>(
    event: K,
    ...args: Parameters<LoadhouseEvents[K]>
  ): void;
}

/** Named values a plugin contributes to every sample and to criteria (e.g. `target.cacheHitRate`). */
export interface MetricSource {
  name: string;
  /** Called once per interval; returns values keyed by metric name. May be async; a slow source is skipped for that interval. */
  collect(): Record<string, number> | Promise<Record<string, number>>;
  /** Final values for `result.metrics` (default: the last collected values). */
  summarize?(): Record<string, number> | Promise<Record<string, number>>;
  /**
   * Called after summarize(): why some final values do not cover the whole run (e.g. failed scrapes), by
   * metric name. They land in `result.metricNotes`; a criterion on a noted metric does not pass.
   */
  notes?(): Record<string, string>;
  /** How long one collect() may take before it is skipped for the interval (default: half the interval, at most 1000 ms). */
  timeoutMs?: number;
}

export interface PluginContext {
  hooks: HookRegistry;
  events: PluginEvents;
  /** The resolved run configuration, read-only. */
  config: Readonly<Record<string, unknown>>;
  addCriterion(criterion: Criterion): void;
  addMetricSource(source: MetricSource): void;
  logger: Logger;
  /** Aborted when the run ends or is aborted. */
  signal: AbortSignal;
}

export type Teardown = () => void | Promise<void>;

export const PLUGIN_API_VERSION = 1;

export interface LoadhousePlugin {
  name: string;
  apiVersion: number;
  // biome-ignore lint/suspicious/noConfusingVoidType: a plugin's setup may return nothing, sync or async
  setup(ctx: PluginContext): void | Teardown | Promise<void | Teardown>;
}

/** The handle `createLoadTest()` returns. */
export interface LoadTest {
  run(scenario: Scenario): Promise<LoadTestResult>;
  /** Stops the running scenario; `run` resolves with a partial `aborted` result. */
  stop(reason?: string): void;
  /**
   * Writes the result as it stands to its file now, without waiting for the drain (for a process about to exit,
   * as on a second Ctrl-C); `note` is added to its `endMessage`. Resolves with the file's path, or undefined when
   * there is no file to write (`resultsDir: false`, or the run has not reached it).
   */
  writePartial(note?: string): Promise<string | undefined>;
  on<K extends keyof LoadhouseEvents>(event: K, listener: LoadhouseEvents[K]): Unregister;
  /** Live samples as an async iterator; ends when the run ends. */
  samples(): AsyncIterableIterator<Sample>;
}
