// The result of a run: the JSON document a run writes, checkpoints included, and what `loadhouse merge` writes.
import type { PartitionsReport } from './workload.js';
import type { CapacityReport } from './capacity.js';
import type { CriterionOutcome } from './criteria.js';
import type { Diagnosis } from './diagnosis.js';
import type { FaultReport } from './faults.js';
import type { MergedResources, RunConfig, RunEnvironment, RunResources } from './run-context.js';
import type { IdempotenceReport, TransactionsReport } from './delivery.js';
import type { ConsumerRestarts } from './groups.js';
import type { ConsumerCounts, ProducerStats, Sample } from './samples.js';
import type { ProducerStartup, WorkerChoice } from './startup.js';
import type { TopicTotals } from './topics.js';

/**
 * A wall-clock time in ISO 8601 with its zone (`2026-01-02T03:04:05.678Z`).
 * @format date-time
 */
export type IsoTime = string;

/**
 * Version of the result file's JSON (docs/results.md): it changes only when a field is renamed, removed or changes
 * its type; added fields keep it, so readers accept fields they do not know.
 */
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
  // Delivery guarantees (docs/idempotence.md): whole-run figures, absent from phases.
  /** Retries and idempotence; present when the run retried batches or its producers were idempotent. */
  idempotence?: IdempotenceReport;
  /** Present when the producers were transactional. */
  transactions?: TransactionsReport;
  /** The first acknowledgement and the first measured second (whole run; absent from phases and merged results). */
  startup?: ProducerStartup;
}

export interface ConsumerTotals extends ConsumerCounts {
  /** Total lag (see ConsumerStats.lag): the largest of the samples, and the last sample's. */
  lag: { max: number; final: number };
  /** Seconds after warm-up during which a consumer group ran. */
  activeSeconds?: number;
  /** Records without a loadhouse header or from another run (see ConsumerStats.foreign). */
  foreign?: number;
  /** Consumers that got no partition (more consumers than partitions), over the run's groups. On `result.consumer`. */
  idleConsumers?: number;
  /** Consumer groups restarted from their committed offsets, and what they read again. On `result.consumer`. */
  restarts?: ConsumerRestarts;
}

export interface IntegrityExample {
  kind: 'missing' | 'duplicate' | 'reordered' | 'corrupted' | 'offsetMismatch' | 'lostAcked' | 'lostCommitted' | 'unackedSeen';
  producer: number;
  partition: number;
  sequence: number;
  /** Where the record was read (absent for a record never read). */
  offset?: number;
  /** Where its acknowledgement placed it (offsetMismatch, lostAcked). */
  ackedOffset?: number;
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
  /**
   * Records the target held that the consumers had not read when the run ended (the final lag, summed over
   * groups); absent when 0. With nothing found lost, `integrity.lost` is then unmeasured: a lost tail would look
   * exactly like this, and records not read are not known to be kept.
   */
  unread?: number;
  /** Times a stream had more than 10,000 open gaps and two merged (counts stay right; a duplicate inside may count as reordered). */
  mergedGaps?: number;

  // Record-level verification (header version 2).
  /**
   * Records whose checksum (CRC32C over the whole value, in the record header) did not match the bytes the
   * consumer read: the target returned a value other than the one produced. Examples have kind `corrupted`.
   */
  corrupted?: number;
  /**
   * Records read at an offset other than the one their ProduceBatch acknowledgement assigned (first_offset +
   * position in the batch), matched by producer and sequence. Absent when the check could not run.
   */
  offsetMismatches?: number;
  /**
   * Acknowledged records at or after where a group started reading that it never read, though it read every
   * partition to its end. Absent unless consumers read to the end (records not reached are not lost).
   */
  lostAcked?: number;
  /** Records read that no acknowledgement covers and no failed batch explains: the target invented or misplaced them. */
  unackedSeen?: number;
  /** Records read whose batch failed or timed out: the target stored them without the answer arriving (legitimate). */
  unackedAfterFailure?: number;
  /** Acknowledged records the ack maps held for these checks. */
  ackedMapped?: number;
  /** Main-thread memory of the ack and consumed maps, estimated from their run-length entries (bytes). */
  verifyMapBytes?: number;
  /** The maps hit their bound and stopped growing: offsetMismatches, lostAcked and unackedSeen are then absent. */
  verifyOverflow?: boolean;

  // Transactions (producers with `delivery.transactions`).
  /**
   * Records of committed transactions that a consumer group did not read, though it read their stream to the
   * end: summed over groups. Unlike `missing`, it sees a committed tail the target lost (no gap behind it).
   * Absent without transactions, or when nothing could be checked (see lostCommittedUnmeasured).
   */
  lostCommitted?: number;
  /**
   * Why some or all committed records could not be checked (consumers did not read to the end, a group started
   * after a stream's first committed record, a partition no group read...); `lostCommitted` then counts only
   * the records checked, and no loss found is not a pass: `integrity.lost` is unmeasured. Absent when all were.
   */
  lostCommittedUnmeasured?: string;
}

export interface PhaseResult {
  name: string;
  startedAt: IsoTime;
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

/** The sections every result has, a run's and a merged one alike. */
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
  startedAt: IsoTime;
  endedAt: IsoTime;
  durationSeconds: number;
  warmupSeconds: number;
  config: RunConfig;
  /** The machine of the run; a merged result keeps the first shard's. */
  environment: RunEnvironment;
  shard: { index: number; count: number } | null;
  producer: ProducerTotals;
  consumer: ConsumerTotals;
  integrity: IntegrityReport;
  phases: PhaseResult[];
  resources: RunResources | MergedResources;
  metrics: Record<string, number>;
  /** Why a value of `metrics` does not cover the whole run (stale or partly unreadable), by metric name; absent when none. */
  metricNotes?: Record<string, string>;
  criteria: CriterionOutcome[];
  /**
   * What most likely made the run fail, most likely first (docs/diagnosis.md): empty when no criterion failed and
   * the run did not fail. Absent in results of older versions (`diagnose()` builds it from such a result).
   */
  diagnosis?: Diagnosis[];
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
    /** How many load workers ran and why, when loadhouse chose (no options.workers). */
    workerChoice?: WorkerChoice;
  };
  errors: Array<{ code: string; message: string; plugin?: string }>;
  /** Target outages after warm-up (absent in results of older versions). */
  outages?: OutageReport;
  /** Faults the run's fault proxy played (options.faults), each with its recovery figures; absent without faults. */
  faults?: FaultReport[];
  /** Where the result file was written (absent when `resultsDir` is false). */
  resultPath?: string;
  /** Only in a merged result (`loadhouse merge`): which shards it holds and how well they ran together. */
  merge?: MergeCheck;
  /** Only in the result of a capacity search (`findCapacity()`, `loadhouse capacity`): its answer and steps. */
  capacity?: CapacityReport;
  /** Keyed producer groups' acked records per partition and their imbalance (docs/workload.md); absent without keys. */
  partitions?: PartitionsReport;
  /** Per-topic totals of a run over many topics (`options.topics` > 1; docs/workload-topics.md); absent otherwise. */
  topics?: TopicTotals[];
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
  overlapPercent: Array<{ index: number; startedAt: IsoTime; endedAt: IsoTime; overlapPercent: number; startSkewSeconds: number }>;
  /** Shards that did not run with the others: started too late (the bound below) or ended before the last began. */
  outOfStep: number[];
  /** The bound: a shard starting later than the first by more than this share of the window (and more than
   * `outOfStepSlackSeconds`) did not run with the others. */
  maxStartSkewPercent: number;
  outOfStepSlackSeconds: number;
  /** Why the merge is partial (missing shards, shards out of step, partial or aborted shards); empty when whole. */
  partialBecause: string[];
}

/** A result written by a run (final, or a checkpoint while it goes on). */
export interface RunResultBase extends ResultBase {
  resources: RunResources;
  merge?: undefined;
}

/** One input of a merged result. */
export interface MergedShard {
  /** The input's name (its file path), null when the SDK was given no names. */
  name: string | null;
  shard: { index: number; count: number } | null;
  state: 'completed' | 'failed' | 'aborted';
  startedAt: IsoTime;
  acked: number;
}

/** A result written by `loadhouse merge` (`mergeResults`): told apart from a run's by its `merge` section. */
export interface MergedResultBase extends ResultBase {
  resources: MergedResources;
  merge: MergeCheck;
  mergedFrom: MergedShard[];
}

/** How the run ended; a failed run says why. */
export type ResultState = { state: 'completed' | 'aborted' } | { state: 'failed'; error: { code: string; message: string } };

export type RunResult = RunResultBase & ResultState;
export type MergedResult = MergedResultBase & ResultState;

/** The JSON document of a result file: a run's (`merge` absent) or a merged one (`merge` present). */
export type LoadTestResult = RunResult | MergedResult;
