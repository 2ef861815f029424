// ApiVersions, Metadata, CreateTopics, FindCoordinator and InitProducerId: what a client asks before any record.
import type { Bridge } from './bridge.js';
import { errorCodeOf, KafkaError } from './bridge.js';
import type { Conn } from './data.js';
import type { Reader } from './protocol.js';
import { Writer } from './protocol.js';

/** The one broker every answer names: this listener, as the client reached it. */
export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
}

export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  CreateTopics: 19,
  InitProducerId: 22,
  DescribeGroups: 15,
  ListGroups: 16,
  DeleteTopics: 20,
  SaslHandshake: 17,
  SaslAuthenticate: 36,
} as const;

/**
 * The versions implemented, advertised as such by ApiVersions. All are non-flexible except ApiVersions v3
 * (librdkafka asks for it first); that covers what librdkafka 1.7 and kcat negotiate.
 */
export const VERSIONS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [API.Produce, [3, 7]],
  [API.Fetch, [4, 11]],
  [API.ListOffsets, [1, 4]],
  [API.Metadata, [1, 8]],
  [API.OffsetCommit, [2, 7]],
  [API.OffsetFetch, [1, 5]],
  [API.FindCoordinator, [0, 2]],
  [API.JoinGroup, [0, 5]],
  [API.Heartbeat, [0, 3]],
  [API.LeaveGroup, [0, 3]],
  [API.SyncGroup, [0, 3]],
  [API.ApiVersions, [0, 3]],
  [API.CreateTopics, [0, 4]],
  [API.InitProducerId, [0, 1]],
  [API.DescribeGroups, [0, 2]],
  [API.ListGroups, [0, 2]],
  [API.DeleteTopics, [0, 3]],
  [API.SaslHandshake, [0, 1]],
  [API.SaslAuthenticate, [0, 1]],
]);

/** ApiVersions v0-v3. An unsupported version gets the v0 form with UNSUPPORTED_VERSION, as clients expect. */
export function apiVersions(r: Reader, v: number): Writer {
  const unsupported = v > 3;
  const flexible = v === 3;
  const w = new Writer();
  w.int16(unsupported ? KafkaError.UNSUPPORTED_VERSION : KafkaError.NONE);
  const entries = [...VERSIONS];
  const entry = (w: Writer, [key, [min, max]]: [number, readonly [number, number]]): void => {
    w.int16(key).int16(min).int16(max);
    if (flexible) w.taggedFields();
  };
  if (flexible) w.compactArray(entries, entry);
  else w.array(entries, entry);
  if (v >= 1 && !unsupported) w.int32(0);
  if (flexible) w.taggedFields();
  void r; // v3's client software name and version are not used
  return w;
}

/** Metadata v1-v8 for one broker that leads every partition. Unknown topics are not created. */
export function metadata(r: Reader, v: number, c: Conn, b: Bridge, broker: BrokerAddress): Writer {
  const names = r.nullableArray((r) => r.string());
  const w = new Writer();
  if (v >= 3) w.int32(0);
  w.array([broker], (w, x) => {
    w.int32(x.nodeId).string(x.host).int32(x.port).nullableString(null);
  });
  if (v >= 2) w.nullableString('loadhouse-agent');
  w.int32(broker.nodeId);
  const topics = names === null || names.length === 0 ? b.registry.list(c.org).map((t) => t.name) : names;
  w.array(topics, (w, name) => {
    const t = b.registry.get(c.org, name);
    w.int16(t ? KafkaError.NONE : KafkaError.UNKNOWN_TOPIC_OR_PARTITION)
      .string(name)
      .int8(0);
    w.array(t ? t.partitions.map((_, i) => i) : [], (w, i) => {
      w.int16(0).int32(i).int32(broker.nodeId);
      if (v >= 7) w.int32(0);
      w.array([broker.nodeId], (w, n) => w.int32(n));
      w.array([broker.nodeId], (w, n) => w.int32(n));
      if (v >= 5) w.int32(0);
    });
    if (v >= 8) w.int32(-2147483648);
  });
  if (v >= 8) w.int32(-2147483648);
  return w;
}

/** CreateTopics v0-v4 through the gRPC CreateTopic (replication is the object store's, so the factor is ignored). */
export async function createTopics(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer> {
  const topics = r.array((r) => {
    const name = r.string();
    const partitions = r.int32();
    r.int16(); // replication_factor
    const assignments = r.array((r) => [r.int32(), r.array((r) => r.int32())]);
    const configs = r.array((r) => [r.string(), r.nullableString()] as const);
    return { name, partitions, assignments, configs };
  });
  r.int32(); // timeout_ms
  const validateOnly = v >= 1 && r.int8() !== 0;
  const results = await Promise.all(
    topics.map(async (t) => {
      const config: Record<string, string> = {};
      for (const [k, val] of t.configs) if (val !== null) config[k] = val;
      const retention = Number(config['retention.ms']);
      const partitionCount = t.partitions === -1 ? Math.max(1, t.assignments.length) : t.partitions;
      if (validateOnly) return { name: t.name, error: KafkaError.NONE, message: null };
      try {
        await b.call('CreateTopic', c.org, {
          name: t.name,
          partitionCount,
          ...(retention > 0 ? { retentionMs: retention } : {}),
          config,
        });
        return { name: t.name, error: KafkaError.NONE, message: null };
      } catch (err) {
        let error = errorCodeOf(err);
        if (error === KafkaError.INVALID_REQUEST)
          error = /partition/.test((err as Error).message) ? KafkaError.INVALID_PARTITIONS : KafkaError.INVALID_TOPIC;
        return { name: t.name, error, message: (err as Error).message };
      }
    }),
  );
  const w = new Writer();
  if (v >= 2) w.int32(0);
  w.array(results, (w, x) => {
    w.string(x.name).int16(x.error);
    if (v >= 1) w.nullableString(x.message);
  });
  return w;
}

/** DeleteTopics v0-v3 through the gRPC DeleteTopic. */
export async function deleteTopics(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer> {
  const names = r.array((r) => r.string());
  r.int32(); // timeout_ms
  const results = await Promise.all(
    names.map(async (name) => {
      try {
        await b.call('DeleteTopic', c.org, { name });
        return { name, error: KafkaError.NONE };
      } catch (err) {
        return { name, error: errorCodeOf(err) };
      }
    }),
  );
  const w = new Writer();
  if (v >= 1) w.int32(0);
  return w.array(results, (w, x) => {
    w.string(x.name).int16(x.error);
  });
}

/** FindCoordinator v0-v2: this broker coordinates every group. */
export function findCoordinator(r: Reader, v: number, broker: BrokerAddress): Writer {
  r.string(); // key
  if (v >= 1) r.int8(); // key_type: groups and transactional ids alike
  const w = new Writer();
  if (v >= 1) w.int32(0);
  w.int16(KafkaError.NONE);
  if (v >= 1) w.nullableString(null);
  return w.int32(broker.nodeId).string(broker.host).int32(broker.port);
}

let nextProducerId = 1000;

/**
 * InitProducerId v0-v1: a fresh producer id, epoch 0, so idempotent producers start (their sequences are
 * checked in sequences.ts). Transactional ids get one too, but no transaction API is offered.
 */
export function initProducerId(r: Reader): Writer {
  r.nullableString(); // transactional_id
  r.int32(); // transaction_timeout_ms
  return new Writer().int32(0).int16(KafkaError.NONE).int64(nextProducerId++).int16(0);
}
