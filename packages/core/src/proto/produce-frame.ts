// A ProduceBatchRequest laid out once, as the bytes that go on the wire: the gRPC length prefix, then the
// protobuf message with its tags and lengths in place. Every record has the same size, so record j sits at a
// fixed offset; the producer writes its record headers into the values in place and nothing is encoded per
// batch but the few head bytes. The head (prefix, topic, ack mode, partition) ends where the records begin and
// is written backwards from there, so a partition whose varint is longer or shorter only moves the start.
// Fields are in the order topic, ack_mode, partition, records: protobuf decoders accept fields in any order,
// which keeps the records at fixed offsets while a short final batch only cuts the end. An idempotent producer's
// fields (producer id, epoch, base sequence, transaction id) follow the partition, in head room the shape keeps. Ack mode and partition
// are written even at their defaults, as protobufjs (grpc-js's serializer here) writes every field that is set,
// so the bytes are grpc-js's but for the field order.

import { payloadTerm } from '../record-header.js';

/** Bytes of a protobuf varint. */
export function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function writeVarint(buf: Buffer, offset: number, v: number): number {
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[offset++] = v;
  return offset;
}

/** The gRPC message prefix: flag 0 (uncompressed) and a big-endian u32 length. */
export const GRPC_PREFIX_SIZE = 5;

const TAG_TOPIC = 0x0a; // field 1, length-delimited
const TAG_PARTITION = 0x10; // field 2, varint
const TAG_RECORDS = 0x1a; // field 3, length-delimited
const TAG_ACK_MODE = 0x40; // field 8, varint
const TAG_PRODUCER_ID = 0x22; // field 4, length-delimited
const TAG_PRODUCER_EPOCH = 0x28; // field 5, varint
const TAG_BASE_SEQUENCE = 0x30; // field 6, varint (int64)
const TAG_TRANSACTION_ID = 0x3a; // field 7, length-delimited
const TAG_VALUE = 0x12; // Record field 2, length-delimited
const MAX_UINT32_VARINT = 5;

export interface ProduceFrameShape {
  topic: string;
  ackMode: number;
  /** Records of a full batch. */
  batchSize: number;
  /** Bytes of every record value. */
  messageSize: number;
  /** Head bytes kept for the idempotent producer's fields (producerHeadroom()); 0 when frames carry none. */
  headroom?: number;
}

/** The idempotent producer's fields of one ProduceBatch (the ids as UTF-8 bytes, encoded once per producer). */
export interface ProducerFields {
  producerId: Buffer;
  epoch: number;
  baseSequence: number;
  /** Empty when the batch is not part of a transaction. */
  transactionId: Buffer;
}

/** Head bytes that ProducerFields with ids up to these lengths need. */
export function producerHeadroom(maxProducerIdBytes: number, maxTransactionIdBytes: number): number {
  return (
    2 +
    varintLength(maxProducerIdBytes) +
    maxProducerIdBytes +
    1 +
    MAX_UINT32_VARINT +
    1 +
    10 +
    1 +
    varintLength(maxTransactionIdBytes) +
    maxTransactionIdBytes
  );
}

function producerFieldsLength(p: ProducerFields): number {
  const id = p.producerId.length;
  const txn = p.transactionId.length;
  return (
    1 + varintLength(id) + id + 1 + varintLength(p.epoch) + 1 + varintLength(p.baseSequence) + (txn > 0 ? 1 + varintLength(txn) + txn : 0)
  );
}

/** One reusable request buffer: `values[j]` is record j's value, a view into the framed bytes. */
export class ProduceFrame {
  readonly bytes: Buffer;
  /** Record values (views into `bytes`): what a driver that encodes requests itself sends. */
  readonly records: ReadonlyArray<{ value: Buffer }>;
  /**
   * CRC32C of record j's payload (the bytes after its header), set by whoever fills the frame: the payload
   * never changes in a reused frame, so the per-batch header checksum continues this instead of rehashing.
   */
  readonly payloadCrcs: Uint32Array;
  /** `bytes` as a DataView: where record headers are written (HeaderBatch). */
  readonly view: DataView;
  private terms: Int32Array | undefined;
  private readonly topic: Buffer;
  private readonly ackMode: number;
  private readonly recordsStart: number;
  private readonly recordBytes: number;
  private readonly headroom: number;
  /** From a record's start to its value. */
  private readonly valueHead: number;

  constructor(shape: ProduceFrameShape) {
    this.topic = Buffer.from(shape.topic, 'utf8');
    this.ackMode = shape.ackMode;
    const size = shape.messageSize;
    const inner = 1 + varintLength(size) + size;
    this.recordBytes = 1 + varintLength(inner) + inner;
    this.valueHead = this.recordBytes - size;
    this.headroom = shape.headroom ?? 0;
    this.recordsStart = requestHeadBytes(this.topic, shape.ackMode, this.headroom);
    this.bytes = Buffer.allocUnsafeSlow(this.recordsStart + shape.batchSize * this.recordBytes);
    const records: Array<{ value: Buffer }> = [];
    for (let j = 0; j < shape.batchSize; j++) {
      let o = this.recordsStart + j * this.recordBytes;
      this.bytes[o++] = TAG_RECORDS;
      o = writeVarint(this.bytes, o, inner);
      this.bytes[o++] = TAG_VALUE;
      o = writeVarint(this.bytes, o, size);
      records.push({ value: this.bytes.subarray(o, o + size) });
    }
    this.records = records;
    this.payloadCrcs = new Uint32Array(shape.batchSize);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /**
   * `payloadTerm()` of every record's `payloadCrcs` entry, computed on the first call and kept: fill
   * `payloadCrcs` before the first batch is stamped, and never change them after (the payload stays too).
   */
  payloadTerms(): Int32Array {
    if (this.terms) return this.terms;
    const t = new Int32Array(this.payloadCrcs.length);
    for (let j = 0; j < t.length; j++) t[j] = payloadTerm(this.payloadCrcs[j]!);
    this.terms = t;
    return t;
  }

  /** Offset in `bytes` of record j's value. */
  valueOffset(j: number): number {
    return this.recordsStart + j * this.recordBytes + this.valueHead;
  }

  /**
   * Writes the head for `partition` and the first `count` records and returns the framed request (a view of
   * `bytes`). The record values are whatever the caller left in them. `producer` adds the idempotent
   * producer's fields (the shape must have kept headroom for them).
   */
  frame(partition: number, count: number, producer?: ProducerFields): Buffer {
    return writeRequestHead(
      this.bytes,
      this.recordsStart,
      count * this.recordBytes,
      this.topic,
      this.ackMode,
      this.headroom,
      partition,
      producer,
    );
  }
}

/** Head bytes before the first record: prefix, topic, ack mode, the longest partition varint and `headroom`. */
export function requestHeadBytes(topic: Buffer, ackMode: number, headroom: number): number {
  return GRPC_PREFIX_SIZE + 1 + varintLength(topic.length) + topic.length + 1 + varintLength(ackMode) + 1 + MAX_UINT32_VARINT + headroom;
}

/**
 * Writes the request head so that it ends at `recordsStart`, for `recordBytes` bytes of records after it, and
 * returns the framed request (a view of `b`).
 */
export function writeRequestHead(
  b: Buffer,
  recordsStart: number,
  recordBytes: number,
  topic: Buffer,
  ackMode: number,
  headroom: number,
  partition: number,
  producer?: ProducerFields,
): Buffer {
  const topicLen = topic.length;
  const extra = producer ? producerFieldsLength(producer) : 0;
  if (extra > headroom) throw new RangeError(`producer fields need ${extra} head bytes, the frame kept ${headroom}`);
  const headBody = 1 + varintLength(topicLen) + topicLen + 1 + varintLength(ackMode) + 1 + varintLength(partition) + extra;
  const start = recordsStart - headBody - GRPC_PREFIX_SIZE;
  b[start] = 0;
  b.writeUInt32BE(headBody + recordBytes, start + 1);
  let o = start + GRPC_PREFIX_SIZE;
  b[o++] = TAG_TOPIC;
  o = writeVarint(b, o, topicLen);
  o += topic.copy(b, o);
  b[o++] = TAG_ACK_MODE;
  o = writeVarint(b, o, ackMode);
  b[o++] = TAG_PARTITION;
  o = writeVarint(b, o, partition);
  if (producer) writeProducerFields(b, o, producer);
  return b.subarray(start, recordsStart + recordBytes);
}

function writeProducerFields(b: Buffer, o: number, p: ProducerFields): void {
  b[o++] = TAG_PRODUCER_ID;
  o = writeVarint(b, o, p.producerId.length);
  o += p.producerId.copy(b, o);
  b[o++] = TAG_PRODUCER_EPOCH;
  o = writeVarint(b, o, p.epoch);
  b[o++] = TAG_BASE_SEQUENCE;
  o = writeVarint(b, o, p.baseSequence);
  if (p.transactionId.length > 0) {
    b[o++] = TAG_TRANSACTION_ID;
    o = writeVarint(b, o, p.transactionId.length);
    p.transactionId.copy(b, o);
  }
}

/**
 * Request buffers shared by the producers of a group: one per call whose bytes are still needed, made on
 * demand (the payload copied in once, at construction) and reused once a driver has written them.
 */
export class ProduceFramePool {
  private readonly free: ProduceFrame[] = [];
  private made = 0;

  constructor(
    private readonly shape: ProduceFrameShape,
    /** Fills a new frame's record values (the payload, copied once). */
    private readonly fill: (frame: ProduceFrame) => void,
  ) {}

  /** Frames made so far (the most ever in use at once). */
  get size(): number {
    return this.made;
  }

  /** A free buffer, or undefined when every buffer made is in use. */
  takeFree(): ProduceFrame | undefined {
    return this.free.pop();
  }

  take(): ProduceFrame {
    const f = this.free.pop();
    if (f) return f;
    const frame = new ProduceFrame(this.shape);
    this.fill(frame);
    this.made++;
    return frame;
  }

  give(frame: ProduceFrame): void {
    this.free.push(frame);
  }
}
