// What a result says about its run besides the figures: the resolved configuration, the machine it ran on and
// the resources the generator and the target used. A merged result keeps each shard's resources.
import type { Criterion } from './criteria.js';
import type { DeliveryConfig } from './delivery.js';
import type { AckModeName, KeyRouting, PayloadKind, StartOffset } from './options.js';
import type { ArrivalsKind } from './traffic.js';

/** The target as a result records it: only the keys of the call metadata, whose values are often credentials. */
export interface RunTargetConfig {
  address: string;
  httpAddress: string | null;
  organizationId: string | null;
  tls: boolean;
  metadataKeys: string[];
  connectTimeoutMs: number;
  deadlineMs: number;
  pid: number | null;
  /** The door the run went through (`grpc`, `rest`...); absent with a third-party driver and in older results. */
  protocol?: string;
}

/** A `controller.produce()` call with its options resolved. */
export interface ProducerGroupConfig {
  id: number;
  rate: number;
  producers: number;
  /** The topic's partition count the group wrote to. */
  partitions: number;
  messageSize: number;
  batchSize: number;
  lingerMs: number;
  maxInFlight: number;
  messagesPerProducer?: number;
  payload: PayloadKind;
  /** The key distribution (`'hot:1000:0.5'`...); absent: records had no key. */
  keys?: string;
  /** Where keyed records went (present with `keys`). */
  keyRouting?: KeyRouting;
  /** The size distribution when sizes were drawn per record (`messageSize` is then its largest size). */
  messageSizes?: string;
  topic: string;
  /** With many topics (`options.topics`): every topic the group wrote, producer k to topic k mod N. */
  topics?: string[];
  /** Seconds after the run's start at which the group started. */
  startedAtSeconds: number;
  // Traffic shape (docs/workload-traffic.md).
  /** `poisson` when the group's records arrived with exponential gaps; absent: evenly spaced. */
  arrivals?: ArrivalsKind;
  /**
   * Poisson arrivals: the coefficient of variation (standard deviation / mean) of the gaps between the group's
   * intended send times, each gap in units of the mean gap at its rate, as the producers scheduled them (before
   * batching). About 1 for Poisson arrivals; absent until the group's producers reported.
   */
  arrivalCv?: number;
}

/** A `controller.consume()` call with its options resolved. */
export interface ConsumerGroupConfig {
  id: number;
  rate: number | 'max';
  consumers: number;
  partitions: number;
  startAt: StartOffset;
  group: string;
  maxRecords: number;
  maxInFlight: number;
  /** 0 = never. */
  commitEverySeconds: number;
  /** Consumers left without a partition. */
  idleConsumers: number;
  topic: string;
  /** With many topics (`options.topics`): every topic the group read, consumer k from topic k mod N. */
  topics?: string[];
  startedAtSeconds: number;
}

/**
 * `result.config`: the run's resolved options, what plugins read as `ctx.config`. A type rather than an interface
 * so that it still passes where plugins are handed a plain `Record<string, unknown>`.
 */
export type RunConfig = {
  scenario: string;
  /** The scenario's own options (`Scenario.options`). */
  scenarioOptions: Record<string, unknown>;
  plannedSeconds: number | null;
  topic: string;
  /** With many topics (`options.topics` > 1): the topics the run spread its groups over. */
  topics?: string[];
  /** The pattern their names came from (`options.topicPattern`, or the default `{topic}-{i}`), with many topics. */
  topicPattern?: string;
  target: RunTargetConfig;
  /** Worker threads asked for (null: as many as the producers need, at most `maxWorkers`). */
  workers: number | null;
  maxWorkers: number;
  connections: number;
  /** Calls in flight per connection, at most, of one worker's producers (`options.maxCallsPerConnection`). */
  maxCallsPerConnection?: number;
  intervalMs: number;
  warmupSeconds: number;
  drainTimeoutMs: number;
  dropAfterMs: number;
  ackMode: AckModeName;
  resultsDir: string | false;
  checkpointSeconds: number;
  shard: { index: number; count: number } | null;
  /** The synchronised start (`--start-at`), ISO 8601. */
  startAt: string | null;
  labels: Record<string, string>;
  instrument: boolean;
  /** Seed of the run's random choices (`options.seed`, or the one drawn); absent in results of older versions. */
  seed?: number;
  plugins: Array<{ name: string; apiVersion: number }>;
  criteria: Criterion[];
  producerGroups: ProducerGroupConfig[];
  consumerGroups: ConsumerGroupConfig[];
  /** Retries, idempotence and transactions (absent: batches were sent once, without a producer id). */
  delivery?: DeliveryConfig;
};

/** `result.environment`: where the run happened, enough to tell two results apart. */
export interface RunEnvironment {
  loadhouseVersion: string;
  /** `process.version`. */
  node: string;
  v8: string;
  platform: string;
  arch: string;
  osRelease: string;
  hostname: string;
  cpus: number;
  availableParallelism: number;
  cpuModel: string;
  totalMemoryBytes: number;
  pid: number;
}

/** A resource's growth judged after start-up (see docs/measuring.md). */
export interface SteadyGrowth {
  /**
   * Growth over the whole run at the steady part's least-squares slope, percent of the line's value where the
   * steady part starts: what the run would have grown had it been steady from the start.
   */
  percent: number;
  /** Half-width of the ~95% interval of `percent` (two standard errors of the slope). */
  plusMinusPercent: number;
  /** Where the steady part starts, in the points' time (after the settling start-up). */
  fromSeconds: number;
  /** Its length in the points' time. */
  seconds: number;
}

export interface GeneratorResources {
  peakRssBytes: number;
  maxCpuPercent: number;
  meanCpuPercent: number;
  maxEventLoopDelayMs: { main: number; workers: number };
  cores: number;
  memoryGrowthPercent: number | null;
  memorySlopeMbPerHour: number | null;
}

/** The target process watched by PID (`target.pid`, `--target-pid`). */
export interface TargetProcessResources {
  pid: number;
  peakRssBytes: number | null;
  maxCpuPercent: number | null;
  /** Times the process was seen gone. */
  crashes: number;
}

/** `result.resources` of a run: what the generator and the target used, and the stability figures. */
export interface RunResources {
  generator: GeneratorResources;
  /** Null when no target PID was watched. */
  target: TargetProcessResources | null;
  memoryGrowthPercent: number | null;
  memoryGrowthUpperPercent: number | null;
  memoryGrowth: SteadyGrowth | null;
  memorySlopeMbPerHour: number | null;
  throughputVariancePercent: number | null;
  p99DriftPercent: number | null;
  /** The plan's red flags (memory growth, latency drift, slow start...). */
  warnings: string[];
}

/** `result.resources` of a merged result: each shard's own, since resources of different machines do not add. */
export interface MergedResources {
  byShard: Array<Partial<RunResources> & { shard: { index: number; count: number } | null }>;
}
