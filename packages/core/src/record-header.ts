// The binary header at the start of every record value loadhouse produces. StreamHouse drops record
// headers, so everything a consumer needs to check integrity and end-to-end latency rides in the value.
//
// Layout (36 bytes, big-endian):
//   0  u16  magic 0x4C48 ('LH')
//   2  u8   version (2; version 1 was the same without the checksum, 32 bytes)
//   3  u8   flags (0, reserved)
//   4  u32  producer id
//   8  u32  sequence, high 32 bits   (per producer and partition, from 0)
//  12  u32  sequence, low 32 bits
//  16  f64  intended send time, epoch milliseconds (microsecond precision)
//  24  u32  partition
//  28  u32  value length in bytes (header included)
//  32  u32  CRC32C of the value without this field: of the payload (bytes 36..length), continued over bytes 0..32
//
// The checksum runs over the payload first so that a producer, whose payload bytes never change in a reused
// buffer, hashes them once per buffer and per record only continues that CRC over the 32 header bytes. The
// result is still a CRC of every other byte of the value, so any flipped byte anywhere is found.
import { crc32c } from '@node-rs/crc32';

export const RECORD_MAGIC = 0x4c48;
export const RECORD_HEADER_VERSION = 2;
export const RECORD_HEADER_SIZE = 36;
/** Bytes the checksum covers at the start of the header (everything before the checksum field). */
const CHECKED_HEAD = 32;

export interface RecordHeader {
  producerId: number;
  /**
   * Position of the record among the records its producer sent to this partition, from 0 (exact below 2^53).
   * Assigned when the record is put into a batch: a record dropped before sending takes no sequence, a
   * record of a batch that failed does (the consumer sees the gap; the run counts it as expected missing).
   * So a consumer of one partition expects every producer's sequences there to be 0, 1, 2, ... without gaps.
   */
  sequence: number;
  /** When the open-model schedule meant the record to be sent (epoch ms, fractional). */
  intendedTimeMs: number;
  partition: number;
  /** Length of the whole value (header + payload); lets a consumer detect truncation. */
  length: number;
}

const TWO_32 = 0x1_0000_0000;

// CRC32C (Castagnoli, reflected 0x82F63B78) table for the 32 header bytes a producer hashes per record: a JS
// loop over them costs less than a native call on a fresh subarray. Long inputs go to the native crc32c.
/**
 * CRC32C lookup tables for slicing by 4 (T[0] is the byte-at-a-time table): the header's checksum takes one
 * step per 32-bit word instead of one per byte. It runs for every record sent, so its cost is per record. The
 * tables and every word are signed 32-bit integers: values above 2^31 would be boxed numbers, one allocation
 * each, for the same bits.
 */
const CRC32C_TABLES = (() => {
  const t = [new Int32Array(256), new Int32Array(256), new Int32Array(256), new Int32Array(256)] as const;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0][n] = c | 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) t[k][n] = (t[k - 1][n]! >>> 8) ^ t[0][t[k - 1][n]! & 0xff]!;
  }
  return t;
})();
const [T0, T1, T2, T3] = CRC32C_TABLES;

/** crc32c(bytes [start, end) of `buf`, continuing `crc`), as the native crc32c(input, initialState) computes it. */
function crc32cUpdate(crc: number, buf: Buffer, start: number, end: number): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = T0[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** One slicing-by-4 step: `w` holds the next four bytes of the stream, the first in its low byte. */
function crcWord(c: number, w: number): number {
  c ^= w;
  return T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!;
}

/** The four bytes of `v` written big-endian, as the word crcWord() takes (first byte lowest). */
const beWord = (v: number): number => (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);

/** Writes `w` (crcWord's order: first byte lowest) at `o`. */
function putWord(b: Buffer, o: number, w: number): void {
  b[o] = w & 0xff;
  b[o + 1] = (w >>> 8) & 0xff;
  b[o + 2] = (w >>> 16) & 0xff;
  b[o + 3] = w >>> 24;
}

/** Writes word `w` at `o` and continues the checksum `c` over it. */
function crcPut(b: Buffer, o: number, c: number, w: number): number {
  putWord(b, o, w);
  return crcWord(c, w);
}

/** The header's first word: magic 0x4c48, the version, a reserved zero byte. */
const HEAD_WORD = 0x4c | (0x48 << 8) | (RECORD_HEADER_VERSION << 16);
/** A double's two 32-bit halves (this platform's order: little-endian, as every Node platform is). */
const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);
/**
 * A scratch double and its halves for writeHeaderWords' callers: `timeWords.f64[0] = ms`, then pass
 * `timeWords.i32[1], timeWords.i32[0]`.
 */
export const timeWords = { f64, i32: f64Words } as const;

/** CRC32C of a value's payload (the bytes after the header): what `writeRecordHeader` continues. */
export function payloadChecksum(value: Uint8Array, offset = 0, length = value.byteLength - offset): number {
  const start = offset + RECORD_HEADER_SIZE;
  const end = Math.min(offset + length, value.byteLength);
  return end > start ? crc32c(value.subarray(start, end)) : 0;
}

/**
 * Writes the header at `offset` of `target`, checksum included. `target` must have RECORD_HEADER_SIZE bytes
 * available from `offset`. `payloadCrc` is `payloadChecksum()` of the value's payload; when omitted it is
 * computed from the `length - RECORD_HEADER_SIZE` bytes after the header, so write the payload first.
 */
export function writeRecordHeader(
  target: Buffer,
  offset: number,
  producerId: number,
  sequence: number,
  intendedTimeMs: number,
  partition: number,
  length: number,
  payloadCrc: number = payloadChecksum(target, offset, length),
): void {
  f64[0] = intendedTimeMs;
  writeHeaderWords(target, offset, producerId, sequence, f64Words[1]!, f64Words[0]!, partition, length, payloadCrc | 0);
}

/** Throws unless a header fits at `offset` of `bytes` bytes: every header writer's bound. */
function checkRoom(offset: number, bytes: number): void {
  if (offset < 0 || offset + RECORD_HEADER_SIZE > bytes) {
    throw new RangeError(`writeRecordHeader needs ${RECORD_HEADER_SIZE} bytes at offset ${offset}, got ${bytes - offset}`);
  }
}

/**
 * writeRecordHeader with the intended time as the two 32-bit halves of its double (`timeWords`: high half at
 * [1], low at [0]) and every argument a small integer: the per-record path of the producers, where a double
 * or a value above 2^31 passed to a function that is not inlined would be boxed, one allocation per record.
 */
export function writeHeaderWords(
  target: Buffer,
  offset: number,
  producerId: number,
  sequence: number,
  timeHigh: number,
  timeLow: number,
  partition: number,
  length: number,
  payloadCrc: number,
): void {
  checkRoom(offset, target.length);
  // Each field is a big-endian word; the checksum runs over the words as they are laid down.
  let c = crcWord(~payloadCrc, HEAD_WORD);
  putWord(target, offset, HEAD_WORD);
  c = crcPut(target, offset + 4, c, beWord(producerId | 0));
  c = crcPut(target, offset + 8, c, beWord(Math.floor(sequence / TWO_32) | 0));
  c = crcPut(target, offset + 12, c, beWord(sequence | 0));
  c = crcPut(target, offset + 16, c, beWord(timeHigh));
  c = crcPut(target, offset + 20, c, beWord(timeLow));
  c = crcPut(target, offset + 24, c, beWord(partition | 0));
  c = crcPut(target, offset + 28, c, beWord(length | 0));
  putWord(target, offset + CHECKED_HEAD, beWord(~c));
}

/**
 * The checksum is linear in its inputs (a CRC's register takes each word through the same linear map, and a
 * table-driven CRC has T[0] = 0), so the register after the eight header words is the XOR of one term per
 * input: the starting register (the payload's CRC) and each word, each taken through the remaining steps.
 * A batch's records differ only in the sequence's low word and the time's low word (its high word moves every
 * ~17 minutes); every other term is computed once per batch or, for the payload, once per reused buffer.
 * `HeaderBatch` writes headers that way: two words' terms from tables per record, not eight CRC steps.
 */
function crcZeros(c: number, words: number): number {
  let r = c;
  for (let i = 0; i < words; i++) r = crcWord(r, 0);
  return r;
}

/** Per byte of a word at header position `k`: its term in the register after the last header word. */
function positionTable(k: number): Int32Array {
  const t = new Int32Array(1024);
  // Byte b of the value (big-endian: b = 0 is the most significant) is byte b of the stream at that word.
  for (let b = 0; b < 4; b++) for (let x = 0; x < 256; x++) t[b * 256 + x] = crcZeros(x << (8 * b), 8 - k);
  return t;
}
const SEQ_LOW_TERMS = positionTable(3);
const TIME_LOW_TERMS = positionTable(5);

/** The term of value `v` (as written, big-endian) at the position whose table is `t`. */
function term(t: Int32Array, v: number): number {
  return t[v >>> 24]! ^ t[256 + ((v >>> 16) & 0xff)]! ^ t[512 + ((v >>> 8) & 0xff)]! ^ t[768 + (v & 0xff)]!;
}

/**
 * The starting register's term for a payload checksum (`payloadChecksum()`): what `HeaderBatch.write` takes
 * per record. It depends on the payload only, so a buffer whose payload never changes computes it once.
 */
export function payloadTerm(payloadCrc: number): number {
  return crcZeros(~payloadCrc, 8);
}

/**
 * Writes the headers of one batch of uniform records (one producer, partition and length), byte for byte what
 * `writeRecordHeader` writes, at a fraction of its cost per record. `begin` once per batch, then `write` per
 * record; records whose sequence's high word differs from the batch's first fall back to the full computation.
 */
export class HeaderBatch {
  private producerId = 0;
  private partition = 0;
  private length = 0;
  private seqHigh = 0;
  /** The register's term of the words fixed for the batch. */
  private fixed = 0;
  /**
   * The last time high word seen and its term, kept across batches: the term depends on the word alone, and the
   * word moves about every 17 minutes. A zero word's term is zero.
   */
  private timeHigh = 0;
  private timeHighTerm = 0;
  /** The last view written to and its length, read once per view: DataView's byteLength is a call V8 does not inline. */
  private view: DataView | undefined;
  private viewBytes = 0;

  begin(producerId: number, firstSequence: number, partition: number, length: number): void {
    this.producerId = producerId | 0;
    this.partition = partition | 0;
    this.length = length | 0;
    this.seqHigh = Math.floor(firstSequence / TWO_32) | 0;
    let c = crcWord(0, HEAD_WORD);
    c = crcWord(c, beWord(this.producerId));
    c = crcWord(c, beWord(this.seqHigh));
    c = crcZeros(c, 3);
    c = crcWord(c, beWord(this.partition));
    this.fixed = crcWord(c, beWord(this.length));
  }

  /**
   * Record `sequence`'s header at `offset` of `view` (a DataView of the same bytes as `target`), its intended
   * time as `timeWords` halves, `payloadTerm` from `payloadTerm()` of its payload checksum.
   */
  write(view: DataView, offset: number, sequence: number, timeHigh: number, timeLow: number, payloadTerm: number): void {
    if (view !== this.view) {
      this.view = view;
      this.viewBytes = view.byteLength;
    }
    checkRoom(offset, this.viewBytes);
    const high = Math.floor(sequence / TWO_32) | 0;
    if (high !== this.seqHigh) return this.writeSlow(view, offset, sequence, timeHigh, timeLow, payloadTerm);
    if (timeHigh !== this.timeHigh) {
      this.timeHigh = timeHigh;
      this.timeHighTerm = crcZeros(crcWord(0, beWord(timeHigh)), 3);
    }
    const low = sequence | 0;
    const c = this.fixed ^ this.timeHighTerm ^ payloadTerm ^ term(SEQ_LOW_TERMS, low) ^ term(TIME_LOW_TERMS, timeLow);
    view.setInt32(offset, BE_HEAD);
    view.setInt32(offset + 4, this.producerId);
    view.setInt32(offset + 8, high);
    view.setInt32(offset + 12, low);
    view.setInt32(offset + 16, timeHigh);
    view.setInt32(offset + 20, timeLow);
    view.setInt32(offset + 24, this.partition);
    view.setInt32(offset + 28, this.length);
    view.setInt32(offset + CHECKED_HEAD, ~c);
  }

  /** A record whose sequence's high word is not the batch's (a batch across 2^32): the whole computation. */
  private writeSlow(view: DataView, offset: number, sequence: number, timeHigh: number, timeLow: number, payloadTerm: number): void {
    const target = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    // The step-by-step chain from a zero start (payload checksum -1: its complement is 0) gives every word's
    // terms; the payload's term is added after (linearity again).
    writeHeaderWords(target, offset, this.producerId, sequence, timeHigh, timeLow, this.partition, this.length, -1);
    const withZeroStart = ~target.readInt32BE(offset + CHECKED_HEAD);
    view.setInt32(offset + CHECKED_HEAD, ~(withZeroStart ^ payloadTerm));
  }
}

/** HEAD_WORD as the big-endian value its bytes make. */
const BE_HEAD = beWord(HEAD_WORD);

/**
 * Encodes a header into `target` at `offset` (a new header-only buffer when no target is given) and returns
 * the target. The checksum covers the payload bytes `target` holds after the header, up to `header.length`:
 * write the payload first.
 */
export function encodeRecordHeader(header: RecordHeader, target?: Uint8Array, offset = 0): Uint8Array {
  const out = target ?? new Uint8Array(RECORD_HEADER_SIZE);
  if (out.byteLength - offset < RECORD_HEADER_SIZE) {
    throw new RangeError(`encodeRecordHeader needs ${RECORD_HEADER_SIZE} bytes at offset ${offset}, got ${out.byteLength - offset}`);
  }
  const buf = Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  writeRecordHeader(buf, offset, header.producerId, header.sequence, header.intendedTimeMs, header.partition, header.length);
  return out;
}

/**
 * Decodes the header at `offset`, or returns null when the bytes are too short or do not start with the magic.
 * A version 1 header (32 bytes, no checksum) still decodes; `checksum` is then absent.
 */
export function decodeRecordHeader(source: Uint8Array, offset = 0): (RecordHeader & { version: number; checksum?: number }) | null {
  if (source.byteLength - offset < CHECKED_HEAD) return null;
  const view = new DataView(source.buffer, source.byteOffset + offset, source.byteLength - offset);
  if (view.getUint16(0) !== RECORD_MAGIC) return null;
  const version = view.getUint8(2);
  if (version !== 1 && source.byteLength - offset < RECORD_HEADER_SIZE) return null;
  const fields = {
    producerId: view.getUint32(4),
    sequence: view.getUint32(8) * TWO_32 + view.getUint32(12),
    intendedTimeMs: view.getFloat64(16),
    partition: view.getUint32(24),
    length: view.getUint32(28),
  };
  return version === 1 ? { version, ...fields } : { version, ...fields, checksum: view.getUint32(CHECKED_HEAD) };
}

/**
 * Whether the value's checksum matches its bytes: false for a flipped byte anywhere in the value (or a
 * truncated one). `value` must hold a version 2+ header (hasRecordHeader and readHeaderVersion >= 2).
 */
export function verifyRecordChecksum(value: Buffer): boolean {
  const payload = value.length > RECORD_HEADER_SIZE ? crc32c(value.subarray(RECORD_HEADER_SIZE)) : 0;
  return crc32cUpdate(payload, value, 0, CHECKED_HEAD) === value.readUInt32BE(CHECKED_HEAD);
}

// Allocation-free reads for the consumer's per-record loop: no header object per record. `value` must be a
// Buffer (protobufjs decodes bytes fields to Buffer slices in Node).

/** True when `value` is long enough for a header (of version 1 at least) and starts with the loadhouse magic. */
export function hasRecordHeader(value: Buffer): boolean {
  return value.length >= CHECKED_HEAD && value[0] === 0x4c && value[1] === 0x48;
}

/** The header's version: 1 has no checksum (and may be only 32 bytes), 2 and up carry one. */
export function readHeaderVersion(value: Buffer): number {
  return value[2]!;
}

export function readProducerId(value: Buffer): number {
  return value.readUInt32BE(4);
}

export function readSequence(value: Buffer): number {
  return value.readUInt32BE(8) * TWO_32 + value.readUInt32BE(12);
}

export function readIntendedTime(value: Buffer): number {
  return value.readDoubleBE(16);
}
