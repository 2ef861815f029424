// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch: codecs around the coordinator
// (groups.ts) and the committed offsets the gRPC CommitOffset/GetOffset calls use.
import type { Bridge } from './bridge.js';
import { errorCodeOf, KafkaError } from './bridge.js';
import type { Conn } from './data.js';
import type { GroupCoordinator } from './groups.js';
import type { Reader } from './protocol.js';
import { Writer } from './protocol.js';

/** Groups are per organization, like topics. */
const groupKey = (c: Conn, group: string): string => `${c.org}\u0000${group}`;

/** JoinGroup v0-v5 (a member id is handed out at once, so v4's MEMBER_ID_REQUIRED round trip is not needed). */
export async function joinGroup(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Promise<Writer> {
  const group = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  if (v >= 5) r.nullableString(); // group_instance_id: static membership is not implemented
  const protocolType = r.string();
  const protocols = r.array((r): [string, Buffer] => [r.string(), r.bytes()]);
  const res = await groups.join(groupKey(c, group), {
    memberId,
    clientId: c.clientId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    protocolType,
    protocols,
  });
  const w = new Writer();
  if (v >= 2) w.int32(0);
  w.int16(res.error).int32(res.generation).string(res.protocol).string(res.leader).string(res.memberId);
  w.array(res.members, (w, [id, meta]) => {
    w.string(id);
    if (v >= 5) w.nullableString(null);
    w.nullableBytes(meta);
  });
  return w;
}

/** SyncGroup v0-v3. */
export async function syncGroup(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Promise<Writer> {
  const group = r.string();
  const generation = r.int32();
  const memberId = r.string();
  if (v >= 3) r.nullableString();
  const assignments = r.array((r): [string, Buffer] => [r.string(), r.bytes()]);
  const res = await groups.sync(groupKey(c, group), generation, memberId, assignments);
  const w = new Writer();
  if (v >= 1) w.int32(0);
  return w.int16(res.error).nullableBytes(res.assignment);
}

/** Heartbeat v0-v3. */
export function heartbeat(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Writer {
  const group = r.string();
  const generation = r.int32();
  const memberId = r.string();
  if (v >= 3) r.nullableString();
  const w = new Writer();
  if (v >= 1) w.int32(0);
  return w.int16(groups.heartbeat(groupKey(c, group), generation, memberId));
}

/** LeaveGroup v0-v3 (v3 leaves several members at once). */
export function leaveGroup(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Writer {
  const key = groupKey(c, r.string());
  const w = new Writer();
  if (v >= 1) w.int32(0);
  if (v < 3) return w.int16(groups.leave(key, r.string()));
  const members = r.array((r) => [r.string(), r.nullableString()] as const);
  w.int16(KafkaError.NONE);
  return w.array(members, (w, [id, instance]) => {
    w.string(id).nullableString(instance).int16(groups.leave(key, id));
  });
}

/** OffsetCommit v2-v7 through the gRPC CommitOffset (stored with the topic, visible to GetOffset). */
export async function offsetCommit(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer> {
  const group = r.string();
  r.int32(); // generation_id: commits are accepted from any generation (no fencing of zombie members)
  r.string(); // member_id
  if (v >= 7) r.nullableString();
  if (v <= 4) r.int64(); // retention_time_ms
  const topics = r.array((r) => ({
    name: r.string(),
    parts: r.array((r) => {
      const index = r.int32();
      const offset = r.int64();
      if (v >= 6) r.int32(); // committed_leader_epoch
      return { index, offset, metadata: r.nullableString() };
    }),
  }));
  const results = await Promise.all(
    topics.map(async (t) => ({
      name: t.name,
      parts: await Promise.all(
        t.parts.map(async (p) => {
          try {
            await b.call('CommitOffset', c.org, {
              consumerGroup: group,
              topic: t.name,
              partition: p.index,
              offset: p.offset,
              ...(p.metadata ? { metadata: p.metadata } : {}),
            });
            return { index: p.index, error: KafkaError.NONE };
          } catch (err) {
            return { index: p.index, error: errorCodeOf(err) };
          }
        }),
      ),
    })),
  );
  const w = new Writer();
  if (v >= 3) w.int32(0);
  return w.array(results, (w, t) => {
    w.string(t.name).array(t.parts, (w, p) => {
      w.int32(p.index).int16(p.error);
    });
  });
}

/** OffsetFetch v1-v5: -1 for a partition the group never committed, as Kafka answers. */
export function offsetFetch(r: Reader, v: number, c: Conn, b: Bridge): Writer {
  const group = r.string();
  const asked = r.nullableArray((r) => ({ name: r.string(), parts: r.array((r) => r.int32()) }));
  const topics =
    asked ??
    b.registry
      .list(c.org)
      .filter((t) => t.offsets.has(group))
      .map((t) => ({ name: t.name, parts: [...t.offsets.get(group)!.keys()] }));
  const w = new Writer();
  if (v >= 3) w.int32(0);
  w.array(topics, (w, t) => {
    const topic = b.registry.get(c.org, t.name);
    w.string(t.name).array(t.parts, (w, index) => {
      const committed = topic?.offsets.get(group)?.get(index);
      w.int32(index).int64(committed ? committed.offset : -1);
      if (v >= 5) w.int32(-1);
      w.nullableString(committed?.metadata ?? '');
      w.int16(topic?.partitions[index] ? KafkaError.NONE : KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    });
  });
  if (v >= 2) w.int16(KafkaError.NONE);
  return w;
}

/** ListGroups v0-v2: the connection's organization's groups. */
export function listGroups(v: number, c: Conn, groups: GroupCoordinator): Writer {
  const prefix = groupKey(c, '');
  const w = new Writer();
  if (v >= 1) w.int32(0);
  w.int16(KafkaError.NONE);
  return w.array(groups.list(prefix), (w, [key, type]) => {
    w.string(key.slice(prefix.length)).string(type);
  });
}

/** DescribeGroups v0-v2: state, protocol and members (a group never seen answers state Dead, as Kafka does). */
export function describeGroups(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Writer {
  const ids = r.array((r) => r.string());
  const w = new Writer();
  if (v >= 1) w.int32(0);
  return w.array(ids, (w, id) => {
    const d = groups.describe(groupKey(c, id));
    w.int16(KafkaError.NONE)
      .string(id)
      .string(d?.state ?? 'Dead')
      .string(d?.protocolType ?? '')
      .string(d?.protocol ?? '');
    w.array(d?.members ?? [], (w, m) => {
      w.string(m.id).string(m.clientId).string('').nullableBytes(m.metadata).nullableBytes(m.assignment);
    });
  });
}
