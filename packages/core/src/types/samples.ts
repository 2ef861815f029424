// Measurements: one interval of a run (a sample) and the statistics it holds.
import type { CommitStats } from './groups.js';

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

/** What consumers counted over a span: a sample's window, or the measured run for the totals. */
export interface ConsumerCounts {
  /** Records returned by Consume over the span. */
  consumed: number;
  bytes: number;
  /** consumed per second of the span (the totals: over activeSeconds). */
  msgsPerSec: number;
  mbPerSec: number;
  /** Consume calls answered OK (latency.poll counts exactly these). */
  polls: number;
  /** Of `polls`, those that returned no records. */
  emptyPolls: number;
  /** Failed Consume calls by gRPC status name (and DRAIN_TIMEOUT). */
  errorsByCode: Record<string, number>;
  /** poll = request -> response of a Consume call; endToEnd = consumed - intended send (record header). */
  latency: { poll: LatencySummary; endToEnd: LatencySummary };
  /** Offset commits of the span; present when a consumer group committed (or tried to) in it. */
  commit?: CommitStats;
}

export interface ConsumerStats extends ConsumerCounts {
  /**
   * Records behind the high watermark (high_watermark - next offset, from each partition's latest poll),
   * summed over partitions (and over consumer groups), at the end of the window. A stopped group keeps the
   * lag it had when it stopped.
   */
  lag: number;
  /** The same per partition (summed over consumer groups). */
  lagByPartition: Record<string, number>;
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
  /**
   * Times producers had a batch ready while all their own in-flight calls (`maxInFlight`) were out; absent: never.
   * With spare worker time, records late for that reason waited on the target, and the window is not saturated.
   */
  windowFullWaits?: number;
  /**
   * The machine's cores busy in the window, all processes together, percent of all cores (100 = every core busy).
   * At 90 and above a full in-flight window does not clear the generator: a starved generator reads answers late.
   */
  machineBusyPercent?: number;
  /**
   * Why the window's load was not offered though the generator had time to spare: records waited behind producers'
   * full in-flight windows (absent otherwise). Not saturation; a capacity step with such a window is void.
   */
  inFlightBound?: string;
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
  integrity?: { checked: boolean; missing: number; duplicates: number; reordered: number; corrupted?: number };
  /** True when records were due in this window and the target acknowledged none of them (see OutageReport). */
  outage?: boolean;
  /**
   * The window's latency histograms, encoded (compressed base64, microseconds), keyed like
   * `result.histograms`. On live samples only: `result.series` does not keep them.
   */
  histograms?: Record<string, string>;
}
