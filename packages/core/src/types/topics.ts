// Per-topic totals of a many-topic run (`options.topics`, docs/workload-topics.md).

/** What the producers of one topic counted after warm-up. */
export interface TopicProducerTotals {
  scheduled: number;
  acked: number;
  failed: number;
  dropped: number;
  /** Value bytes of acked records. */
  bytes: number;
  /** The topic's share of the run's `producer.msgsPerSec` (its acked records over the same time). */
  msgsPerSec: number;
  /** Failed records by error code (sums to `failed`). */
  errorsByCode: Record<string, number>;
}

/** What the consumers of one topic counted after warm-up. */
export interface TopicConsumerTotals {
  /** Records read (another run's records included, as in `result.consumer`). */
  consumed: number;
  bytes: number;
  /** The topic's share of the run's `consumer.msgsPerSec`. */
  msgsPerSec: number;
  /** Lag summed over the topic's partitions in the last poll of each (the topic's part of `consumer.lag.final`). */
  lag: number;
}

/**
 * One topic of a many-topic run: the counts of `result.producer` and `result.consumer` split by topic. Summed over
 * `result.topics`, each count equals the run's own. Latency percentiles are the run's only (not split by topic).
 */
export interface TopicTotals {
  topic: string;
  /** The topic's partition count (every topic of the run has the same). */
  partitions: number;
  producer: TopicProducerTotals;
  /** Absent when no consumer group ran. */
  consumer?: TopicConsumerTotals;
}
