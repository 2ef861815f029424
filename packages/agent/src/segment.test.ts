import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ChunkPool, HEADER_BYTES, LARGE_CHUNK, Segment, decodeSegment, readHeader, segmentKey } from './segment.js';

function build(pool?: ChunkPool): Segment {
  const seg = new Segment(1000, pool);
  seg.reserve(3000);
  for (let i = 0; i < 3000; i++) {
    if (i % 7 === 6) continue; // a gap, as drop-every-N leaves
    seg.append(1000 + i, 1_700_000_000_000 + i, i % 2 ? Buffer.from(`k${i}`) : undefined, Buffer.alloc(100 + (i % 50), i % 251));
  }
  seg.append(4000, 5, undefined, Buffer.alloc(LARGE_CHUNK + 10, 9)); // bigger than a chunk
  seg.endOffset = 4005; // trailing dropped records
  return seg;
}

describe('segment format', () => {
  it('names keys with 20-digit base offsets and the org prefix', () => {
    expect(segmentKey('', 'orders', 3, 42)).toBe('data/orders/3/00000000000000000042.seg');
    expect(segmentKey('org-acme/', 'orders', 0, 0)).toBe('org-acme/data/orders/0/00000000000000000000.seg');
  });

  it('round-trips through seal and decode across chunks, keeping offsets, gaps, keys and timestamps', () => {
    const pool = new ChunkPool(64 << 20);
    const seg = build(pool);
    const bytes = Buffer.concat(seg.seal());
    const h = readHeader(bytes, 'test');
    expect(h).toEqual({
      baseOffset: 1000,
      endOffset: 4005,
      count: seg.count,
      bodyBytes: bytes.length - HEADER_BYTES,
      bodyCrc: crc32(bytes.subarray(HEADER_BYTES)),
    });
    expect(bytes.readUInt32BE(0)).toBe(0x4c485347);
    const back = decodeSegment(bytes, 'test');
    expect(back.count).toBe(seg.count);
    for (const i of [0, 1, 5, 6, 1234, seg.count - 2, seg.count - 1]) {
      expect(back.offsetAt(i)).toBe(seg.offsetAt(i));
      expect(back.timestampAt(i)).toBe(seg.timestampAt(i));
      expect(back.keyAt(i).equals(seg.keyAt(i))).toBe(true);
      expect(back.valueAt(i).equals(seg.valueAt(i))).toBe(true);
    }
    expect(back.valueAt(back.count - 1).length).toBe(LARGE_CHUNK + 10);
    expect(back.indexOf(1006)).toBe(6); // offset 1006 was dropped: the next one is served
    expect(back.offsetAt(back.indexOf(1006))).toBe(1007);
    expect(back.indexOf(4001)).toBe(back.count);
    expect(back.endOffset).toBe(4005);
    seg.release();
    // Released chunks are reused by the next segment.
    const again = new Segment(0, pool);
    again.reserve(1);
    again.append(0, 1, undefined, Buffer.from('x'));
    expect(again.valueAt(0).toString()).toBe('x');
  });

  it('rejects a flipped body byte, a flipped header byte, a truncated file and a foreign file', () => {
    const bytes = Buffer.concat(build().seal());
    const body = Buffer.from(bytes);
    body[HEADER_BYTES + 500] ^= 1;
    expect(() => decodeSegment(body, 'k')).toThrow(/body checksum/);
    const header = Buffer.from(bytes);
    header[10] ^= 1;
    expect(() => decodeSegment(header, 'k')).toThrow(/header checksum/);
    expect(() => decodeSegment(bytes.subarray(0, bytes.length - 1), 'k')).toThrow(/header says/);
    expect(() => decodeSegment(Buffer.alloc(100), 'k')).toThrow(/bad magic/);
  });
});
