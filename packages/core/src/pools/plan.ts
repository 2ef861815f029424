// Deterministic split of a producer group: rate shares, partitions and shard membership. Every shard of a
// run computes the same global plan and keeps its own producers, so shards together send exactly the rate.
import { spreadOverTopics } from '../topics.js';
import type { ProducerSpec } from '../worker/protocol.js';

/**
 * Splits `total` records/s over `n` producers. Integer rates are split into integers whose remainders are
 * spread evenly over the producers (they sum to exactly `total`); other rates split evenly as fractions.
 */
export function splitRate(total: number, n: number): number[] {
  const out: number[] = [];
  if (Number.isInteger(total) && total >= n) {
    for (let k = 0; k < n; k++) out.push(Math.floor(((k + 1) * total) / n) - Math.floor((k * total) / n));
  } else {
    for (let k = 0; k < n; k++) out.push(total / n);
  }
  return out;
}

/** Partitions of producer k among n producers: round-robin, so every partition has a producer and vice versa. */
export function partitionsFor(k: number, producers: number, partitions: number): number[] {
  if (producers >= partitions) return [k % partitions];
  const out: number[] = [];
  for (let p = k; p < partitions; p += producers) out.push(p);
  return out;
}

/**
 * Partitions of each of `consumers` consumers over `topics` (one topic: `topics` holds one name): consumer k
 * reads topic k mod N, and the consumers of a topic split its partitions as assignPartitions() does.
 */
export function assignTopicPartitions(
  consumers: number,
  partitions: number,
  topics: readonly string[],
): Array<{ topic: string; partitions: number[] }> {
  const n = topics.length;
  const byTopic = topics.map((_, t) => assignPartitions(Math.max(1, Math.floor((consumers - 1 - t) / n) + 1), partitions));
  const out: Array<{ topic: string; partitions: number[] }> = [];
  for (let k = 0; k < consumers; k++) {
    const s = spreadOverTopics(k, consumers, n);
    out.push({ topic: topics[s.topic]!, partitions: byTopic[s.topic]![s.index]! });
  }
  return out;
}

/**
 * Partitions of each of `consumers` consumers: round-robin (consumer k reads k, k + n, k + 2n, ...), so
 * every partition has exactly one consumer and counts differ by at most one. With more consumers than
 * partitions the extra consumers get none: they stay idle.
 */
export function assignPartitions(consumers: number, partitions: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < consumers; k++) out.push([]);
  for (let p = 0; p < partitions; p++) out[p % consumers]!.push(p);
  return out;
}

export interface ProducerPlanInput {
  rate: number;
  producers: number;
  partitions: number;
  /** Run-wide id of the group's first producer. */
  firstId: number;
  shard: { index: number; count: number } | null;
  /** The run's topics (at least as many producers): producer k writes topic k mod N; absent: one topic. */
  topics?: readonly string[];
}

export interface PlannedProducer extends ProducerSpec {
  /** Position of the producer in the group (0..producers-1), across all shards. */
  k: number;
}

/** The producers of a group that this shard runs (all of them without sharding). */
export function planProducers(input: ProducerPlanInput): PlannedProducer[] {
  const rates = splitRate(input.rate, input.producers);
  const out: PlannedProducer[] = [];
  const topics = input.topics ?? [];
  for (let k = 0; k < input.producers; k++) {
    if (input.shard && k % input.shard.count !== input.shard.index) continue;
    // With many topics, the producers of each topic split its partitions as a one-topic group would.
    const spread = topics.length > 1 ? spreadOverTopics(k, input.producers, topics.length) : undefined;
    out.push({
      k,
      id: input.firstId + k,
      rate: rates[k]!,
      partitions: spread
        ? partitionsFor(spread.index, spread.count, input.partitions)
        : partitionsFor(k, input.producers, input.partitions),
      phase: k / input.producers,
      ...(spread ? { topic: topics[spread.topic]! } : {}),
    });
  }
  return out;
}
