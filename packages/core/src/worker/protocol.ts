// Messages between the main thread and load workers. Everything here is plain cloneable data.
// A worker hosts groups of both kinds (producers and consumers) on one set of threads; group ids are
// unique across kinds, so `stop-group` and `group-stopped` serve both, and one report carries both sections.
import type { MessagePort } from 'node:worker_threads';
import type { ConsumerHistogram, HistogramBytes, ProducerHistogram } from '../metrics/histogram-set.js';
import type { ResolvedDriver } from '../driver/load.js';
import type { TlsOptions } from '../proto/client.js';
import type { DeliveryConfig, PayloadKind, ProducerStats } from '../types.js';
import type { KeyDistribution } from '../workload/keys.js';
import type { SizeDistribution } from '../workload/sizes.js';
import type { DeliveryTally } from './delivery-tally.js';
import type { ArrivalGapTally } from './arrivals.js';

export interface WorkerTarget {
  address: string;
  organizationId?: string;
  tls?: TlsOptions | boolean;
  metadata?: Record<string, string>;
  deadlineMs: number;
  connectTimeoutMs: number;
  /** A third-party driver module (resolved on the main thread); the built-in gRPC driver when absent. */
  driver?: ResolvedDriver;
  /** SASL/PLAIN credentials (`target.sasl`). */
  sasl?: { username: string; password: string };
}

/** The batch shape a worker pre-warms its produce path with (worker/prewarm.ts): the first producer group's. */
export interface WarmupSpec {
  topic: string;
  ackMode: number;
  batchSize: number;
  messageSize: number;
}

/** The task a worker runs for the whole test: the argument of the worker module's default export. */
export interface WorkerInit {
  workerIndex: number;
  target: WorkerTarget;
  connections: number;
  /** Calls in flight per connection, at most, of all this worker's producers (call-budget.ts). */
  maxCallsPerConnection: number;
  instrument: boolean;
  port: MessagePort;
  /** Pre-warm before reporting ready; absent for a worker first started for consumers. */
  warmup?: WarmupSpec;
}

export interface ProducerSpec {
  /** Run-wide producer id (written in every record header). */
  id: number;
  rate: number;
  partitions: number[];
  /** Fraction of one record interval by which this producer's schedule is offset, so producers do not send in lockstep. */
  phase: number;
  /** The topic this producer writes (many-topic runs); absent: the group's `topic`. */
  topic?: string;
}

export interface ProducerGroupSpec {
  groupId: number;
  topic: string;
  producers: ProducerSpec[];
  messageSize: number;
  batchSize: number;
  lingerMs: number;
  maxInFlight: number;
  /** 0 = no quota. */
  messagesPerProducer: number;
  payload: PayloadKind;
  ackMode: number;
  dropAfterMs: number;
  /** Records whose intended time is before this (epoch ms) belong to warm-up. */
  warmupEndEpochMs: number;
  /** When the main thread started the group (epoch ms): the schedule's origin. */
  startEpochMs: number;
  /** Retries, idempotence, transactions; absent: each batch is sent once without a producer id. */
  delivery?: DeliveryConfig;
  /** The run's seed: a producer derives its random streams from it and its id (deriveSeed in util.ts). */
  seed: number;
  // Workload shape (docs/workload.md). All absent: keyless records of `messageSize` bytes.
  /** Record keys; absent or 'none': records carry no key. */
  keys?: KeyDistribution;
  /** 'hash' (default): a keyed record goes to its key's partition; 'pinned': to the producer's own partitions. */
  keyRouting?: 'hash' | 'pinned';
  /** Sizes drawn per record; absent: every record has `messageSize` bytes (then the largest size). */
  sizes?: SizeDistribution;
  /** The topic's partition count (keys hash over all of them); needed with keys. */
  partitionCount?: number;
  /** Evenly spaced intended times (absent: the same) or exponential gaps (worker/poisson-schedule.ts). */
  arrivals?: 'uniform' | 'poisson';
}

/** One consumer of a group: its partitions (never empty; idle consumers are not sent to workers). */
export interface ConsumerSpec {
  /** Position of the consumer in its group (0..consumers-1), across all shards. */
  k: number;
  partitions: ConsumerPartitionSpec[];
  /** The topic this consumer reads (many-topic runs); absent: the group's `topic`. */
  topic?: string;
}

export interface ConsumerPartitionSpec {
  partition: number;
  /** Offset of the first Consume (resolved by the main thread from `startAt`). */
  startOffset: number;
}

/** Where a consumer left one partition when its group stopped (see Consumer.positions). */
export interface ConsumerPosition {
  /** The topic of the partition: a group over many topics has the same partition numbers in each. */
  topic: string;
  partition: number;
  /** The offset the group started reading the partition from. */
  startOffset: number;
  /** Next offset to read: every offset in [startOffset, next) was read. */
  next: number;
  /** The offset last committed with success (startOffset when none was). */
  committed: number;
  /** Epoch ms at which the first record arrived; 0 when none did. */
  firstRecordEpochMs: number;
}

/** Records per second per partition, or 'max' (as fast as the target serves, bounded polls in flight). */
export type PartitionRate = number | 'max';

export interface ConsumerGroupSpec {
  groupId: number;
  topic: string;
  consumers: ConsumerSpec[];
  ratePerPartition: PartitionRate;
  maxRecords: number;
  /** Polls in flight per consumer at most (each partition has at most one). */
  maxInFlight: number;
  /** Consumer group name sent with Consume and used by CommitOffset. */
  group: string;
  /** 0 = never commit. Otherwise CommitOffset every this many ms, and once more when the group stops. */
  commitEveryMs: number;
  /** Records whose intended time is before this (epoch ms) belong to warm-up. */
  warmupEndEpochMs: number;
  /** Records with a loadhouse header but an intended time before this come from another run: foreign. */
  runStartEpochMs: number;
}

export type ControlMessage =
  | { type: 'start-producers'; group: ProducerGroupSpec }
  | { type: 'start-consumers'; group: ConsumerGroupSpec }
  | { type: 'set-consumer-rate'; groupId: number; ratePerPartition: PartitionRate }
  /** New per-producer rates, keyed by producer id. */
  | { type: 'set-rate'; groupId: number; rates: Record<number, number>; atEpochMs: number; continuous?: boolean }
  /**
   * Scheduling ends at atEpochMs (when the main thread asked); then in-flight batches drain. `crash` (consumer
   * groups): polls in flight are dropped and no final commit is made, as when a consumer process dies.
   */
  | { type: 'stop-group'; groupId: number; drainTimeoutMs: number; atEpochMs: number; crash?: boolean }
  | { type: 'collect'; collectId: number }
  | { type: 'shutdown' };

/** A producer's counts as a worker keeps them (bytes: value bytes of acked records; errorsByCode sums to failed). */
export type CounterSet = Pick<ProducerStats, 'scheduled' | 'sent' | 'acked' | 'failed' | 'dropped' | 'bytes' | 'batches' | 'errorsByCode'>;

export interface ProducerReport {
  /** Everything that happened since the previous report. */
  window: CounterSet;
  /** The part of `window` about records intended after warm-up: what totals count. */
  measured: CounterSet;
  /** Histograms that recorded anything in the window (uncompressed encodings). */
  histograms: HistogramBytes<ProducerHistogram>;
  /** Histograms of the measured records; 'window' when every record in the window was measured. */
  measuredHistograms: HistogramBytes<ProducerHistogram> | 'window';
  inFlightBatches: number;
  backlog: number;
  /** When the worker's first record was acknowledged (epoch ms; 0 until then). */
  firstAckEpochMs?: number;
  /** Measured records acknowledged within the first second after warm-up, since the previous report. */
  firstSecondAcked?: number;
  /** `measured` split by topic (its topics with any count in the window); absent when empty. */
  byTopic?: TopicCounts<CounterSet>[];
}

/** One topic's share of a report's measured counters. */
export interface TopicCounts<C> {
  topic: string;
  measured: C;
}

export interface WorkerHealth {
  eventLoopDelayP99Ms: number;
  /** Event-loop utilization (0..1) since the previous report. */
  utilization: number;
  /** Producers found the worker's calls in flight at its cap (`waits` times since the previous report); absent: never. */
  callCap?: { cap: number; waits: number };
  /**
   * Times a producer had a batch ready while all its own maxInFlight calls were out (once per filling), since the
   * previous report; absent: never. Its records then waited on the target's answers.
   */
  windowFullWaits?: number;
}

export interface ConsumerCounterSet {
  /** Records returned by Consume (foreign ones included). */
  consumed: number;
  /** Value bytes of consumed records. */
  bytes: number;
  /** Consume calls answered OK (the poll latency histogram counts exactly these). */
  polls: number;
  /** Of `polls`, those that returned no records. */
  emptyPolls: number;
  /** Failed Consume calls by gRPC status name (and DRAIN_TIMEOUT). */
  errorsByCode: Record<string, number>;
  /** Records without a loadhouse header, or with one from another run: not checked, no end-to-end latency. */
  foreign: number;
  // Offset commits (docs/consumer-groups.md): a commit is measured when it started after warm-up.
  /** CommitOffset calls answered OK (the commit latency histogram counts exactly these). */
  commits: number;
  /** CommitOffset calls that failed; commitErrorsByCode breaks them down by status and sums to it. */
  commitsFailed: number;
  commitErrorsByCode: Record<string, number>;
}

/** Integrity counts of one consumer group on one worker since the group started (cumulative, not deltas). */
export interface IntegrityTally {
  /** Records whose header was checked. */
  checked: number;
  /** Sequences in open gaps below the highest sequence seen (a later arrival turns one into `reordered`). */
  missing: number;
  duplicates: number;
  reordered: number;
  /** Records whose checksum did not match their bytes (a version 2 header). */
  corrupted: number;
  /** The first examples, at most 20 (a missing one that arrives later is removed). */
  examples: Array<{
    kind: 'missing' | 'duplicate' | 'reordered' | 'corrupted';
    producer: number;
    partition: number;
    sequence: number;
    offset?: number;
  }>;
  /** Gaps merged because a stream had too many open ones: counts stay exact, classification may not. */
  mergedGaps: number;
}

export interface ConsumerReport {
  window: ConsumerCounterSet;
  /** The part of `window` after warm-up (records by intended time, polls by start time). */
  measured: ConsumerCounterSet;
  histograms: HistogramBytes<ConsumerHistogram>;
  measuredHistograms: HistogramBytes<ConsumerHistogram> | 'window';
  /** Lag (high watermark - next offset) of each partition this worker read, from its latest poll. */
  lag: ConsumerLag[];
  /** `measured` split by topic (its topics with any count in the window); absent when empty. */
  byTopic?: TopicCounts<ConsumerCounterSet>[];
  /** Integrity of the groups whose counts changed since the previous report. */
  integrity: Array<{ groupId: number; tally: IntegrityTally }>;
}

/** A partition's lag as one consumer group saw it in its latest poll. */
export interface ConsumerLag {
  groupId: number;
  partition: number;
  lag: number;
  /** The partition's topic (absent in one-topic runs of older workers: the run's topic). */
  topic?: string;
}

export interface WorkerReport {
  producer: ProducerReport | null;
  /** Null until the worker hosted a consumer group. */
  consumer: ConsumerReport | null;
  health: WorkerHealth;
  /** Run-length ack and consumed logs since the previous report (instrumented runs only). */
  verify?: VerifyReport;
  /** Group joins and rebalances the worker's driver completed since the previous report, ms each (Driver.rebalances). */
  rebalanceMs?: number[];
}

/** Flat runs of RUN_FIELDS numbers each (partition, first offset, count, producer, first sequence); see verify/run-log.ts. */
export interface VerifyReport {
  /**
   * What producers of each topic had acknowledged, the records of their failed batches (offset -1) and, with
   * transactions, the records of transactions committed and of those whose outcome was never confirmed (offset -1).
   */
  acks: Array<{ topic: string; acked: number[]; failed: number[]; committed?: number[]; uncertain?: number[] }>;
  /** What each consumer group read, with the offset it started each of its partitions from. */
  consumed: Array<{ groupId: number; topic: string; startOffsets: Record<number, number>; runs: number[] }>;
}

export type WorkerMessage =
  | { type: 'ready'; workerIndex: number }
  | { type: 'init-failed'; workerIndex: number; code: string; message: string }
  | { type: 'report'; workerIndex: number; collectId: number | null; report: WorkerReport }
  | { type: 'group-stopped'; workerIndex: number; groupId: number; producers: ProducerTotalsReport[]; positions?: ConsumerPosition[] }
  /** Producers of a group that completed (their quota or a stop), gathered per turn of the worker's event loop. */
  | { type: 'producer-done'; workerIndex: number; groupId: number; producers: ProducerTotalsReport[] }
  | { type: 'log'; workerIndex: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

/** One producer's own totals, sent when it finishes its quota and when its group stops. */
export interface ProducerTotalsReport {
  id: number;
  /** Finished its quota before any stop. */
  completed: boolean;
  startEpochMs: number;
  finishedEpochMs: number;
  scheduled: number;
  acked: number;
  failed: number;
  dropped: number;
  /** Retries, idempotence and transaction counts (cumulative), when the group has delivery settings. */
  delivery?: DeliveryTally;
  /** Acked records by partition (partition -> count), when the group has keys. */
  ackedByPartition?: Record<number, number>;
  /** Gaps between intended times, for the group's arrival CV (Poisson arrivals). */
  arrivals?: ArrivalGapTally;
}

export function emptyCounters(): CounterSet {
  return { scheduled: 0, sent: 0, acked: 0, failed: 0, dropped: 0, bytes: 0, batches: 0, errorsByCode: {} };
}

export function emptyConsumerCounters(): ConsumerCounterSet {
  return {
    consumed: 0,
    bytes: 0,
    polls: 0,
    emptyPolls: 0,
    errorsByCode: {},
    foreign: 0,
    commits: 0,
    commitsFailed: 0,
    commitErrorsByCode: {},
  };
}

/** Adds every count of `from` into `into`, and its errors code by code. */
function addCounts<C extends { errorsByCode: Record<string, number> }>(into: C, from: C): void {
  const to = into as unknown as Record<string, number>;
  for (const [k, v] of Object.entries(from)) if (typeof v === 'number') to[k] = (to[k] as number) + v;
  for (const [k, v] of Object.entries(from.errorsByCode)) into.errorsByCode[k] = (into.errorsByCode[k] ?? 0) + v;
}

export function addConsumerCounters(into: ConsumerCounterSet, from: ConsumerCounterSet): void {
  addCounts(into, from);
  for (const [k, v] of Object.entries(from.commitErrorsByCode)) into.commitErrorsByCode[k] = (into.commitErrorsByCode[k] ?? 0) + v;
}

export function addCounters(into: CounterSet, from: CounterSet): void {
  addCounts(into, from);
}
