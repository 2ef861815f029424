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

/** JoinGroup v0-v9 (a member id is handed out at once, so v4's MEMBER_ID_REQUIRED round trip is not needed). */
export async function joinGroup(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Promise<Writer> {
  const group = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  if (v >= 5) r.nullableString(); // group_instance_id: static membership is not implemented
  const protocolType = r.string();
  const protocols = r.array((r): [string, Buffer] => {
    const p: [string, Buffer] = [r.string(), r.bytes()];
    r.tags();
    return p;
  });
  // v8's reason (why the member joins) is not needed.
  const res = await groups.join(groupKey(c, group), {
    memberId,
    clientId: c.clientId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    protocolType,
    protocols,
  });
  const w = new Writer(r.flexible);
  if (v >= 2) w.int32(0);
  w.int16(res.error).int32(res.generation);
  if (v >= 7) w.nullableString(res.error === KafkaError.NONE ? protocolType : null);
  w.string(res.protocol).string(res.leader);
  if (v >= 9) w.bool(false); // skip_assignment: the leader always assigns
  w.string(res.memberId);
  w.array(res.members, (w, [id, meta]) => {
    w.string(id);
    if (v >= 5) w.nullableString(null);
    w.nullableBytes(meta).tags();
  });
  return w.tags();
}

/** SyncGroup v0-v5. */
export async function syncGroup(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Promise<Writer> {
  const group = r.string();
  const generation = r.int32();
  const memberId = r.string();
  if (v >= 3) r.nullableString(); // group_instance_id
  if (v >= 5) {
    r.nullableString(); // protocol_type
    r.nullableString(); // protocol_name
  }
  const assignments = r.array((r): [string, Buffer] => {
    const a: [string, Buffer] = [r.string(), r.bytes()];
    r.tags();
    return a;
  });
  const key = groupKey(c, group);
  const res = await groups.sync(key, generation, memberId, assignments);
  const w = new Writer(r.flexible);
  if (v >= 1) w.int32(0);
  w.int16(res.error);
  if (v >= 5) {
    const d = res.error === KafkaError.NONE ? groups.describe(key) : undefined;
    w.nullableString(d?.protocolType ?? null).nullableString(d?.protocol ?? null);
  }
  return w.nullableBytes(res.assignment).tags();
}

/** Heartbeat v0-v4. */
export function heartbeat(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Writer {
  const group = r.string();
  const generation = r.int32();
  const memberId = r.string();
  if (v >= 3) r.nullableString();
  const w = new Writer(r.flexible);
  if (v >= 1) w.int32(0);
  return w.int16(groups.heartbeat(groupKey(c, group), generation, memberId)).tags();
}

/** LeaveGroup v0-v5 (v3 leaves several members at once). */
export function leaveGroup(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Writer {
  const key = groupKey(c, r.string());
  const w = new Writer(r.flexible);
  if (v >= 1) w.int32(0);
  if (v < 3) return w.int16(groups.leave(key, r.string()));
  const members = r.array((r) => {
    const m = [r.string(), r.nullableString()] as const;
    if (v >= 5) r.nullableString(); // reason
    r.tags();
    return m;
  });
  w.int16(KafkaError.NONE);
  w.array(members, (w, [id, instance]) => {
    w.string(id).nullableString(instance).int16(groups.leave(key, id)).tags();
  });
  return w.tags();
}

/** OffsetCommit v2-v8 through the gRPC CommitOffset (stored with the topic, visible to GetOffset). */
export async function offsetCommit(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer> {
  const group = r.string();
  r.int32(); // generation_id: commits are accepted from any generation (no fencing of zombie members)
  r.string(); // member_id
  if (v >= 7) r.nullableString();
  if (v <= 4) r.int64(); // retention_time_ms
  const topics = r.array((r) => {
    const name = r.string();
    const parts = r.array((r) => {
      const index = r.int32();
      const offset = r.int64();
      if (v >= 6) r.int32(); // committed_leader_epoch
      const metadata = r.nullableString();
      r.tags();
      return { index, offset, metadata };
    });
    r.tags();
    return { name, parts };
  });
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
  const w = new Writer(r.flexible);
  if (v >= 3) w.int32(0);
  w.array(results, (w, t) => {
    w.string(t.name).array(t.parts, (w, p) => {
      w.int32(p.index).int16(p.error).tags();
    });
    w.tags();
  });
  return w.tags();
}

type AskedOffsets = Array<{ name: string; parts: number[] }> | null;

const readAsked = (r: Reader): AskedOffsets =>
  r.nullableArray((r) => {
    const t = { name: r.string(), parts: r.array((r) => r.int32()) };
    r.tags();
    return t;
  });

/** One group's committed offsets: -1 for a partition the group never committed, as Kafka answers. */
function writeCommitted(w: Writer, v: number, c: Conn, b: Bridge, group: string, asked: AskedOffsets): void {
  const topics =
    asked ??
    b.registry
      .list(c.org)
      .filter((t) => t.offsets.has(group))
      .map((t) => ({ name: t.name, parts: [...t.offsets.get(group)!.keys()] }));
  w.array(topics, (w, t) => {
    const topic = b.registry.get(c.org, t.name);
    w.string(t.name).array(t.parts, (w, index) => {
      const committed = topic?.offsets.get(group)?.get(index);
      w.int32(index).int64(committed ? committed.offset : -1);
      if (v >= 5) w.int32(-1);
      w.nullableString(committed?.metadata ?? '');
      w.int16(topic?.partitions[index] ? KafkaError.NONE : KafkaError.UNKNOWN_TOPIC_OR_PARTITION).tags();
    });
    w.tags();
  });
}

/** OffsetFetch v1-v8 (v8 asks for several groups at once). */
export function offsetFetch(r: Reader, v: number, c: Conn, b: Bridge): Writer {
  const w = new Writer(r.flexible);
  if (v >= 8) {
    const asked = r.array((r) => {
      const g = { group: r.string(), topics: readAsked(r) };
      r.tags();
      return g;
    });
    w.int32(0).array(asked, (w, g) => {
      w.string(g.group);
      writeCommitted(w, v, c, b, g.group, g.topics);
      w.int16(KafkaError.NONE).tags();
    });
    return w.tags();
  }
  const group = r.string();
  const asked = readAsked(r);
  if (v >= 3) w.int32(0);
  writeCommitted(w, v, c, b, group, asked);
  if (v >= 2) w.int16(KafkaError.NONE);
  return w.tags();
}

/** ListGroups v0-v4: the connection's organization's groups (v4 filters them by state). */
export function listGroups(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Writer {
  const states = v >= 4 ? r.array((r) => r.string()) : [];
  const prefix = groupKey(c, '');
  const listed = groups
    .list(prefix)
    .map(([key, type]) => ({ id: key.slice(prefix.length), type, state: groups.describe(key)?.state ?? 'Dead' }))
    .filter((g) => states.length === 0 || states.includes(g.state));
  const w = new Writer(r.flexible);
  if (v >= 1) w.int32(0);
  w.int16(KafkaError.NONE);
  w.array(listed, (w, g) => {
    w.string(g.id).string(g.type);
    if (v >= 4) w.string(g.state);
    w.tags();
  });
  return w.tags();
}

/** DescribeGroups v0-v5: state, protocol and members (a group never seen answers state Dead, as Kafka does). */
export function describeGroups(r: Reader, v: number, c: Conn, groups: GroupCoordinator): Writer {
  const ids = r.array((r) => r.string());
  const w = new Writer(r.flexible);
  if (v >= 1) w.int32(0);
  w.array(ids, (w, id) => {
    const d = groups.describe(groupKey(c, id));
    w.int16(KafkaError.NONE)
      .string(id)
      .string(d?.state ?? 'Dead')
      .string(d?.protocolType ?? '')
      .string(d?.protocol ?? '');
    w.array(d?.members ?? [], (w, m) => {
      w.string(m.id);
      if (v >= 4) w.nullableString(null);
      w.string(m.clientId).string('').nullableBytes(m.metadata).nullableBytes(m.assignment).tags();
    });
    if (v >= 3) w.int32(-2147483648); // authorized_operations: not computed
    w.tags();
  });
  return w.tags();
}
