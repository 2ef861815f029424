// Handlers of `streamhouse.StreamHouse`: validation with the contract's status codes, produce faults, acks, reads.
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import {
  AckMode,
  type ConsumedRecord,
  type ConsumeResponse,
  type ProduceRecord,
  type StreamHouseMethod,
  type StreamHouseMethods,
} from '@loadhouse/core/wire';
import { after, type Faults } from './faults.js';
import type { PartitionLog } from './partition-log.js';
import { GAP_WAIT_MS, type Gate, ProducerRegistry } from './producer-state.js';
import { producerHandlers, sequencedGate } from './producer-service.js';
import { RECORD_HEADER_BYTES, type Segment } from './segment.js';
import { RpcError, toStatus } from './rpc-error.js';
import type { SegmentCache } from './segment-cache.js';
import type { TopicRegistry, TopicState } from './topics.js';

const Status = grpc.status;
const MAX_PARTITIONS = 10_000;
const DEFAULT_MAX_RECORDS = 1000;
const MAX_RECORDS = 100_000;
/** Bytes of records per Consume response: stays under gRPC's default 4 MiB receive limit of ordinary clients. */
const CONSUME_BUDGET_BYTES = 4 * 1024 * 1024 - 64 * 1024;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const ORG_ID = /^[A-Za-z0-9._-]{1,128}$/;
const LOST_ACK = { code: Status.UNAVAILABLE, details: 'fault: the batch was stored but its ack is lost (--fault-lose-ack-every)' };
const EMPTY_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export interface ServiceState {
  registry: TopicRegistry;
  cache: SegmentCache;
  faults: Faults;
  maxRequestBytes: number;
  /** True once stop() began: produce calls answer UNAVAILABLE. */
  stopping: boolean;
  /** Idempotent producers and transactions (made by createHandlers when absent). */
  producers?: ProducerRegistry;
}

type Call<M extends StreamHouseMethod> = grpc.ServerUnaryCall<StreamHouseMethods[M][0], StreamHouseMethods[M][1]>;
type Callback<M extends StreamHouseMethod> = grpc.sendUnaryData<StreamHouseMethods[M][1]>;
export type Handlers = { [M in StreamHouseMethod]: (call: Call<M>, callback: Callback<M>) => void };

function orgOf(call: { metadata: grpc.Metadata }): string {
  const v = call.metadata.get('x-organization-id');
  if (v.length === 0) return '';
  const org = String(v[0]);
  if (!ORG_ID.test(org)) {
    throw new RpcError(
      Status.INVALID_ARGUMENT,
      `x-organization-id metadata must be 1-128 letters, digits, '.', '_' or '-', got ${JSON.stringify(org)}`,
    );
  }
  return org;
}

function checkTopicName(name: string, field: string): void {
  if (!name) throw new RpcError(Status.INVALID_ARGUMENT, `${field} must not be empty`);
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new RpcError(
      Status.INVALID_ARGUMENT,
      `${field} ${JSON.stringify(name.length > 300 ? `${name.slice(0, 300)}…` : name)} is invalid: use 1-249 letters, digits, '.', '_' or '-'`,
    );
  }
}

/**
 * Answers once the metadata change is stored, or after 2 s of storage trouble (storing keeps being retried):
 * a slow store delays the call, it does not fail it.
 */
function answerWhenStored(stored: Promise<unknown>, answer: () => void): void {
  let answered = false;
  const once = (): void => {
    if (answered) return;
    answered = true;
    answer();
  };
  stored.then(once, once);
  setTimeout(once, 2_000).unref();
}

export function createHandlers(state: ServiceState): Handlers {
  const { registry, cache, faults } = state;
  const producers = (state.producers ??= new ProducerRegistry(
    GAP_WAIT_MS,
    (nth) => faults.loseCommit(nth),
    (nth) => faults.exposeAbort(nth),
  ));

  function topicOf(org: string, name: string, field = 'topic'): TopicState {
    checkTopicName(name, field);
    const t = registry.get(org, name);
    if (!t) throw new RpcError(Status.NOT_FOUND, `topic '${name}' not found${org ? ` in organization '${org}'` : ''}`);
    return t;
  }

  /** The topic of a CommitOffset/GetOffset request, after checking the group, the topic and the partition. */
  function groupTopicOf(call: { metadata: grpc.Metadata }, req: { consumerGroup: string; topic: string; partition: number }): TopicState {
    const org = orgOf(call);
    if (!req.consumerGroup) throw new RpcError(Status.INVALID_ARGUMENT, 'consumer_group must not be empty');
    const t = topicOf(org, req.topic);
    partitionOf(t, req.partition);
    return t;
  }

  function partitionOf(t: TopicState, partition: number): PartitionLog {
    const log = t.partitions[partition];
    if (!log) {
      throw new RpcError(
        Status.INVALID_ARGUMENT,
        `partition ${partition} is out of range: topic '${t.name}' has ${t.partitionCount} partitions (0..${t.partitionCount - 1})`,
      );
    }
    return log;
  }

  function checkSize(bytes: number): void {
    if (bytes > state.maxRequestBytes) {
      throw new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `records: ${bytes} bytes of keys and values exceed the agent's request limit of ${state.maxRequestBytes} bytes; send smaller batches`,
      );
    }
  }

  function checkRunning(): void {
    if (state.stopping) throw new RpcError(Status.UNAVAILABLE, 'the agent is shutting down');
  }

  /** Runs `fn` now, or after the injected produce latency / stall. */
  function withProduceFaults(fn: () => void, records = 1): void {
    const delay = faults.produceDelayMs(records);
    if (delay > 0) after(delay, fn);
    else fn();
  }

  /** Appends and acks; shared by Produce and ProduceBatch. */
  function produce(
    call: { metadata: grpc.Metadata },
    topicName: string,
    partition: number,
    records: readonly ProduceRecord[],
    ackMode: AckMode | undefined,
    t0: number,
    ack: (err: Partial<grpc.StatusObject> | null, first: number, now: number, duplicate?: boolean) => void,
    gate?: Gate,
  ): void {
    checkRunning();
    const t = topicOf(orgOf(call), topicName);
    const log = partitionOf(t, partition);
    if (!records || records.length === 0)
      throw new RpcError(Status.INVALID_ARGUMENT, 'records must not be empty: a ProduceBatch needs at least one record');
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (!r.value) throw new RpcError(Status.INVALID_ARGUMENT, `records[${i}].value is missing`);
      bytes += r.value.length + (r.key ? r.key.length : 0);
    }
    checkSize(bytes);
    const now = Date.now();
    const append = (): number => log.append(records, bytes + records.length * RECORD_HEADER_BYTES, now);
    if (!gate) return stored(append());
    // A sequenced batch: appended now, later (ahead of a gap, or at commit), or not at all (a duplicate).
    gate(append, (a) =>
      a.kind === 'error' ? ack(toStatus(a.error), -1, now) : a.kind === 'duplicate' ? ack(null, a.first, now, true) : stored(a.first),
    );
    function stored(first: number): void {
      const m = t.metrics;
      const done = (): void => {
        t.recordStats.add(partition, records);
        m.records.inc(records.length);
        m.bytes.inc(bytes);
        m.latency.observe((performance.now() - t0) / 1000);
        ack(null, first, now);
      };
      if (ackMode === AckMode.ACK_DURABLE) {
        log.durable().then(done, (err: unknown) => {
          const s = toStatus(err);
          ack(
            {
              code: s.code,
              details: `ACK_DURABLE not satisfied, records ${first}..${first + records.length - 1} stay buffered and are retried: ${s.details}`,
            },
            first,
            now,
          );
        });
      } else {
        done();
      }
    }
  }

  return {
    ...producerHandlers(producers, orgOf),
    CreateTopic(call, cb) {
      try {
        const org = orgOf(call);
        const { name, partitionCount } = call.request;
        checkTopicName(name, 'name');
        if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > MAX_PARTITIONS) {
          throw new RpcError(Status.INVALID_ARGUMENT, `partition_count must be between 1 and ${MAX_PARTITIONS}, got ${partitionCount}`);
        }
        if (registry.deleting.has(`${org}\u0000${name}`)) {
          throw new RpcError(Status.UNAVAILABLE, `topic '${name}' is still being deleted; retry shortly`);
        }
        const existing = registry.get(org, name);
        if (existing) {
          throw new RpcError(Status.ALREADY_EXISTS, `topic '${name}' already exists with ${existing.partitionCount} partitions`);
        }
        const retention = call.request.retentionMs;
        const { topic, persisted } = registry.create(org, name, partitionCount, retention ? retention : undefined, {
          ...(call.request.config ?? {}),
        });
        answerWhenStored(persisted, () => cb(null, { topicId: topic.id, partitionCount: topic.partitionCount }));
      } catch (err) {
        cb(toStatus(err));
      }
    },

    GetTopic(call, cb) {
      try {
        cb(null, { topic: topicOf(orgOf(call), call.request.name, 'name').toTopic() });
      } catch (err) {
        cb(toStatus(err));
      }
    },

    ListTopics(call, cb) {
      try {
        cb(null, { topics: registry.list(orgOf(call)).map((t) => t.toTopic()) });
      } catch (err) {
        cb(toStatus(err));
      }
    },

    DeleteTopic(call, cb) {
      try {
        const t = topicOf(orgOf(call), call.request.name, 'name');
        answerWhenStored(registry.remove(t), () => cb(null, { success: true }));
      } catch (err) {
        cb(toStatus(err));
      }
    },

    Produce(call, cb) {
      const t0 = performance.now();
      withProduceFaults(() => {
        try {
          const req = call.request;
          const record: ProduceRecord = { key: req.key, value: req.value, timestamp: 0 };
          produce(call, req.topic, req.partition, [record], AckMode.ACK_BUFFERED, t0, (err, first, now) =>
            err ? cb(err) : cb(null, { offset: first, timestamp: now }),
          );
        } catch (err) {
          cb(toStatus(err));
        }
      });
    },

    ProduceBatch(call, cb) {
      const t0 = performance.now();
      withProduceFaults(() => {
        try {
          const req = call.request;
          const n = req.records ? req.records.length : 0;
          const gate = req.producerId ? sequencedGate(producers, orgOf(call), req) : undefined;
          const answer: Parameters<typeof produce>[6] = (err, first, _now, duplicate) => {
            if (err) cb(err);
            else if (!duplicate && faults.loseAck()) cb(LOST_ACK);
            else cb(null, { firstOffset: first, lastOffset: first + n - 1, count: n, duplicatesFiltered: duplicate === true });
          };
          produce(call, req.topic, req.partition, req.records, req.ackMode, t0, answer, gate);
        } catch (err) {
          cb(toStatus(err));
        }
      }, call.request.records?.length ?? 1);
    },

    Consume(call, cb) {
      try {
        const org = orgOf(call);
        const req = call.request;
        const t = topicOf(org, req.topic);
        const log = partitionOf(t, req.partition);
        const max = req.maxRecords > 0 ? Math.min(req.maxRecords, MAX_RECORDS) : DEFAULT_MAX_RECORDS;
        read(t, log, req.offset, max).then(
          (res) => {
            if (res.records.length > 0) registry.consumedCounter(t, req.consumerGroup ?? '').inc(res.records.length);
            cb(null, res);
          },
          (err: unknown) => cb(toStatus(err)),
        );
      } catch (err) {
        cb(toStatus(err));
      }
    },

    CommitOffset(call, cb) {
      try {
        const req = call.request;
        const t = groupTopicOf(call, req);
        if (faults.dropCommit()) {
          cb(null, { success: true });
          return;
        }
        let parts = t.offsets.get(req.consumerGroup);
        if (!parts) t.offsets.set(req.consumerGroup, (parts = new Map()));
        parts.set(req.partition, req.metadata ? { offset: req.offset, metadata: req.metadata } : { offset: req.offset });
        registry.persistOffsets(t);
        cb(null, { success: true });
      } catch (err) {
        cb(toStatus(err));
      }
    },

    GetOffset(call, cb) {
      try {
        const req = call.request;
        const t = groupTopicOf(call, req);
        const c = t.offsets.get(req.consumerGroup)?.get(req.partition);
        cb(null, c ? (c.metadata !== undefined ? { offset: c.offset, metadata: c.metadata } : { offset: c.offset }) : { offset: 0 });
      } catch (err) {
        cb(toStatus(err));
      }
    },
  };

  /**
   * Reads up to `max` records from `offset`, across segments, within the response byte budget. In-memory
   * segments serve synchronously; stored ones go through the cache, and a sequential read prefetches the next one.
   */
  async function read(t: TopicState, log: PartitionLog, offset: number, max: number): Promise<ConsumeResponse> {
    const records: ConsumedRecord[] = [];
    const sequential = offset === log.lastReadEnd;
    let at = offset;
    let bytes = 0;
    let lastStored = -1;
    let reachedEnd = false;
    while (records.length < max) {
      const src = log.locate(at);
      if (src === undefined) break;
      let seg: Segment;
      if (typeof src === 'number') {
        const { key, baseOffset } = log.stored[src]!;
        const got = cache.get(key, t.orgLabel);
        try {
          seg = got instanceof Promise ? await got : got;
        } catch (err) {
          // Retention deleted it while it was being fetched: read on from the oldest record kept.
          if (log.storedIndex(baseOffset) < 0) continue;
          throw err;
        }
        // Indexes may have moved while fetching (retention): find the segment again by its offset.
        lastStored = log.storedIndex(seg.baseOffset);
      } else {
        seg = src;
        lastStored = -1;
      }
      let i = seg.indexOf(at);
      const count = seg.count;
      while (i < count && records.length < max) {
        const size = seg.sizeAt(i);
        if (records.length > 0 && bytes + size > CONSUME_BUDGET_BYTES) break;
        bytes += size;
        records.push({
          offset: seg.offsetAt(i),
          timestamp: seg.timestampAt(i),
          key: seg.keyAt(i),
          value: seg.valueAt(i),
          headers: EMPTY_HEADERS,
        });
        i++;
      }
      reachedEnd = i >= count;
      if (!reachedEnd) {
        at = seg.offsetAt(i);
        break;
      }
      if (seg.endOffset > at) {
        at = seg.endOffset;
      } else {
        // Only a damaged index (a missing object) leaves a hole: skip to the next stored segment.
        const next = lastStored >= 0 ? log.stored[lastStored + 1] : undefined;
        if (!next || next.baseOffset <= at) break;
        at = next.baseOffset;
      }
      if (bytes >= CONSUME_BUDGET_BYTES) break;
    }
    if (lastStored >= 0 && (sequential || reachedEnd)) {
      const next = log.stored[lastStored + 1];
      if (next) cache.prefetch(next.key);
    }
    log.lastReadEnd = at;
    const hw = log.nextOffset;
    const last = records.length > 0 ? records[records.length - 1]!.offset : -1;
    return { records, highWatermark: hw, hasMore: records.length > 0 && last + 1 < hw };
  }
}
