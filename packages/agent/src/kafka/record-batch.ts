// Record batches (magic 2): decoding what producers send, CRC32C checked, and encoding fetched records.
import { gunzipSync } from 'node:zlib';
import { KafkaDecodeError, Reader, Writer } from './protocol.js';

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), the checksum of a v2 record batch. */
export function crc32c(buf: Uint8Array, from = 0, to = buf.length): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC32C_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
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
  for (const r of records) if (r.timestamp > maxTs) maxTs = r.timestamp;
  const body = new Writer();
  for (const r of records) {
    const rec = new Writer();
    rec
      .int8(0)
      .varint(r.timestamp - baseTs)
      .varint(r.offset - baseOffset);
    if (r.key === null || r.key.length === 0) rec.varint(-1);
    else rec.varint(r.key.length).raw(r.key);
    rec.varint(r.value.length).raw(r.value).varint(0);
    const bytes = rec.toBuffer();
    body.varint(bytes.length).raw(bytes);
  }
  const w = new Writer();
  w.int64(baseOffset).int32(0).int32(0).int8(2).uint32(0); // length and crc are filled in below
  w.int16(0)
    .int32(lastOffset - baseOffset)
    .int64(baseTs)
    .int64(maxTs);
  w.int64(-1).int16(-1).int32(-1).int32(records.length);
  w.raw(body.toBuffer());
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 12, 8);
  out.writeUInt32BE(crc32c(out, CRC_START), 17);
  return out;
}
