// `result.topics`: a many-topic run's counts split by topic. Workers count each topic's members apart (their
// reports' byTopic), so the split is exact and sums to the run's counts; rates are each topic's share of the
// run's rate, so they add up to it as well and a merge of shards recomputes them the same way.
import type { Aggregator } from '../metrics/aggregator.js';
import type { ConsumerGroupConfig, ConsumerTotals, ProducerGroupConfig, ProducerTotals, TopicTotals } from '../types.js';
import type { ConsumerCounterSet, CounterSet } from '../worker/protocol.js';

export interface TopicTotalsInput {
  topics: readonly string[];
  partitions: number;
  producers: ReadonlyMap<string, CounterSet>;
  /** Undefined when no consumer group ran. */
  consumers: ReadonlyMap<string, ConsumerCounterSet> | undefined;
  /** The lag gauge now, by topic. */
  lag: ReadonlyMap<string, number>;
  producer: Pick<ProducerTotals, 'acked' | 'msgsPerSec'>;
  consumer: Pick<ConsumerTotals, 'consumed' | 'msgsPerSec'>;
}

/** `part` of `whole`'s rate: the rate a count would have over the time the whole was counted in. */
export function shareOf(part: number, whole: number, wholeRate: number): number {
  return whole > 0 ? (wholeRate * part) / whole : 0;
}

/** One entry per topic of the run, in the run's order (topics nothing reached have zeros). */
export function topicTotals(input: TopicTotalsInput): TopicTotals[] {
  return input.topics.map((topic): TopicTotals => {
    const p = input.producers.get(topic);
    const out: TopicTotals = {
      topic,
      partitions: input.partitions,
      producer: {
        scheduled: p?.scheduled ?? 0,
        acked: p?.acked ?? 0,
        failed: p?.failed ?? 0,
        dropped: p?.dropped ?? 0,
        bytes: p?.bytes ?? 0,
        msgsPerSec: shareOf(p?.acked ?? 0, input.producer.acked, input.producer.msgsPerSec),
        errorsByCode: { ...p?.errorsByCode },
      },
    };
    if (input.consumers) {
      const c = input.consumers.get(topic);
      out.consumer = {
        consumed: c?.consumed ?? 0,
        bytes: c?.bytes ?? 0,
        msgsPerSec: shareOf(c?.consumed ?? 0, input.consumer.consumed, input.consumer.msgsPerSec),
        lag: input.lag.get(topic) ?? 0,
      };
    }
    return out;
  });
}

/** The totals of a run's topics from its aggregator, its groups (for the partition count) and its run-wide totals. */
export function runTopicTotals(
  agg: Pick<Aggregator, 'topicProducers' | 'topicConsumers' | 'hasConsumers' | 'lagByTopic'>,
  topics: readonly string[],
  groups: { producerGroups: readonly ProducerGroupConfig[]; consumerGroups: readonly ConsumerGroupConfig[] },
  run: { producer: ProducerTotals; consumer: ConsumerTotals },
): TopicTotals[] {
  const first = groups.producerGroups[0] ?? groups.consumerGroups[0];
  return topicTotals({
    topics,
    partitions: first?.partitions ?? 0,
    producers: agg.topicProducers,
    consumers: agg.hasConsumers ? agg.topicConsumers : undefined,
    lag: agg.lagByTopic(),
    producer: run.producer,
    consumer: run.consumer,
  });
}

/**
 * The topics of merged shards: counts summed topic by topic (each shard ran its share of every topic's members),
 * rates as each topic's share of the merged rates. Undefined when no shard had per-topic totals.
 */
export function mergeTopics(
  shards: ReadonlyArray<{ topics?: TopicTotals[] }>,
  merged: { producer: Pick<ProducerTotals, 'acked' | 'msgsPerSec'>; consumer: Pick<ConsumerTotals, 'consumed' | 'msgsPerSec'> },
): TopicTotals[] | undefined {
  const byTopic = new Map<string, TopicTotals>();
  for (const shard of shards) {
    for (const t of shard.topics ?? []) {
      let m = byTopic.get(t.topic);
      if (!m) {
        m = {
          topic: t.topic,
          partitions: t.partitions,
          producer: { scheduled: 0, acked: 0, failed: 0, dropped: 0, bytes: 0, msgsPerSec: 0, errorsByCode: {} },
        };
        byTopic.set(t.topic, m);
      }
      m.partitions = Math.max(m.partitions, t.partitions);
      const p = m.producer;
      p.scheduled += t.producer.scheduled;
      p.acked += t.producer.acked;
      p.failed += t.producer.failed;
      p.dropped += t.producer.dropped;
      p.bytes += t.producer.bytes;
      for (const [code, n] of Object.entries(t.producer.errorsByCode)) p.errorsByCode[code] = (p.errorsByCode[code] ?? 0) + n;
      if (t.consumer) {
        m.consumer ??= { consumed: 0, bytes: 0, msgsPerSec: 0, lag: 0 };
        m.consumer.consumed += t.consumer.consumed;
        m.consumer.bytes += t.consumer.bytes;
        m.consumer.lag += t.consumer.lag;
      }
    }
  }
  if (byTopic.size === 0) return undefined;
  const out = [...byTopic.values()];
  for (const t of out) {
    t.producer.msgsPerSec = shareOf(t.producer.acked, merged.producer.acked, merged.producer.msgsPerSec);
    if (t.consumer) t.consumer.msgsPerSec = shareOf(t.consumer.consumed, merged.consumer.consumed, merged.consumer.msgsPerSec);
  }
  return out;
}

/**
 * Criterion metrics over the topics of a many-topic run: `topics.minMsgsPerSec` (the least served topic's
 * acked rate) and `topics.maxLag` (the largest final lag of a topic). Null (unmeasured) without per-topic
 * totals, and `maxLag` without consumers: one topic has nothing to compare.
 */
export function topicMetric(topics: unknown, name: string | undefined): number | null {
  if (!Array.isArray(topics) || topics.length === 0) return null;
  const list = topics as TopicTotals[];
  if (name === 'minMsgsPerSec') return Math.min(...list.map((t) => t.producer.msgsPerSec));
  if (name === 'maxLag') return list.some((t) => t.consumer) ? Math.max(...list.map((t) => t.consumer?.lag ?? 0)) : null;
  return null;
}
