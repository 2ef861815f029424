// Produce, Fetch and ListOffsets: records go through the gRPC handlers (same partition logs, faults, metrics).
import { AckMode, type ConsumedRecord, type ProduceRecord } from '@loadhouse/core/wire';
import { sleep } from '../faults.js';
import type { TopicState } from '../topics.js';
import { type Bridge, BridgeError, errorCodeOf, KafkaError } from './bridge.js';
import type { Reader } from './protocol.js';
import { Writer } from './protocol.js';
import { BatchError, type DecodedBatch, decodeBatches, encodeBatch } from './record-batch.js';
import { fetchTopicName } from './topic-ids.js';

/** What a handler knows of its connection. */
export interface Conn {
  /** Organization of the connection (empty: the default one). */
  org: string;
  clientId: string;
  closed: boolean;
  /** The mechanism SaslHandshake chose, before SaslAuthenticate. */
  saslMechanism?: string;
  /** SaslHandshake v0 succeeded: the next frame is a bare SASL token. */
  rawSaslToken?: boolean;
}

/** Longest a Fetch waits for records, whatever the client asks: keeps a connection's later requests moving. */
const MAX_FETCH_WAIT_MS = 5_000;
const FETCH_POLL_MS = 10;
/** Records asked of one partition per Fetch; the byte limits trim further. */
const FETCH_MAX_RECORDS = 10_000;
/** Bytes a record adds to a batch beyond its key and value (varints, attributes), counted against limits. */
const RECORD_OVERHEAD = 12;
const EMPTY = Buffer.alloc(0);

/** The oldest readable offset of a partition (retention moves it), or undefined for an unknown one. */
export function logStartOf(topic: TopicState | undefined, partition: number): number | undefined {
  const log = topic?.partitions[partition];
  if (!log) return undefined;
  const src = log.locate(0);
  if (src === undefined) return log.nextOffset;
  return typeof src === 'number' ? log.stored[src]!.baseOffset : src.baseOffset;
}

interface PartResult {
  index: number;
  error: number;
  baseOffset: number;
  logStart: number;
}

async function producePartition(b: Bridge, c: Conn, topic: string, index: number, data: Buffer | null, acks: number): Promise<PartResult> {
  const fail = (error: number): PartResult => ({ index, error, baseOffset: -1, logStart: -1 });
  const t = b.registry.get(c.org, topic);
  if (!t?.partitions[index]) return fail(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
  let records: ProduceRecord[];
  let batches: DecodedBatch[];
  try {
    batches = decodeBatches(data ?? EMPTY);
    records = batches.flatMap((batch) =>
      batch.records.map((r) => {
        const rec: ProduceRecord = { value: r.value ?? EMPTY, timestamp: r.timestamp };
        if (r.key) rec.key = r.key;
        return rec;
      }),
    );
  } catch (err) {
    if (err instanceof BatchError) return fail(err.code);
    throw err;
  }
  if (records.length === 0) return fail(KafkaError.CORRUPT_MESSAGE);
  const first = batches[0]!;
  // librdkafka sends one batch per partition and request; an idempotent one is checked against its sequence.
  const seq =
    first.producerId >= 0 && batches.length === 1
      ? b.sequences.check(`${c.org}\u0000${topic}\u0000${index}`, first.producerId, first.producerEpoch, first.baseSequence, records.length)
      : undefined;
  if (seq?.kind === 'refused') return fail(seq.error);
  if (seq?.kind === 'duplicate') {
    const offset = await seq.offset.catch(() => undefined);
    return offset === undefined
      ? fail(KafkaError.KAFKA_STORAGE_ERROR)
      : { index, error: KafkaError.NONE, baseOffset: offset, logStart: logStartOf(t, index) ?? 0 };
  }
  try {
    // acks=all asks for the strongest promise StreamHouse makes: the segment is in object storage.
    const ackMode = acks === -1 ? AckMode.ACK_DURABLE : AckMode.ACK_BUFFERED;
    const res = await b.call('ProduceBatch', c.org, { topic, partition: index, records, ackMode });
    seq?.settle(res.firstOffset);
    return { index, error: KafkaError.NONE, baseOffset: res.firstOffset, logStart: logStartOf(t, index) ?? 0 };
  } catch (err) {
    seq?.settle(undefined);
    if (err instanceof BridgeError && err.kafkaCode === KafkaError.INVALID_REQUEST) return fail(KafkaError.INVALID_RECORD);
    return fail(errorCodeOf(err));
  }
}

/** Produce v3-v9 (record batches v2). acks=0 gets no response, as the protocol says. */
export async function produce(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer | null> {
  r.nullableString(); // transactional_id: transactions are not implemented, the records are appended as sent
  const acks = r.int16();
  r.int32(); // timeout_ms
  const topics = r.array((r) => {
    const name = r.string();
    const parts = r.array((r) => {
      const part = { index: r.int32(), records: r.nullableBytes() };
      r.tags();
      return part;
    });
    r.tags();
    return { name, parts };
  });
  const results = await Promise.all(
    topics.map(async (t) => ({
      name: t.name,
      parts: await Promise.all(t.parts.map((p) => producePartition(b, c, t.name, p.index, p.records, acks))),
    })),
  );
  if (acks === 0) return null;
  const w = new Writer(r.flexible);
  w.array(results, (w, t) => {
    w.string(t.name).array(t.parts, (w, p) => {
      w.int32(p.index).int16(p.error).int64(p.baseOffset).int64(-1);
      if (v >= 5) w.int64(p.logStart);
      if (v >= 8) w.array([], () => {}).nullableString(null); // record_errors, error_message
      w.tags();
    });
    w.tags();
  });
  return w.int32(0).tags();
}

interface FetchPart {
  index: number;
  offset: number;
  maxBytes: number;
  error: number;
  highWatermark: number;
  logStart: number;
  records: ConsumedRecord[];
  /** The last offset the answer covers: past the last record when the offsets after it hold nothing readable. */
  lastOffset: number;
}

async function fetchPartition(b: Bridge, c: Conn, topic: string, p: FetchPart, budget: { bytes: number }): Promise<void> {
  const t = b.registry.get(c.org, topic);
  const log = t?.partitions[p.index];
  if (!t || !log) {
    p.error = KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
    return;
  }
  p.highWatermark = log.nextOffset;
  p.logStart = logStartOf(t, p.index) ?? 0;
  if (p.offset > p.highWatermark || p.offset < p.logStart) {
    p.error = KafkaError.OFFSET_OUT_OF_RANGE;
    return;
  }
  if (p.offset === p.highWatermark || budget.bytes <= 0) return;
  try {
    const res = await b.call('Consume', c.org, { topic, partition: p.index, offset: p.offset, maxRecords: FETCH_MAX_RECORDS });
    p.highWatermark = res.highWatermark;
    let bytes = 0;
    let n = 0;
    for (const rec of res.records) {
      const size = rec.value.length + (rec.key ? rec.key.length : 0) + RECORD_OVERHEAD;
      // The first record always goes, however large, so a consumer never stalls on it.
      if (n > 0 && (bytes + size > p.maxBytes || bytes + size > budget.bytes)) break;
      bytes += size;
      n++;
    }
    budget.bytes -= bytes;
    p.records = n === res.records.length ? res.records : res.records.slice(0, n);
    const last = n > 0 ? p.records[n - 1]!.offset : p.offset - 1;
    p.lastOffset = last;
    // Offsets the log assigned but holds no record for (a drop fault) must not stop a consumer short of the
    // high watermark: when nothing readable follows, the answer covers them.
    if (n === res.records.length && last + 1 < res.highWatermark) {
      const next = await b.call('Consume', c.org, { topic, partition: p.index, offset: last + 1, maxRecords: 1 });
      if (next.records.length === 0) p.lastOffset = next.highWatermark - 1;
    }
  } catch (err) {
    p.error = errorCodeOf(err);
  }
}

/** Fetch v4-v12: full fetches only (a session id of 0 tells the client there is no incremental session). */
export async function fetch(r: Reader, v: number, c: Conn, b: Bridge): Promise<Writer> {
  r.int32(); // replica_id
  const maxWait = Math.min(Math.max(r.int32(), 0), MAX_FETCH_WAIT_MS);
  r.int32(); // min_bytes: any record answers
  const maxBytes = r.int32();
  r.int8(); // isolation_level: nothing is ever uncommitted here
  if (v >= 7) {
    r.int32(); // session_id
    r.int32(); // session_epoch
  }
  const topics = r.array((r) => {
    const name = r.string();
    const parts = r.array((r): FetchPart => {
      const index = r.int32();
      if (v >= 9) r.int32(); // current_leader_epoch
      const offset = r.int64();
      if (v >= 12) r.int32(); // last_fetched_epoch
      if (v >= 5) r.int64(); // log_start_offset (of followers)
      const maxBytes = r.int32();
      r.tags();
      return { index, offset, maxBytes, error: 0, highWatermark: -1, logStart: -1, records: [], lastOffset: offset - 1 };
    });
    r.tags();
    return { name, topic: v === 12 ? fetchTopicName(b, c.org, name) : name, parts };
  });
  // Forgotten topics (no sessions here) and rack_id follow; nothing after them is needed.
  const deadline = Date.now() + maxWait;
  for (;;) {
    const budget = { bytes: maxBytes > 0 ? maxBytes : Number.MAX_SAFE_INTEGER };
    for (const t of topics) {
      for (const p of t.parts) {
        p.records = [];
        p.lastOffset = p.offset - 1;
      }
    }
    await Promise.all(topics.flatMap((t) => t.parts.map((p) => fetchPartition(b, c, t.topic, p, budget))));
    const any = topics.some((t) => t.parts.some((p) => p.lastOffset >= p.offset || p.error !== 0));
    if (any || c.closed || Date.now() >= deadline) break;
    await sleep(FETCH_POLL_MS);
  }
  const w = new Writer(r.flexible);
  w.int32(0); // throttle_time_ms
  if (v >= 7) w.int16(0).int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name).array(t.parts, (w, p) => {
      w.int32(p.index).int16(p.error).int64(p.highWatermark).int64(p.highWatermark);
      if (v >= 5) w.int64(p.logStart);
      w.nullArray(); // aborted_transactions
      if (v >= 11) w.int32(-1); // preferred_read_replica
      w.nullableBytes(p.lastOffset >= p.offset ? encodeBatch(p.records.map(toOut), p.records[0]?.offset ?? p.offset, p.lastOffset) : EMPTY);
      w.tags();
    });
    w.tags();
  });
  return w.tags();
}

function toOut(r: ConsumedRecord): { offset: number; timestamp: number; key: Uint8Array | null; value: Uint8Array } {
  return { offset: r.offset, timestamp: r.timestamp, key: r.key && r.key.length > 0 ? r.key : null, value: r.value };
}

const LATEST = -1;
const EARLIEST = -2;

/** ListOffsets v1-v7: the latest (-1) and earliest (-2) offsets; a timestamp lookup answers INVALID_REQUEST. */
export function listOffsets(r: Reader, v: number, c: Conn, b: Bridge): Writer {
  r.int32(); // replica_id
  if (v >= 2) r.int8(); // isolation_level
  const topics = r.array((r) => {
    const name = r.string();
    const parts = r.array((r) => {
      const index = r.int32();
      if (v >= 4) r.int32(); // current_leader_epoch
      const timestamp = r.int64();
      r.tags();
      return { index, timestamp };
    });
    r.tags();
    return { name, parts };
  });
  const w = new Writer(r.flexible);
  if (v >= 2) w.int32(0);
  w.array(topics, (w, t) => {
    const topic = b.registry.get(c.org, t.name);
    w.string(t.name).array(t.parts, (w, p) => {
      const log = topic?.partitions[p.index];
      let error: number = KafkaError.NONE;
      let offset = -1;
      if (!log) error = KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
      else if (p.timestamp === LATEST) offset = log.nextOffset;
      else if (p.timestamp === EARLIEST) offset = logStartOf(topic, p.index) ?? 0;
      else error = KafkaError.INVALID_REQUEST;
      w.int32(p.index).int16(error).int64(-1).int64(offset);
      if (v >= 4) w.int32(-1);
      w.tags();
    });
    w.tags();
  });
  return w.tags();
}
