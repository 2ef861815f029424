// A ProduceBatchRequest laid out per batch: for workloads whose records differ in size or carry keys, where
// the fixed-offset frame of produce-frame.ts cannot serve. Records are appended one by one (key, then value
// length, then the value the caller writes), and the head is written backwards before the first record as in
// a fixed frame. The buffer is sized once for a full batch of the largest records and reused.
//
// While a batch has the layout of the one its payloads were written for (same key lengths and sizes, hence
// same offsets: always so with keys of one width and one record size), a record's payload is still in place
// with its checksum known, and only its key and header are written again: the keyed fixed-size workload
// then costs little more than the uniform one. The first record whose layout differs invalidates itself
// and every record after it (their framing moved over the old payloads).
import { requestHeadBytes, varintLength, writeRequestHead, writeVarint, type ProducerFields } from './produce-frame.js';

const TAG_RECORDS = 0x1a; // ProduceBatchRequest field 3
const TAG_KEY = 0x0a; // Record field 1
const TAG_VALUE = 0x12; // Record field 2

export interface LaidOutShape {
  topic: string;
  ackMode: number;
  batchSize: number;
  /** The largest value a record may have. */
  maxValueBytes: number;
  /** The longest key a record may have (0: records have no key). */
  maxKeyBytes: number;
  headroom?: number;
}

/** Framing of one record at most: record tag and length, key tag and length, value tag and length. */
function recordOverhead(maxKey: number, maxValue: number): number {
  const inner = 1 + varintLength(maxKey) + maxKey + 1 + varintLength(maxValue) + maxValue;
  return 1 + varintLength(inner) + inner - maxValue - maxKey;
}

export class LaidOutFrame {
  readonly bytes: Buffer;
  private readonly topic: Buffer;
  private readonly ackMode: number;
  private readonly headroom: number;
  private readonly recordsStart: number;
  private end: number;
  /** Per record of the batch being laid out: where its key and value start, and their lengths. */
  private readonly keyAt: Int32Array;
  private readonly keyLen: Int32Array;
  private readonly valueAt: Int32Array;
  private readonly valueLen: Int32Array;
  private n = 0;
  /** The layout each record's payload was written for (-1: none), and that payload's CRC32C. */
  private readonly filledKey: Int32Array;
  private readonly filledSize: Int32Array;
  private readonly filledCrc: Uint32Array;
  /** Whether record j's payload is in place (same layout as when it was written), set as j is added. */
  private readonly intactAt: Uint8Array;
  private intact = true;

  constructor(shape: LaidOutShape) {
    this.topic = Buffer.from(shape.topic, 'utf8');
    this.ackMode = shape.ackMode;
    this.headroom = shape.headroom ?? 0;
    this.recordsStart = requestHeadBytes(this.topic, this.ackMode, this.headroom);
    const perRecord = shape.maxValueBytes + shape.maxKeyBytes + recordOverhead(shape.maxKeyBytes, shape.maxValueBytes);
    this.bytes = Buffer.allocUnsafeSlow(this.recordsStart + shape.batchSize * perRecord);
    this.end = this.recordsStart;
    this.keyAt = new Int32Array(shape.batchSize);
    this.keyLen = new Int32Array(shape.batchSize);
    this.valueAt = new Int32Array(shape.batchSize);
    this.valueLen = new Int32Array(shape.batchSize);
    this.filledKey = new Int32Array(shape.batchSize).fill(-1);
    this.filledSize = new Int32Array(shape.batchSize).fill(-1);
    this.filledCrc = new Uint32Array(shape.batchSize);
    this.intactAt = new Uint8Array(shape.batchSize);
  }

  /** Starts a new batch (forgets the records laid out so far). */
  begin(): void {
    this.end = this.recordsStart;
    this.n = 0;
    this.intact = true;
  }

  /**
   * Appends a record of `keyBytes` key bytes (0: no key) and a `valueBytes` value; returns the offset of its
   * key in `bytes` (the value follows at valueOffset()). The caller writes the key and the value there.
   */
  add(keyBytes: number, valueBytes: number): number {
    const b = this.bytes;
    const keyField = keyBytes > 0 ? 1 + varintLength(keyBytes) + keyBytes : 0;
    const inner = keyField + 1 + varintLength(valueBytes) + valueBytes;
    let o = this.end;
    b[o++] = TAG_RECORDS;
    o = writeVarint(b, o, inner);
    let keyAt = o;
    if (keyBytes > 0) {
      b[o++] = TAG_KEY;
      o = writeVarint(b, o, keyBytes);
      keyAt = o;
      o += keyBytes;
    }
    b[o++] = TAG_VALUE;
    o = writeVarint(b, o, valueBytes);
    const j = this.n++;
    if (this.intact && (this.filledKey[j] !== keyBytes || this.filledSize[j] !== valueBytes)) {
      this.intact = false;
      this.filledSize.fill(-1, j);
    }
    this.intactAt[j] = this.intact ? 1 : 0;
    this.keyAt[j] = keyAt;
    this.keyLen[j] = keyBytes;
    this.valueAt[j] = o;
    this.valueLen[j] = valueBytes;
    this.end = o + valueBytes;
    return keyAt;
  }

  /** Offset in `bytes` of record j's value (of the batch being laid out). */
  valueOffset(j: number): number {
    return this.valueAt[j]!;
  }

  /** The CRC32C of record j's payload when that payload is still in place from an earlier batch; -1 otherwise. */
  payloadCrc(j: number): number {
    return this.intactAt[j] === 1 ? this.filledCrc[j]! : -1;
  }

  /** Record j's payload was just written, with this CRC32C. */
  filled(j: number, crc: number): void {
    this.filledKey[j] = this.keyLen[j]!;
    this.filledSize[j] = this.valueLen[j]!;
    this.filledCrc[j] = crc;
  }

  /** Records laid out since begin(). */
  get count(): number {
    return this.n;
  }

  /** The records as views into `bytes`, for a driver that encodes requests itself. */
  records(): Array<{ key?: Buffer; value: Buffer }> {
    const out: Array<{ key?: Buffer; value: Buffer }> = [];
    const b = this.bytes;
    for (let j = 0; j < this.n; j++) {
      const v = b.subarray(this.valueAt[j]!, this.valueAt[j]! + this.valueLen[j]!);
      const kl = this.keyLen[j]!;
      out.push(kl > 0 ? { key: b.subarray(this.keyAt[j]!, this.keyAt[j]! + kl), value: v } : { value: v });
    }
    return out;
  }

  /** Writes the head for `partition` and returns the framed request of every record laid out (a view of `bytes`). */
  frame(partition: number, producer?: ProducerFields): Buffer {
    return writeRequestHead(
      this.bytes,
      this.recordsStart,
      this.end - this.recordsStart,
      this.topic,
      this.ackMode,
      this.headroom,
      partition,
      producer,
    );
  }
}

/** Laid-out frames of a producer group, made on demand and reused once a driver has written them. */
export class LaidOutFramePool {
  private readonly free: LaidOutFrame[] = [];

  constructor(private readonly shape: LaidOutShape) {}

  take(): LaidOutFrame {
    return this.free.pop() ?? new LaidOutFrame(this.shape);
  }

  give(frame: LaidOutFrame): void {
    this.free.push(frame);
  }
}
