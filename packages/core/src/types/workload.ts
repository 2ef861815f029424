// What a result says about the workload's shape beyond the config: how keyed records spread over partitions.

/** One keyed producer group's records per partition. */
export interface PartitionBalance {
  /** The producer group (`config.producerGroups[].id`). */
  group: number;
  /** Its key distribution (`'zipf:1000:1.1'`...). */
  keys: string;
  /** Acked records per partition: `acked[p]` is partition p's count. */
  acked: number[];
  /** The most loaded partition's count over the mean count (1 = even; 0 when nothing was acked). */
  imbalance: number;
  /** Coefficient of variation of the counts: standard deviation over mean (0 = even). */
  cv: number;
}

/** `result.partitions`: per keyed producer group, and the worst figures of all groups (criteria: `partitions.imbalance`, `partitions.cv`). */
export interface PartitionsReport {
  imbalance: number;
  cv: number;
  groups: PartitionBalance[];
}
