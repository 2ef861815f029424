// Consumer groups that commit offsets and resume from them (docs/consumer-groups.md): the commit figures of
// a span, and what each restart of a group read again or skipped, against what its commit interval allows.
import type { LatencySummary } from './samples.js';

/** The CommitOffset calls of a span; on `consumer.commit` only when a group committed in it. */
export interface CommitStats {
  /** Commits the target acknowledged. */
  commits: number;
  /** Commits that failed; `errorsByCode` breaks them down by status and sums to it. */
  failed: number;
  errorsByCode: Record<string, number>;
  /** Call to acknowledgement of each acknowledged commit (`consumer.commit.latency.p99`...). */
  latency: LatencySummary;
}

/** One partition of a restarted group, read against where the group it continues had left it. */
export interface ConsumerResumePartition {
  /**
   * The partition's topic. A group over many topics (`--topics`) has a partition 0 in each: its resumes list
   * every topic's partitions, told apart by this. Absent in results of versions that judged one topic only.
   */
  topic?: string;
  partition: number;
  /** The offset the restarted group read first (the committed offset it was given). */
  resumedFrom: number;
  /** The next offset after the highest the group had read before the restart. */
  previousEnd: number;
  /** The offset the group had last committed with success before the restart. */
  committedBefore: number;
  /**
   * Records read again: offsets in [resumedFrom, previousEnd) that the restarted group read. Null while it
   * still runs (a checkpoint).
   */
  redelivered: number | null;
  /** What the commit interval allows: previousEnd - committedBefore (records read since the last good commit). */
  bound: number;
  /** Offsets never read: resumedFrom - previousEnd when the group resumed beyond where it had read. */
  skipped: number;
}

/** A consumer group started again (`startAt: 'committed'`) after an earlier instance of it stopped. */
export interface ConsumerResume {
  group: string;
  /** The group's topic; for a group over many topics, their names joined by commas (`partitions[].topic` tells which). */
  topic: string;
  /** Seconds after the run's start at which the restarted group was asked to start. */
  atSeconds: number;
  /** How the instance before it ended: a crash (no final commit) or a graceful stop. */
  after: 'crash' | 'stop';
  /** Sums over `partitions`; `redelivered` and `beyondBound` are null while the group still runs. */
  redelivered: number | null;
  bound: number;
  beyondBound: number | null;
  skipped: number;
  /** Seconds from the restart until its first record arrived; null when none did. */
  firstRecordSeconds: number | null;
  partitions: ConsumerResumePartition[];
}

/**
 * Restarts of consumer groups over the run; on `result.consumer.restarts` when a group resumed. Redelivery is
 * expected: a restarted group reads again what was read since the last good commit. `beyondBound` counts
 * records read again beyond that (a commit the target acknowledged but did not keep), `skipped` records no
 * instance of the group read (a committed offset past what was read).
 */
export interface ConsumerRestarts {
  restarts: number;
  /** Of them, after a crash. */
  afterCrash: number;
  redelivered: number;
  /** The sum of the resumes' bounds. */
  redeliveryBound: number;
  /** Records read again beyond each partition's bound, summed. */
  beyondBound: number;
  skipped: number;
  /** The slowest restart to its first record, seconds; null when no restart read anything. */
  maxFirstRecordSeconds: number | null;
  /** Restarted groups still running: their redeliveries are not counted yet. */
  pending: number;
  resumes: ConsumerResume[];
}
