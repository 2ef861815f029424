// The Kafka driver: the engine's Driver calls as Kafka protocol requests, through @platformatic/kafka's
// connections, version negotiation and record-batch codec. The engine already batches per partition, so each
// ProduceBatch is one Produce request for one partition, sent on the partition leader's connection; the
// client's own producer (its partitioner, its per-send validation, its sequence bookkeeping) is not used,
// because the engine owns the partition, the idempotent sequence and the retries. Values pass through as the
// engine built them (loadhouse record header first), so integrity, end-to-end latency and the acked-offset
// checks work as on gRPC.
import { type Driver, type DriverFailure, LoadhouseError, type ProducerIdentity } from '@loadhouse/core';
import type {
  ConnectOptions,
  FetchCallback,
  FetchedRecord,
  FetchRequest,
  OffsetCommit,
  PendingCall,
  ProduceBatch,
  ProduceCallback,
} from '@loadhouse/core';
import { AckMode } from '@loadhouse/core/wire';
import { type Connection, NumericMap } from '@platformatic/kafka';
import { KafkaConnections } from './connections.js';
import { kafkaErrorId, kafkaFailure } from './errors.js';

/**
 * Kafka `acks` of each engine ack mode (ProduceBatch.ackMode is the wire AckMode): buffered → 1 (the leader
 * has it), durable → all (-1), none → 0 (the broker sends no answer, so no offset is known).
 */
export const ACKS_OF_ACK_MODE: Readonly<Record<number, number>> = {
  [AckMode.ACK_BUFFERED]: 1,
  [AckMode.ACK_DURABLE]: -1,
  [AckMode.ACK_NONE]: 0,
};

export class KafkaDriver extends KafkaConnections implements Driver {
  /** Metadata must answer (the broker speaks Kafka); every connection of the pool is opened to its brokers. */
  async connect({ timeoutMs, verify }: ConnectOptions): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no Kafka answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const metadata = await Promise.race([this.client.metadata({ topics: [], forceUpdate: true }), timeout]);
      const brokers = [...metadata.brokers.values()];
      await Promise.race([Promise.all(this.pools.flatMap((p) => brokers.map((b) => p.get(b)))), timeout]);
    } catch (err) {
      if (kafkaFailure(err).status === 'UNAUTHENTICATED') {
        throw new LoadhouseError(
          'LH_TARGET_NOT_STREAMHOUSE',
          `The Kafka broker at ${this.target} refused the SASL/PLAIN login: check --sasl-username / --sasl-password (StreamHouse takes the organization id).`,
          { cause: err, details: { address: this.target } },
        );
      }
      if (verify && kafkaErrorId(err) === undefined && !/within/.test((err as Error).message) && (await this.listens())) {
        throw new LoadhouseError(
          'LH_TARGET_NOT_STREAMHOUSE',
          `${this.target} accepts connections but does not answer as a Kafka broker (${(err as Error).message}): give its Kafka port (9092 by default) with --protocol kafka.`,
          { cause: err, details: { address: this.target } },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async describeTopic(topic: string): Promise<{ partitions: number } | undefined> {
    this.topics.delete(topic);
    try {
      const md = await this.client.metadata({ topics: [topic], forceUpdate: true });
      const t = md.topics.get(topic);
      return t ? { partitions: t.partitionsCount } : undefined;
    } catch (err) {
      if (kafkaFailure(err).status === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  async createTopic(topic: string, partitions: number): Promise<'created' | 'exists'> {
    try {
      // Replication -1: the broker's default, as a topic made by any other client of the cluster would get.
      await this.client.createTopics({ topics: [topic], partitions, replicas: -1 });
      this.client.clearMetadata();
      return 'created';
    } catch (err) {
      if (kafkaErrorId(err) === 'TOPIC_ALREADY_EXISTS') return 'exists';
      throw err;
    }
  }

  produce(batch: ProduceBatch, callback: ProduceCallback): PendingCall {
    const { topic, partition } = batch;
    // Copied now: the engine reuses the records' buffers, and the request is laid out when the connection sends it.
    const messages = batch.records.map((r) => {
      const key = (r as { key?: Uint8Array }).key;
      const m: { topic: string; partition: number; value: Buffer; key?: Buffer } = { topic, partition, value: Buffer.from(r.value) };
      if (key !== undefined) m.key = Buffer.from(key);
      return m;
    });
    const options: Record<string, unknown> = { compression: this.options.compression };
    if (batch.producerId !== undefined) {
      const sequences = new NumericMap();
      sequences.set(`${topic}:${partition}`, batch.baseSequence ?? 0);
      Object.assign(options, { producerId: BigInt(batch.producerId), producerEpoch: batch.producerEpoch ?? 0, sequences });
    }
    const acks = ACKS_OF_ACK_MODE[batch.ackMode] ?? 1;
    let cancelled = false;
    let returned = false;
    this.call<unknown>(
      topic,
      partition,
      'Produce',
      () => [acks, this.deadlineMs, messages, options],
      (err, res) => {
        // An acks=0 request "answers" as soon as it is written, possibly before produce() returned: the engine
        // must have the pending call in hand first.
        if (!returned) return queueMicrotask(() => settle(err, res));
        settle(err, res);
      },
    );
    const settle = (err: Error | null, res: unknown): void => {
      if (cancelled) return;
      if (err) {
        if (kafkaErrorId(err) === 'DUPLICATE_SEQUENCE_NUMBER') return callback(null, -1, true);
        const failure = kafkaFailure(err);
        this.forget(topic, failure);
        return callback(failure, -1);
      }
      // acks=0: the broker sends no answer, so no offset is known (the acked-offset check is unmeasured).
      if (acks === 0 || typeof res !== 'object' || res === null) return callback(null, -1);
      const p = (res as { responses: Array<{ partitionResponses: Array<{ baseOffset: bigint }> }> }).responses[0]?.partitionResponses[0];
      callback(null, p ? Number(p.baseOffset) : -1);
    };
    returned = true;
    return {
      cancel: () => {
        cancelled = true;
      },
    };
  }

  /** An idempotent producer id from InitProducerId. Transactions are not offered (see docs/protocols.md). */
  async initProducer(transactionalId?: string): Promise<ProducerIdentity> {
    if (transactionalId !== undefined) throw new Error('the Kafka driver does not run transactions');
    const res = await new Promise<{ producerId: bigint; producerEpoch: number }>((resolve, reject) => {
      this.client.metadata({ topics: [] }).then((md) => {
        const broker = [...md.brokers.values()][0];
        if (!broker) return reject(new Error('the cluster lists no broker'));
        this.pools[0]!.get(broker, (err: Error | null, conn?: Connection) => {
          if (err || !conn) return reject(err);
          this.api('InitProducerId', (e, api) => {
            if (e || !api) return reject(e);
            api(conn, null, this.deadlineMs, -1n, -1, (e2: Error | null, r?: { producerId: bigint; producerEpoch: number }) =>
              e2 || !r ? reject(e2) : resolve(r),
            );
          });
        });
      }, reject);
    });
    return { producerId: res.producerId.toString(), epoch: res.producerEpoch };
  }

  fetch(request: FetchRequest, given: FetchCallback): PendingCall {
    const { topic, partition, offset, maxRecords } = request;
    let cancelled = false;
    let returned = false;
    // Never before fetch() returned (a connection error can be reported at once).
    const callback: FetchCallback = (f, b) => (returned ? given(f, b) : queueMicrotask(() => given(f, b)));
    const run = (): void =>
      this.call<unknown>(
        topic,
        partition,
        'Fetch',
        (info, api) => {
          // Fetch v13 names topics by id, earlier versions by name.
          const topicId = (api as unknown as { version: number }).version >= 13 ? info.id : topic;
          const part = {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(offset),
            lastFetchedEpoch: -1,
            partitionMaxBytes: this.options.fetchMaxBytes,
          };
          return [this.options.fetchMaxWaitMs, 1, this.options.fetchMaxBytes, 0, 0, 0, [{ topicId, partitions: [part] }], [], ''];
        },
        (err, res) => {
          if (cancelled) return;
          if (err) {
            const failure = kafkaFailure(err);
            this.forget(topic, failure);
            return callback(failure, undefined);
          }
          const p = (res as FetchAnswer).responses[0]?.partitions[0];
          if (!p) return callback({ status: 'INTERNAL', retriable: false, message: 'Fetch answered without the partition' }, undefined);
          const records: FetchedRecord[] = [];
          for (const b of p.records ?? []) {
            const first = Number(b.firstOffset);
            for (const r of b.records) {
              const at = first + r.offsetDelta;
              if (at < offset || records.length >= maxRecords) continue;
              records.push({ offset: at, value: r.value ?? Buffer.alloc(0) });
            }
          }
          callback(null, { records, highWatermark: Number(p.highWatermark) });
        },
      );
    if (request.group !== undefined && this.groups) {
      this.groups.member(request.group, topic, (err) => {
        if (cancelled) return;
        if (err) return callback(kafkaFailure(err), undefined);
        run();
      });
    } else run();
    returned = true;
    return {
      cancel: () => {
        cancelled = true;
      },
    };
  }

  commitOffset(c: OffsetCommit, given: (failure: DriverFailure | null) => void): void {
    const callback = (f: DriverFailure | null): void => queueMicrotask(() => given(f));
    // Without membership a commit is a standalone one (generation -1, no member id), as admin tools make.
    const member = this.groups?.identity(c.group);
    this.coordinator(c.group, (err, conn) => {
      if (err || !conn) return callback(kafkaFailure(err));
      this.api('OffsetCommit', (e, api) => {
        if (e || !api) return callback(kafkaFailure(e));
        const topics = [
          {
            name: c.topic,
            partitions: [
              { partitionIndex: c.partition, committedOffset: BigInt(c.offset), committedLeaderEpoch: -1, committedMetadata: null },
            ],
          },
        ];
        api(conn, c.group, member?.generationId ?? -1, member?.memberId ?? '', null, topics, (e2: Error | null) => {
          if (e2) this.coordinators.delete(c.group);
          callback(e2 ? kafkaFailure(e2) : null);
        });
      });
    });
  }

  committedOffset(group: string, topic: string, partition: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.coordinator(group, (err, conn) => {
        if (err || !conn) return reject(err);
        this.api('OffsetFetch', (e, api) => {
          if (e || !api) return reject(e);
          const req = [{ groupId: group, memberId: null, memberEpoch: -1, topics: [{ name: topic, partitionIndexes: [partition] }] }];
          api(conn, req, false, (e2: Error | null, res?: OffsetFetchAnswer) => {
            if (e2 || !res) return reject(e2);
            const at = res.groups[0]?.topics
              .find((t) => t.name === topic)
              ?.partitions.find((p) => p.partitionIndex === partition)?.committedOffset;
            // -1: the group never committed this partition.
            resolve(at === undefined || at < 0n ? 0 : Number(at));
          });
        });
      });
    });
  }

  latestOffset(topic: string, partition: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.call<ListOffsetsAnswer>(
        topic,
        partition,
        'ListOffsets',
        () => [-1, 0, [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1n }] }]],
        (err, res) => {
          const at = res?.topics[0]?.partitions[0]?.offset;
          if (err || at === undefined) return reject(err ?? new Error(`ListOffsets gave no offset for ${topic}/${partition}`));
          resolve(Number(at));
        },
      );
    });
  }

  /** Group joins and rebalances (ms each) since the previous call; the engine puts them in `result.metrics`. */
  rebalances(): number[] {
    return this.groups?.rebalances() ?? [];
  }
}

interface FetchAnswer {
  responses: Array<{
    partitions: Array<{
      highWatermark: bigint;
      records?: Array<{ firstOffset: bigint; records: Array<{ offsetDelta: number; value: Buffer | null }> }>;
    }>;
  }>;
}

interface OffsetFetchAnswer {
  groups: Array<{ topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint }> }> }>;
}

interface ListOffsetsAnswer {
  topics: Array<{ partitions: Array<{ offset: bigint }> }>;
}
