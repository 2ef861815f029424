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
import type { ConsumerRestarts, Logger } from '../types.js';
import type { DeliveryTally } from '../worker/delivery-tally.js';

/** How much earlier than this shard's start another shard of the same run may have stamped records. */
const SHARD_CLOCK_SLACK_MS = 10 * 60_000;

export interface PoolDeps {
  opts: ResolvedOptions;
  topic: string;
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

  constructor(private readonly d: PoolDeps) {}

  /** The worker threads, once any group started. */
  get workers(): WorkerPool | undefined {
    return this.workerPool;
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

  /** A consumer group stopped while producers still ran: gaps below its last sequence may still fill. */
  get stoppedWhileProducing(): boolean {
    return this.consumerPool?.stoppedWhileProducing ?? false;
  }

  /** `{ restarts }` for result.consumer: restarts of consumer groups and what they read again; empty when no group resumed. */
  consumerRestarts(): { restarts?: ConsumerRestarts } {
    const restarts = this.consumerPool?.ledger.report();
    return restarts ? { restarts } : {};
  }

  /** The topic's partition count: created or checked once, then every group must agree with it. */
  partitionsFor(requested: number | undefined): Promise<number> {
    const { topic } = this.d;
    if (!this.topicCount) {
      this.topicCount = ensureTopic(this.d.client(), topic, requested);
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
          },
          connections: o.connections,
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
        workersFor: (n) => o.workers ?? Math.min(o.maxWorkers, n),
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
        workersFor: (n) => o.workers ?? Math.min(o.maxWorkers, n),
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
