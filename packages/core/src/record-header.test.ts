import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import {
  RECORD_HEADER_SIZE,
  RECORD_MAGIC,
  decodeRecordHeader,
  encodeRecordHeader,
  hasRecordHeader,
  readIntendedTime,
  readProducerId,
  readSequence,
  payloadChecksum,
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
});
