// The run's load machinery, made on first use: one worker pool (threads that host producers and consumers
// alike), the producer pool and the consumer pool on it, and the topic's partition count. Stopping them is
// the first step of a run's ending.
import type { Aggregator } from '../metrics/aggregator.js';
import type { RateTracker } from '../metrics/rate-tracker.js';
import { ACK_MODES, type ResolvedOptions } from '../options.js';
import { ConsumerPool } from '../pools/consumer-pool.js';
import { ProducerPool } from '../pools/producer-pool.js';
import { WorkerPool } from '../pools/worker-pool.js';
import type { Driver } from '../driver/types.js';
import type { Ending } from '../result/build.js';
import { LoadhouseError } from '../errors.js';
import { ensureTopic } from '../target.js';
import type { ConsumerRestarts, Logger, PartitionsReport, WorkerChoice } from '../types.js';
import { availableParallelism } from 'node:os';
import { chooseWorkers, measureIdleCores, needsIdleSample } from '../pools/worker-choice.js';
import type { DeliveryTally } from '../worker/delivery-tally.js';

/** Topics created or checked at a time: a many-topic run sets up quickly without a burst of 1,000 calls. */
const TOPIC_SETUP_CONCURRENCY = 16;

/** Every topic exists with the first one's partition count (LH_TOPIC_MISMATCH otherwise); returns that count. */
async function ensureTopics(client: Driver, topics: readonly string[], requested: number | undefined): Promise<number> {
  const count = await ensureTopic(client, topics[0]!, requested);
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next < topics.length) await ensureTopic(client, topics[next++]!, count);
  };
  await Promise.all(Array.from({ length: Math.min(TOPIC_SETUP_CONCURRENCY, topics.length - 1) }, worker));
  return count;
}

/** How much earlier than this shard's start another shard of the same run may have stamped records. */
const SHARD_CLOCK_SLACK_MS = 10 * 60_000;

export interface PoolDeps {
  opts: ResolvedOptions;
  /** The run's topics (one unless `options.topics` > 1): every group spreads over all of them. */
  topics: readonly string[];
  /** The connected target (set up before any load). */
  client: () => Driver;
  aggregator: Aggregator;
  /** Requested producer rates; consumer groups running (1 each), for consumer rates. */
  rates: RateTracker;
  consumeActivity: RateTracker;
  /** The first load starts: returns the warm-up's end (epoch ms). */
  warmupEnd: () => number;
  /** When the run's load started (epoch ms). */
  startEpoch: () => number;
  end: (ending: Ending) => void;
  logger: Logger;
}

export class RunPools {
  private workerPool: WorkerPool | undefined;
  private producerPool: ProducerPool | undefined;
  private consumerPool: ConsumerPool | undefined;
  private topicCount: Promise<number> | undefined;
  private choice: WorkerChoice | undefined;

  constructor(private readonly d: PoolDeps) {}

  /** The worker threads, once any group started. */
  get workers(): WorkerPool | undefined {
    return this.workerPool;
  }

  /** How many workers loadhouse chose and why (worker-choice.ts); undefined when options.workers was given. */
  get workerChoice(): WorkerChoice | undefined {
    return this.choice;
  }

  /**
   * Workers for a producer group without options.workers: chosen once, at the first group, from the headroom
   * measured then; later groups keep that count. Consumers take what they took before (a worker per group
   * member up to the cores, a core left to a target on this machine).
   */
  private async chooseWorkers(members: number, rate: number): Promise<number> {
    const o = this.d.opts;
    if (o.workers !== undefined) return o.workers;
    const localTarget = o.target.pid !== undefined;
    const cores = availableParallelism();
    if (rate <= 0) return Math.min(o.maxWorkers, members, Math.max(1, cores - (localTarget ? 1 : 0)));
    if (!this.choice) {
      const s = { cores, localTarget, rate, producers: members, maxWorkers: o.maxWorkers };
      this.choice = chooseWorkers({ ...s, idleCores: needsIdleSample(s) ? await measureIdleCores() : undefined });
      this.d.logger.info(this.choice.reason);
    }
    return this.choice.workers;
  }

  /** Whether any producer or consumer group was started (load was sent, or may have been). */
  get started(): boolean {
    return this.producerPool !== undefined || this.consumerPool !== undefined;
  }

  get producersRunning(): number {
    return this.producerPool?.running ?? 0;
  }

  /** Every producer's latest retries / idempotence / transactions tally. */
  deliveryTallies(): DeliveryTally[] {
    return this.producerPool?.deliveryTallies() ?? [];
  }

  /** Keyed producer groups' records per partition; undefined without keys. */
  partitionBalance(): PartitionsReport | undefined {
    return this.producerPool?.partitionBalance();
  }

  /** A consumer group stopped while producers still ran: gaps below its last sequence may still fill. */
  get stoppedWhileProducing(): boolean {
    return this.consumerPool?.stoppedWhileProducing ?? false;
  }

  /** `{ restarts }` for result.consumer: restarts of consumer groups and what they read again; empty when no group resumed. */
  consumerRestarts(): { restarts?: ConsumerRestarts } {
    const restarts = this.consumerPool?.ledger.report();
    return restarts ? { restarts } : {};
  }

  /**
   * The topics' partition count: created or checked once (the first topic decides the count when none is
   * asked for; every other topic must have it), then every group must agree with it.
   */
  partitionsFor(requested: number | undefined): Promise<number> {
    const topic = this.d.topics[0]!;
    if (!this.topicCount) {
      this.topicCount = ensureTopics(this.d.client(), this.d.topics, requested);
      this.topicCount.catch(() => (this.topicCount = undefined));
      return this.topicCount;
    }
    return this.topicCount.then((count) => {
      if (requested !== undefined && requested !== count) {
        throw new LoadhouseError('LH_TOPIC_MISMATCH', `Topic "${topic}" has ${count} partitions, but produce() asks for ${requested}.`, {
          details: { topic, actual: count, wanted: requested },
        });
      }
      return count;
    });
  }

  private pool(): WorkerPool {
    if (!this.workerPool) {
      const o = this.d.opts;
      this.workerPool = new WorkerPool(
        {
          maxWorkers: o.maxWorkers,
          target: {
            address: o.target.address,
            deadlineMs: o.target.deadlineMs,
            connectTimeoutMs: o.target.connectTimeoutMs,
            ...(o.target.organizationId !== undefined ? { organizationId: o.target.organizationId } : {}),
            ...(o.target.driver !== undefined ? { driver: o.target.driver } : {}),
            ...(o.target.tls !== undefined ? { tls: o.target.tls } : {}),
            ...(o.target.metadata !== undefined ? { metadata: o.target.metadata } : {}),
            ...(o.target.sasl !== undefined ? { sasl: o.target.sasl } : {}),
          },
          connections: o.connections,
          maxCallsPerConnection: o.maxCallsPerConnection,
          instrument: o.instrument,
        },
        {
          onReport: (i, report) => {
            try {
              this.d.aggregator.onReport(i, report);
            } catch (err) {
              this.d.logger.error(`could not merge the report of worker ${i}: ${(err as Error).message}`);
            }
          },
          onProducerDone: (groupId, producer) => this.producerPool?.producerDone(groupId, producer),
          onGroupStopped: (groupId, producers, positions) => {
            if (positions) this.consumerPool?.groupStopped(groupId, positions);
            else this.producerPool?.groupStopped(groupId, producers);
          },
          onCrash: (i, error) => {
            const message =
              `Load worker ${i} died: ${error.message}. The result is partial (what the worker had not reported is lost). ` +
              'If it ran out of memory, spread producers over more workers (options.workers) or lower batchSize x maxInFlight; otherwise report it as a loadhouse bug.';
            this.d.end({ state: 'failed', endReason: 'worker-crashed', message, error: { code: 'LH_WORKER_CRASHED', message } });
          },
          onLog: (level, message) => this.d.logger[level](message),
        },
      );
    }
    return this.workerPool;
  }

  producers(): ProducerPool {
    if (!this.producerPool) {
      const o = this.d.opts;
      this.producerPool = new ProducerPool(this.pool(), this.d.rates, {
        workersFor: (n, rate) => this.chooseWorkers(n, rate),
        connections: o.connections,
        drainTimeoutMs: o.drainTimeoutMs,
        dropAfterMs: o.dropAfterMs,
        ackMode: ACK_MODES[o.ackMode],
        delivery: o.delivery,
        seed: o.seed,
        shard: o.shard,
        warmupEnd: this.d.warmupEnd,
      });
    }
    return this.producerPool;
  }

  consumers(): ConsumerPool {
    if (!this.consumerPool) {
      const o = this.d.opts;
      const client = this.d.client();
      this.consumerPool = new ConsumerPool(this.pool(), this.d.consumeActivity, {
        workersFor: (n) => this.chooseWorkers(n, 0),
        drainTimeoutMs: o.drainTimeoutMs,
        shard: o.shard,
        warmupEnd: this.d.warmupEnd,
        // Shards of one run start at different times on different machines: only records stamped well
        // before this shard started are taken for another run's.
        runStartEpochMs: this.d.startEpoch() - (o.shard ? SHARD_CLOCK_SLACK_MS : 0),
        latestOffset: (topic, partition) => client.latestOffset(topic, partition),
        committedOffset: (group, topic, partition) => client.committedOffset(group, topic, partition),
        producing: () => this.producersRunning > 0,
        onResume: (groupId, rootId, earlier) => {
          this.d.aggregator.verifier.continues(groupId, rootId);
          this.d.aggregator.forgetLag(earlier);
        },
      });
    }
    return this.consumerPool;
  }

  /** Stops every group (each drains) and then the threads; failures are logged, the ending goes on. */
  async stopAll(): Promise<void> {
    const { logger } = this.d;
    await this.producerPool?.stopAll().catch((err: unknown) => logger.error(`stopping producers: ${(err as Error).message}`));
    await this.consumerPool?.stopAll().catch((err: unknown) => logger.error(`stopping consumers: ${(err as Error).message}`));
    await this.workerPool?.shutdown().catch((err: unknown) => logger.error(`stopping workers: ${(err as Error).message}`));
  }
}
