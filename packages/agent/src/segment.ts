// The segment: a contiguous offset range of one partition, stored as one object. The open segment is built in
// pooled chunks (no growth copies, no fresh pages per record); a stored one is decoded from a single buffer.
// Layout (all integers big-endian) is documented in docs/segment-format.md; a CRC-32 over the body guards reads.
import { crc32 } from 'node:zlib';

export const SEGMENT_MAGIC = 0x4c485347; // "LHSG"
export const SEGMENT_VERSION = 1;
export const HEADER_BYTES = 40;
/** Per record: offset delta u32, timestamp u64, key length u32, value length u32. */
export const RECORD_HEADER_BYTES = 20;

const TWO_32 = 0x1_0000_0000;
const INITIAL_RECORDS = 1024;
/** The first chunk of a segment is small (many quiet partitions stay cheap); later ones are large. */
export const SMALL_CHUNK = 64 * 1024;
export const LARGE_CHUNK = 1024 * 1024;

/**
 * Free chunks for reuse. Writing into freshly allocated memory costs a page fault per 4 KiB, which at
 * 100 MB/s was a quarter of the agent's CPU; reused chunks are already mapped.
 */
export class ChunkPool {
  private readonly small: Buffer[] = [];
  private readonly large: Buffer[] = [];
  constructor(private readonly maxFreeBytes: number) {}

  take(size: number): Buffer {
    const list = size === SMALL_CHUNK ? this.small : size === LARGE_CHUNK ? this.large : undefined;
    return list?.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  give(chunk: Buffer): void {
    const list = chunk.length === SMALL_CHUNK ? this.small : chunk.length === LARGE_CHUNK ? this.large : undefined;
    if (!list) return;
    if (this.small.length * SMALL_CHUNK + this.large.length * LARGE_CHUNK + chunk.length > this.maxFreeBytes) return;
    list.push(chunk);
  }
}

export class SegmentCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentCorruptError';
  }
}

/** Storage key of a segment: `[org-{id}/]data/{topic}/{partition}/{base_offset:020}.seg`. */
export function segmentKey(orgPrefix: string, topic: string, partition: number, baseOffset: number): string {
  return `${orgPrefix}data/${topic}/${partition}/${String(baseOffset).padStart(20, '0')}.seg`;
}

/**
 * Records addressed by absolute offset. The same class serves the open segment (appended to in place) and
 * segments decoded from storage; reads hand out subarrays, never copies.
 */
export class Segment {
  readonly baseOffset: number;
  /** Next offset after this segment's range (exclusive end); may exceed the last stored record's offset + 1 when records were dropped. */
  endOffset: number;
  /** Stored records. */
  count = 0;
  /** Bytes of record data (the header excluded). */
  bodyBytes = 0;
  private chunks: Buffer[] = [];
  /** Bytes used in each chunk. */
  private used: number[] = [];
  private cur: Buffer | undefined;
  private curPos = 0;
  private offsets = new Float64Array(INITIAL_RECORDS);
  private chunkOf = new Uint32Array(INITIAL_RECORDS);
  private positions = new Uint32Array(INITIAL_RECORDS);

  constructor(
    baseOffset: number,
    private readonly pool?: ChunkPool,
  ) {
    this.baseOffset = baseOffset;
    this.endOffset = baseOffset;
  }

  /** Bytes of memory this segment holds (what the cache accounts). */
  get memoryBytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  /** Makes room in the per-record index for `records` more records. */
  reserve(records: number): void {
    const need = this.count + records;
    if (need <= this.offsets.length) return;
    let cap = this.offsets.length * 2;
    while (cap < need) cap *= 2;
    const offsets = new Float64Array(cap);
    offsets.set(this.offsets.subarray(0, this.count));
    const chunkOf = new Uint32Array(cap);
    chunkOf.set(this.chunkOf.subarray(0, this.count));
    const positions = new Uint32Array(cap);
    positions.set(this.positions.subarray(0, this.count));
    this.offsets = offsets;
    this.chunkOf = chunkOf;
    this.positions = positions;
  }

  private newChunk(atLeast: number): void {
    if (this.cur) this.used[this.used.length - 1] = this.curPos;
    const size = atLeast > LARGE_CHUNK ? atLeast : this.chunks.length === 0 && atLeast <= SMALL_CHUNK ? SMALL_CHUNK : LARGE_CHUNK;
    const chunk = this.pool ? this.pool.take(size) : Buffer.allocUnsafeSlow(size);
    this.chunks.push(chunk);
    this.used.push(0);
    this.cur = chunk;
    this.curPos = 0;
  }

  /** Appends one record at `offset` (>= endOffset). The caller reserved index room. */
  append(offset: number, timestamp: number, key: Uint8Array | undefined, value: Uint8Array): void {
    const keyLen = key ? key.length : 0;
    const size = RECORD_HEADER_BYTES + keyLen + value.length;
    if (!this.cur || this.curPos + size > this.cur.length) this.newChunk(size);
    const buf = this.cur!;
    let pos = this.curPos;
    const i = this.count++;
    this.offsets[i] = offset;
    this.chunkOf[i] = this.chunks.length - 1;
    this.positions[i] = pos;
    buf.writeUInt32BE(offset - this.baseOffset, pos);
    buf.writeUInt32BE(Math.floor(timestamp / TWO_32), pos + 4);
    buf.writeUInt32BE(timestamp >>> 0, pos + 8);
    buf.writeUInt32BE(keyLen, pos + 12);
    buf.writeUInt32BE(value.length, pos + 16);
    pos += RECORD_HEADER_BYTES;
    if (keyLen > 0) {
      buf.set(key!, pos);
      pos += keyLen;
    }
    buf.set(value, pos);
    this.curPos = pos + value.length;
    this.bodyBytes += size;
    this.endOffset = offset + 1;
  }

  /** Index of the first stored record with offset >= `offset` (count when none). */
  indexOf(offset: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  offsetAt(i: number): number {
    return this.offsets[i]!;
  }

  timestampAt(i: number): number {
    const buf = this.chunks[this.chunkOf[i]!]!;
    const p = this.positions[i]!;
    return buf.readUInt32BE(p + 4) * TWO_32 + buf.readUInt32BE(p + 8);
  }

  /** Key and value of record `i` as subarrays of segment memory. */
  keyAt(i: number): Buffer {
    const buf = this.chunks[this.chunkOf[i]!]!;
    const p = this.positions[i]!;
    return buf.subarray(p + RECORD_HEADER_BYTES, p + RECORD_HEADER_BYTES + buf.readUInt32BE(p + 12));
  }

  valueAt(i: number): Buffer {
    const buf = this.chunks[this.chunkOf[i]!]!;
    const p = this.positions[i]!;
    const start = p + RECORD_HEADER_BYTES + buf.readUInt32BE(p + 12);
    return buf.subarray(start, start + buf.readUInt32BE(p + 16));
  }

  /** Record bytes (header, key, value) of record `i`, used to bound response sizes. */
  sizeAt(i: number): number {
    const buf = this.chunks[this.chunkOf[i]!]!;
    const p = this.positions[i]!;
    return RECORD_HEADER_BYTES + buf.readUInt32BE(p + 12) + buf.readUInt32BE(p + 16);
  }

  /** The bytes to store: a header (with the body checksum) followed by the used part of each chunk. */
  seal(): Buffer[] {
    if (this.cur) this.used[this.used.length - 1] = this.curPos;
    const parts: Buffer[] = [Buffer.alloc(HEADER_BYTES)];
    let crc = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const part = this.chunks[c]!.subarray(0, this.used[c]);
      crc = crc32(part, crc);
      parts.push(part);
    }
    writeHeader(parts[0]!, this.baseOffset, this.endOffset, this.count, this.bodyBytes, crc);
    return parts;
  }

  /** Gives pooled chunks back; the segment must not be read afterwards. */
  release(): void {
    if (this.pool) for (const c of this.chunks) this.pool.give(c);
    this.chunks = [];
    this.cur = undefined;
    this.count = 0;
  }

  /** Indexes a stored segment held in one buffer (header included). */
  static fromStored(bytes: Buffer, h: SegmentHeader, what: string): Segment {
    const seg = new Segment(h.baseOffset);
    seg.reserve(h.count);
    let pos = HEADER_BYTES;
    for (let i = 0; i < h.count; i++) {
      if (pos + RECORD_HEADER_BYTES > bytes.length) throw new SegmentCorruptError(`${what}: record ${i} runs past the end`);
      seg.offsets[i] = h.baseOffset + bytes.readUInt32BE(pos);
      seg.positions[i] = pos;
      pos += RECORD_HEADER_BYTES + bytes.readUInt32BE(pos + 12) + bytes.readUInt32BE(pos + 16);
    }
    if (pos !== bytes.length) throw new SegmentCorruptError(`${what}: records do not fill the body`);
    seg.chunks = [bytes];
    seg.used = [bytes.length];
    seg.count = h.count;
    seg.bodyBytes = h.bodyBytes;
    seg.endOffset = h.endOffset;
    return seg;
  }
}

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_32), at);
  buf.writeUInt32BE(value >>> 0, at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

function writeHeader(buf: Buffer, base: number, end: number, count: number, bodyBytes: number, bodyCrc: number): void {
  buf.writeUInt32BE(SEGMENT_MAGIC, 0);
  buf.writeUInt16BE(SEGMENT_VERSION, 4);
  buf.writeUInt16BE(HEADER_BYTES, 6);
  writeU64(buf, base, 8);
  writeU64(buf, end, 16);
  buf.writeUInt32BE(count, 24);
  buf.writeUInt32BE(bodyBytes, 28);
  buf.writeUInt32BE(bodyCrc, 32);
  buf.writeUInt32BE(crc32(buf.subarray(0, 36)), 36);
}

export interface SegmentHeader {
  baseOffset: number;
  endOffset: number;
  count: number;
  bodyBytes: number;
  bodyCrc: number;
}

/** Parses and checks a header (the first HEADER_BYTES of a stored segment). */
export function readHeader(bytes: Buffer, what: string): SegmentHeader {
  if (bytes.length < HEADER_BYTES) throw new SegmentCorruptError(`${what}: ${bytes.length} bytes is shorter than a segment header`);
  if (bytes.readUInt32BE(0) !== SEGMENT_MAGIC) throw new SegmentCorruptError(`${what}: not a loadhouse segment (bad magic)`);
  const version = bytes.readUInt16BE(4);
  if (version !== SEGMENT_VERSION) throw new SegmentCorruptError(`${what}: segment version ${version} is not supported`);
  if (crc32(bytes.subarray(0, 36)) !== bytes.readUInt32BE(36)) throw new SegmentCorruptError(`${what}: header checksum mismatch`);
  return {
    baseOffset: readU64(bytes, 8),
    endOffset: readU64(bytes, 16),
    count: bytes.readUInt32BE(24),
    bodyBytes: bytes.readUInt32BE(28),
    bodyCrc: bytes.readUInt32BE(32),
  };
}

/** Decodes a stored segment, verifying both checksums and every record bound. */
export function decodeSegment(bytes: Buffer, what: string): Segment {
  const h = readHeader(bytes, what);
  if (bytes.length !== HEADER_BYTES + h.bodyBytes) {
    throw new SegmentCorruptError(`${what}: ${bytes.length} bytes, header says ${HEADER_BYTES + h.bodyBytes}`);
  }
  if (crc32(bytes.subarray(HEADER_BYTES)) !== h.bodyCrc) throw new SegmentCorruptError(`${what}: body checksum mismatch`);
  return Segment.fromStored(bytes, h, what);
}
