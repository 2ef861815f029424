// The scenario and the controller it drives: producer and consumer groups, waits, phases.
import type { Criterion } from './criteria.js';
import type { FaultSpec } from './faults.js';
import type { ConsumeOptions, ProduceOptions } from './options.js';
import type { Logger } from './plugins.js';
import type { Sample } from './samples.js';

/** A running producer group started by `controller.produce()`. */
export interface ProducerGroup {
  readonly id: number;
  /** Producers of the group running in this process (a shard runs its share only). */
  readonly producers: number;
  /** Partition count of the topic the group writes to (each of its topics has it). */
  readonly partitions: number;
  /** The topics the group writes, producer k to topic k mod N (one topic unless `options.topics` > 1). */
  readonly topics: readonly string[];
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
  /** Offset each partition read in this process started from, by partition (of the first topic with many topics). */
  readonly startOffsets: Readonly<Record<number, number>>;
  /** The topics the group reads, consumer k from topic k mod N (one topic unless `options.topics` > 1). */
  readonly topics: readonly string[];
  /** `startOffsets` of every topic the group reads in this process, by topic. */
  readonly startOffsetsByTopic: Readonly<Record<string, Readonly<Record<number, number>>>>;
  /** Changes the total rate (`'max'`: as fast as the target serves; 0 pauses). */
  setRate(rate: number | 'max'): void;
  /** Stops polling, awaits polls in flight (up to drainTimeoutMs), commits when the group commits, and resolves once workers reported. */
  stop(): Promise<void>;
  /**
   * Stops the group as if its consumers crashed: polls in flight are dropped, no final commit is made (commits
   * already sent are awaited). A later `consume()` of the same group with `startAt: 'committed'` is its
   * restart, and `result.consumer.restarts` reports what it read again (docs/consumer-groups.md).
   */
  crash(): Promise<void>;
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
  /** The run's topic; with many topics (`options.topics`), the first of `topics`. */
  readonly topic: string;
  /** Every topic of the run, which produce() and consume() spread their members over. */
  readonly topics: readonly string[];
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
  /** A fault timeline for the run, like `options.faults` (which wins when both are given). */
  faults?: string | Array<string | FaultSpec>;
  run(controller: Controller): Promise<void>;
}
