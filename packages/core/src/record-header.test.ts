import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import {
  HeaderBatch,
  RECORD_HEADER_SIZE,
  RECORD_MAGIC,
  decodeRecordHeader,
  encodeRecordHeader,
  hasRecordHeader,
  readIntendedTime,
  readProducerId,
  readSequence,
  payloadChecksum,
  payloadTerm,
  timeWords,
  verifyRecordChecksum,
  writeRecordHeader,
} from './record-header.js';

describe('record header', () => {
  it('round-trips every field, including sequences above 2^32 and fractional intended times', () => {
    const header = {
      producerId: 4_000_000_001,
      sequence: 2 ** 40 + 12345,
      intendedTimeMs: 1_790_000_000_123.456,
      partition: 99,
      length: 1024,
    };
    const bytes = encodeRecordHeader(header);
    expect(bytes.byteLength).toBe(RECORD_HEADER_SIZE);
    expect(decodeRecordHeader(bytes)).toEqual({ ...header, version: 2, checksum: expect.any(Number) });
  });

  it('writes in place at an offset of a larger buffer (the batch buffer) and starts with the magic', () => {
    const batch = Buffer.alloc(3 * 64, 0xaa);
    writeRecordHeader(batch, 64, 7, 5, 1000.5, 2, 64);
    expect(batch.readUInt16BE(64)).toBe(RECORD_MAGIC);
    expect(batch.subarray(0, 64).every((b) => b === 0xaa)).toBe(true); // neighbours untouched
    expect(batch.subarray(64 + RECORD_HEADER_SIZE, 128).every((b) => b === 0xaa)).toBe(true);
    expect(decodeRecordHeader(batch, 64)).toMatchObject({ producerId: 7, sequence: 5, intendedTimeMs: 1000.5, partition: 2, length: 64 });
  });

  it('returns null for foreign or truncated values', () => {
    expect(decodeRecordHeader(Buffer.from('hello world, not a loadhouse record'))).toBeNull();
    const ok = encodeRecordHeader({ producerId: 1, sequence: 1, intendedTimeMs: 1, partition: 0, length: 32 });
    expect(decodeRecordHeader(ok.subarray(0, RECORD_HEADER_SIZE - 1))).toBeNull();
  });

  it('refuses to encode into too small a target', () => {
    expect(() =>
      encodeRecordHeader({ producerId: 1, sequence: 1, intendedTimeMs: 1, partition: 0, length: 32 }, new Uint8Array(16)),
    ).toThrow(RangeError);
  });

  it('reads fields in place, as the per-record loop of consumers does', () => {
    const value = Buffer.alloc(100);
    writeRecordHeader(value, 0, 3_000_000_000, 2 ** 33 + 7, 1_790_000_000_000.25, 4, 100);
    expect(hasRecordHeader(value)).toBe(true);
    expect(readProducerId(value)).toBe(3_000_000_000);
    expect(readSequence(value)).toBe(2 ** 33 + 7);
    expect(readIntendedTime(value)).toBe(1_790_000_000_000.25);
    expect(hasRecordHeader(Buffer.from('LH but far too short'))).toBe(false);
    expect(hasRecordHeader(Buffer.alloc(64))).toBe(false);
  });

  it('checksums the whole value: a flipped bit in any byte, header or payload, fails verification', () => {
    const value = Buffer.alloc(100);
    for (let i = RECORD_HEADER_SIZE; i < value.length; i++) value[i] = (i * 31) & 0xff;
    writeRecordHeader(value, 0, 9, 123, 1_790_000_000_000, 3, value.length);
    expect(verifyRecordChecksum(value)).toBe(true);
    for (let i = 0; i < value.length; i++) {
      for (const bit of [0x01, 0x80]) {
        value[i]! ^= bit;
        expect(verifyRecordChecksum(value), `byte ${i} bit ${bit}`).toBe(false);
        value[i]! ^= bit;
      }
    }
    expect(verifyRecordChecksum(value.subarray(0, 99))).toBe(false); // truncated
  });

  it('is the standard CRC32C of the payload followed by the first 32 header bytes', () => {
    const value = Buffer.alloc(300);
    for (let i = RECORD_HEADER_SIZE; i < value.length; i++) value[i] = (i * 131) & 0xff;
    writeRecordHeader(value, 0, 77, 2 ** 35, 1_790_000_000_000.5, 11, value.length);
    const expected = crc32c(Buffer.concat([value.subarray(RECORD_HEADER_SIZE), value.subarray(0, 32)]));
    expect(value.readUInt32BE(32)).toBe(expected);
  });

  it('takes a cached payload checksum, as the producer does for its reused buffers', () => {
    const a = Buffer.alloc(64, 0x5a);
    const b = Buffer.alloc(64, 0x5a);
    writeRecordHeader(a, 0, 1, 2, 3, 4, 64);
    writeRecordHeader(b, 0, 1, 2, 3, 4, 64, payloadChecksum(b));
    expect(a.equals(b)).toBe(true);
  });

  it('still decodes a version 1 header (32 bytes, no checksum)', () => {
    const v2 = encodeRecordHeader({ producerId: 5, sequence: 6, intendedTimeMs: 7, partition: 8, length: 32 });
    const v1 = Buffer.from(v2.subarray(0, 32));
    v1[2] = 1;
    expect(decodeRecordHeader(v1)).toEqual({ version: 1, producerId: 5, sequence: 6, intendedTimeMs: 7, partition: 8, length: 32 });
  });

  it('HeaderBatch writes byte for byte what writeRecordHeader writes: random batches, 2^32 crossings, time high words', () => {
    // A deterministic generator (xorshift) so a failure reproduces.
    let x = 0x9e3779b9;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    const size = 80;
    const batch = 16;
    const a = Buffer.alloc(batch * size);
    const b = Buffer.alloc(batch * size);
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const hb = new HeaderBatch();
    const { f64, i32 } = timeWords;
    for (let round = 0; round < 2_000; round++) {
      for (let i = 0; i < a.length; i++) a[i] = b[i] = (rnd() * 256) | 0;
      const producer = round % 7 === 0 ? 0xffff_ffff : Math.floor(rnd() * 2 ** 32);
      const partition = Math.floor(rnd() * (round % 5 === 0 ? 2 ** 32 : 100));
      // Some batches straddle 2^32 and 2^33 (the sequence's high word changes inside the batch).
      const first = round % 11 === 0 ? 2 ** 32 - 5 : round % 13 === 0 ? 2 ** 33 - 3 : Math.floor(rnd() * 2 ** 40);
      // Times around an epoch-ms high-word boundary now and then (the high word of a double moves every ~17 min).
      const t0 = round % 3 === 0 ? 1_790_000_000_000 + rnd() * 10 : 1_600_000_000_000 + rnd() * 4e11;
      hb.begin(producer, first, partition, size);
      for (let j = 0; j < batch; j++) {
        const at = j * size;
        const crc = payloadChecksum(a, at, size);
        const t = t0 + j * 1e6 * rnd();
        writeRecordHeader(a, at, producer, first + j, t, partition, size, crc);
        f64[0] = t;
        hb.write(view, at, first + j, i32[1]!, i32[0]!, payloadTerm(crc));
      }
      if (!a.equals(b)) {
        const j = [...Array(batch).keys()].find((k) => !a.subarray(k * size, k * size + 36).equals(b.subarray(k * size, k * size + 36)));
        expect({ round, record: j, header: b.subarray(j! * size, j! * size + 36).toString('hex') }).toEqual({
          round,
          record: j,
          header: a.subarray(j! * size, j! * size + 36).toString('hex'),
        });
      }
      for (let j = 0; j < batch; j++) expect(verifyRecordChecksum(b.subarray(j * size, (j + 1) * size))).toBe(true);
    }
  });

  it('HeaderBatch refuses an offset without room for a header', () => {
    const b = Buffer.alloc(40);
    const hb = new HeaderBatch();
    hb.begin(1, 0, 0, 40);
    expect(() => hb.write(new DataView(b.buffer, b.byteOffset, 40), 8, 0, 0, 0, 0)).toThrow(/needs 36 bytes at offset 8/);
  });

  it('HeaderBatch checks the room of the view it is given, not of the one before', () => {
    const big = Buffer.alloc(400);
    const small = Buffer.alloc(40);
    const hb = new HeaderBatch();
    hb.begin(1, 0, 0, 40);
    hb.write(new DataView(big.buffer, big.byteOffset, big.byteLength), 300, 0, 0, 0, payloadTerm(payloadChecksum(big, 300, 40)));
    expect(() => hb.write(new DataView(small.buffer, small.byteOffset, 40), 8, 1, 0, 0, 0)).toThrow(/needs 36 bytes at offset 8/);
    expect(verifyRecordChecksum(big.subarray(300, 340))).toBe(true);
  });
});
