// Record batches (magic 2): decoding what producers send, CRC32C checked, and encoding fetched records.
import { gunzipSync } from 'node:zlib';
import { KafkaDecodeError, Reader } from './protocol.js';

/** CRC-32C tables for slicing by 8: table k maps a byte seen k positions earlier. */
const CRC32C_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
  }
  return t;
})();

/** CRC-32C (Castagnoli), the checksum of a v2 record batch; 8 bytes a step, as fetches checksum megabytes. */
export function crc32c(buf: Uint8Array, from = 0, to = buf.length): number {
  const t = CRC32C_TABLES;
  let c = 0xffffffff;
  let i = from;
  for (; i + 8 <= to; i += 8) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    c =
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
  }
  for (; i < to; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface KafkaRecord {
  key: Buffer | null;
  value: Buffer | null;
  /** Epoch ms. */
  timestamp: number;
  headers: Array<[string, Buffer | null]>;
}

export interface DecodedBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  records: KafkaRecord[];
}

/** Why a batch is refused, as a Kafka error code: CORRUPT_MESSAGE (2) or UNSUPPORTED_COMPRESSION_TYPE (76). */
export class BatchError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const HEADER_AFTER_LENGTH = 49; // partitionLeaderEpoch .. recordCount
const CRC_START = 21; // attributes follow the crc

/** Decodes the batches of one partition's `records` field. Message formats 0 and 1 are refused. */
export function decodeBatches(buf: Buffer): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  let pos = 0;
  while (pos + 12 <= buf.length) {
    const length = buf.readInt32BE(pos + 8);
    const end = pos + 12 + length;
    if (length < HEADER_AFTER_LENGTH || end > buf.length) throw new BatchError(2, `record batch at byte ${pos} is truncated`);
    const magic = buf.readInt8(pos + 16);
    if (magic !== 2) throw new BatchError(2, `message format v${magic} is not supported: the agent reads record batches v2 only`);
    const crc = buf.readUInt32BE(pos + 17);
    const actual = crc32c(buf, pos + CRC_START, end);
    if (crc !== actual) throw new BatchError(2, `record batch at byte ${pos} fails its CRC32C check`);
    out.push(decodeBatch(buf.subarray(pos, end)));
    pos = end;
  }
  return out;
}

function decodeBatch(b: Buffer): DecodedBatch {
  const r = new Reader(b);
  r.pos = 21;
  const attributes = r.int16();
  r.int32(); // lastOffsetDelta
  const baseTimestamp = r.int64();
  r.int64(); // maxTimestamp
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const baseSequence = r.int32();
  const count = r.int32();
  const codec = attributes & 0x07;
  let body: Reader;
  if (codec === 0) body = r;
  else if (codec === 1) body = new Reader(gunzipSync(b.subarray(r.pos)));
  else throw new BatchError(76, `compression codec ${codec} is not supported by the agent: produce uncompressed or with gzip`);
  const records: KafkaRecord[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const len = body.varint();
      const end = body.pos + len;
      body.int8(); // attributes
      const timestamp = baseTimestamp + body.varint();
      body.varint(); // offsetDelta: the agent assigns offsets itself
      const keyLen = body.varint();
      const key = keyLen < 0 ? null : Buffer.from(body.raw(keyLen));
      const valueLen = body.varint();
      const value = valueLen < 0 ? null : Buffer.from(body.raw(valueLen));
      const headers: Array<[string, Buffer | null]> = [];
      const nh = body.varint();
      for (let h = 0; h < nh; h++) {
        const k = body.raw(body.varint()).toString('utf8');
        const vl = body.varint();
        headers.push([k, vl < 0 ? null : Buffer.from(body.raw(vl))]);
      }
      if (body.pos !== end) throw new KafkaDecodeError(`record ${i} length disagrees with its content`);
      records.push({ key, value, timestamp, headers });
    }
  } catch (err) {
    if (err instanceof KafkaDecodeError) throw new BatchError(2, `record batch is malformed: ${err.message}`);
    throw err;
  }
  return { producerId, producerEpoch, baseSequence, transactional: (attributes & 0x10) !== 0, records };
}

export interface OutRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array;
}

/**
 * One uncompressed v2 batch holding `records` (ascending offsets, gaps allowed), with its CRC32C. `lastOffset`
 * may reach past the last record: offsets with no readable record (dropped) are covered by the batch, so the
 * consumer's position moves past them, as over a compacted log. An empty batch only moves the position.
 */
export function encodeBatch(records: readonly OutRecord[], baseOffset: number, lastOffset: number): Buffer {
  const first = records[0];
  const baseTs = first ? first.timestamp : -1;
  let maxTs = baseTs;
  // One pass for sizes, one for bytes, into a single buffer: a fetch encodes thousands of records at a time.
  let size = BATCH_HEADER_BYTES;
  const lengths = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.timestamp > maxTs) maxTs = r.timestamp;
    const keyLen = r.key && r.key.length > 0 ? r.key.length : -1;
    const len =
      1 +
      zigzagSize(r.timestamp - baseTs) +
      zigzagSize(r.offset - baseOffset) +
      zigzagSize(keyLen) +
      Math.max(keyLen, 0) +
      zigzagSize(r.value.length) +
      r.value.length +
      1;
    lengths[i] = len;
    size += zigzagSize(len) + len;
  }
  const out = Buffer.allocUnsafe(size);
  out.writeBigInt64BE(BigInt(baseOffset), 0);
  out.writeInt32BE(size - 12, 8);
  out.writeInt32BE(0, 12); // partitionLeaderEpoch
  out.writeInt8(2, 16);
  out.writeInt16BE(0, 21); // attributes: uncompressed, create time
  out.writeInt32BE(lastOffset - baseOffset, 23);
  out.writeBigInt64BE(BigInt(baseTs), 27);
  out.writeBigInt64BE(BigInt(maxTs), 35);
  out.writeBigInt64BE(-1n, 43); // producerId
  out.writeInt16BE(-1, 51); // producerEpoch
  out.writeInt32BE(-1, 53); // baseSequence
  out.writeInt32BE(records.length, 57);
  let at = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    at = putZigzag(out, at, lengths[i]!);
    out[at++] = 0; // attributes
    at = putZigzag(out, at, r.timestamp - baseTs);
    at = putZigzag(out, at, r.offset - baseOffset);
    if (r.key && r.key.length > 0) {
      at = putZigzag(out, at, r.key.length);
      out.set(r.key, at);
      at += r.key.length;
    } else at = putZigzag(out, at, -1);
    at = putZigzag(out, at, r.value.length);
    out.set(r.value, at);
    at += r.value.length;
    out[at++] = 0; // no headers
  }
  out.writeUInt32BE(crc32c(out, CRC_START), 17);
  return out;
}

const BATCH_HEADER_BYTES = 61;

function zigzagSize(v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 0x80);
    n++;
  }
  return n;
}

function putZigzag(buf: Buffer, at: number, v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  while (u >= 0x80) {
    buf[at++] = (u % 0x80) | 0x80;
    u = Math.floor(u / 0x80);
  }
  buf[at++] = u;
  return at;
}
