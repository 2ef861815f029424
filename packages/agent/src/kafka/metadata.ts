// ApiVersions, Metadata, CreateTopics, DeleteTopics, FindCoordinator and InitProducerId: what a client asks
// before any record.
import type { Bridge } from './bridge.js';
import { errorCodeOf, KafkaError } from './bridge.js';
import type { Conn } from './data.js';
import type { Reader } from './protocol.js';
import { Writer } from './protocol.js';
import { topicById, topicId } from './topic-ids.js';
import { VERSIONS } from './versions.js';

/** The one broker every answer names: this listener, as the client reached it. */
export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
}

/** ApiVersions v0-v3. An unsupported version gets the v0 form with UNSUPPORTED_VERSION, as clients expect. */
export function apiVersions(r: Reader, v: number): Writer {
  const unsupported = v > 3;
  const w = new Writer(v === 3);
  w.int16(unsupported ? KafkaError.UNSUPPORTED_VERSION : KafkaError.NONE);
  w.array([...VERSIONS], (w, [key, [min, max]]) => {
    w.int16(key).int16(min).int16(max).tags();
  });
  if (v >= 1 && !unsupported) w.int32(0);
  void r; // v3's client software name and version are not used
  return w.tags();
}

/** Metadata v1-v12 for one broker that leads every partition. Unknown topics are not created. */
export function metadata(r: Reader, v: number, c: Conn, b: Bridge, broker: BrokerAddress): Writer {
  const asked = r.nullableArray((r) => {
    const id = v >= 10 ? r.uuid() : '';
    const name = r.nullableString();
    r.tags();
    return { id, name };
  });
  // The flags after the topics (auto creation, authorized operations) change nothing here.
  const w = new Writer(r.flexible);
  if (v >= 3) w.int32(0);
  w.array([broker], (w, x) => {
    w.int32(x.nodeId).string(x.host).int32(x.port).nullableString(null).tags();
  });
  if (v >= 2) w.nullableString('loadhouse-agent');
  w.int32(broker.nodeId);
  // v12 may name a topic by id alone.
  const names =
    asked === null || asked.length === 0
      ? b.registry.list(c.org).map((t) => t.name)
      : asked.map((t) => t.name ?? topicById(b, c.org, t.id) ?? '');
  w.array(names, (w, name) => {
    const t = b.registry.get(c.org, name);
    w.int16(t ? KafkaError.NONE : KafkaError.UNKNOWN_TOPIC_OR_PARTITION).string(name);
    if (v >= 10) w.uuid(t ? topicId(c.org, name) : '00000000000000000000000000000000');
    w.bool(false);
    w.array(t ? t.partitions.map((_, i) => i) : [], (w, i) => {
      w.int16(0).int32(i).int32(broker.nodeId);
      if (v >= 7) w.int32(0);
      w.array([broker.nodeId], (w, n) => w.int32(n));
      w.array([broker.nodeId], (w, n) => w.int32(n));
      if (v >= 5) w.array([], () => {});
      w.tags();
    });
    if (v >= 8) w.int32(-2147483648);
    w.tags();
  });
  if (v >= 8 && v <= 10) w.int32(-2147483648);
  return w.tags();
}

/** CreateTopics v0-v7 through the gRPC CreateTopic (replication is the object store's, so the factor is ignored). */
export async function createTopics(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer> {
  const topics = r.array((r) => {
    const name = r.string();
    const partitions = r.int32();
    r.int16(); // replication_factor
    const assignments = r.array((r) => {
      const a = [r.int32(), r.array((r) => r.int32())];
      r.tags();
      return a;
    });
    const configs = r.array((r) => {
      const kv = [r.string(), r.nullableString()] as const;
      r.tags();
      return kv;
    });
    r.tags();
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
      const ok = { name: t.name, error: KafkaError.NONE, message: null, partitionCount };
      if (validateOnly) return ok;
      try {
        await b.call('CreateTopic', c.org, {
          name: t.name,
          partitionCount,
          ...(retention > 0 ? { retentionMs: retention } : {}),
          config,
        });
        return ok;
      } catch (err) {
        let error = errorCodeOf(err);
        if (error === KafkaError.INVALID_REQUEST)
          error = /partition/.test((err as Error).message) ? KafkaError.INVALID_PARTITIONS : KafkaError.INVALID_TOPIC;
        return { name: t.name, error, message: (err as Error).message, partitionCount: -1 };
      }
    }),
  );
  const w = new Writer(r.flexible);
  if (v >= 2) w.int32(0);
  w.array(results, (w, x) => {
    w.string(x.name);
    if (v >= 7) w.uuid(topicId(c.org, x.name));
    w.int16(x.error);
    if (v >= 1) w.nullableString(x.message);
    if (v >= 5)
      w.int32(x.partitionCount)
        .int16(x.error === KafkaError.NONE ? 1 : -1)
        .array([], () => {});
    w.tags();
  });
  return w.tags();
}

/** DeleteTopics v0-v6 through the gRPC DeleteTopic (v6 may name a topic by id). */
export async function deleteTopics(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer> {
  const names =
    v >= 6
      ? r.array((r) => {
          const name = r.nullableString();
          const id = r.uuid();
          r.tags();
          return name ?? topicById(b, c.org, id) ?? '';
        })
      : r.array((r) => r.string());
  r.int32(); // timeout_ms
  const results = await Promise.all(
    names.map(async (name) => {
      try {
        await b.call('DeleteTopic', c.org, { name });
        return { name, error: KafkaError.NONE, message: null };
      } catch (err) {
        return { name, error: errorCodeOf(err), message: (err as Error).message };
      }
    }),
  );
  const w = new Writer(r.flexible);
  if (v >= 1) w.int32(0);
  w.array(results, (w, x) => {
    w.string(x.name);
    if (v >= 6) w.uuid(topicId(c.org, x.name));
    w.int16(x.error);
    if (v >= 5) w.nullableString(x.message);
    w.tags();
  });
  return w.tags();
}

/** FindCoordinator v0-v4: this broker coordinates every group (v4 asks for several keys at once). */
export function findCoordinator(r: Reader, v: number, broker: BrokerAddress): Writer {
  const w = new Writer(r.flexible);
  if (v >= 4) {
    r.int8(); // key_type: groups and transactional ids alike
    const keys = r.array((r) => r.string());
    w.int32(0);
    w.array(keys, (w, key) => {
      w.string(key).int32(broker.nodeId).string(broker.host).int32(broker.port).int16(KafkaError.NONE).nullableString(null).tags();
    });
    return w.tags();
  }
  r.string(); // key
  if (v >= 1) r.int8(); // key_type
  if (v >= 1) w.int32(0);
  w.int16(KafkaError.NONE);
  if (v >= 1) w.nullableString(null);
  return w.int32(broker.nodeId).string(broker.host).int32(broker.port).tags();
}

let nextProducerId = 1000;

/**
 * InitProducerId v0-v3: a fresh producer id, epoch 0, so idempotent producers start (their sequences are
 * checked in sequences.ts). Transactional ids get one too, but no transaction API is offered. The id and
 * epoch a v3 client sends to bump its epoch are not honoured: it gets a fresh id, which restarts its sequences.
 */
export function initProducerId(r: Reader): Writer {
  r.nullableString(); // transactional_id
  r.int32(); // transaction_timeout_ms
  return new Writer(r.flexible).int32(0).int16(KafkaError.NONE).int64(nextProducerId++).int16(0).tags();
}
