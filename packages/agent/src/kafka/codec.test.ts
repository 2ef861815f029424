// The Kafka codec against bytes captured from kcat 1.7.1 and librdkafka 2.0.2 talking to this agent (see
// fixtures/capture.mjs), plus the CRC-32C check value and an encode/decode round trip.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Conn } from './data.js';
import { joinGroup } from './group-apis.js';
import { GroupCoordinator } from './groups.js';
import { apiVersions } from './metadata.js';
import { Reader, Writer } from './protocol.js';
import { saslAuthenticate, saslHandshake } from './sasl.js';
import { BatchError, crc32c, decodeBatches, encodeBatch } from './record-batch.js';
import { VERSIONS } from './versions.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

/** The records field of the one partition of a captured Produce v3+ request, after its header. */
function produceRecords(frame: Buffer): { key: number; version: number; clientId: string; acks: number; records: Buffer } {
  const r = new Reader(frame);
  const key = r.int16();
  const version = r.int16();
  r.int32();
  const clientId = r.string();
  r.nullableString();
  const acks = r.int16();
  r.int32();
  const topics = r.array((r) => ({ name: r.string(), parts: r.array((r) => ({ index: r.int32(), records: r.bytes() })) }));
  expect(r.remaining).toBe(0);
  return { key, version, clientId, acks, records: topics[0]!.parts[0]!.records };
}

describe('kafka codec', () => {
  it('computes CRC-32C (the Castagnoli check value of "123456789" is e3069283)', () => {
    expect(crc32c(Buffer.from('123456789')).toString(16)).toBe('e3069283');
  });

  it("decodes kcat's Produce v7 record batch and checks its CRC", () => {
    const p = produceRecords(fixture('kcat-produce-v7.request.bin'));
    expect(p).toMatchObject({ key: 0, version: 7, clientId: 'rdkafka', acks: -1 });
    const [batch] = decodeBatches(p.records);
    expect(batch!.records.map((x) => [x.key?.toString() ?? null, x.value?.toString()])).toEqual([['a', 'one']]);
    expect(batch!.producerId).toBe(-1);
    expect(batch!.records[0]!.timestamp).toBeGreaterThan(Date.UTC(2020, 0));

    const damaged = Buffer.from(p.records);
    damaged[damaged.length - 3]! ^= 0x01; // a bit of the value
    expect(() => decodeBatches(damaged)).toThrow(BatchError);
    expect(() => decodeBatches(damaged)).toThrow(/CRC32C/);
  });

  it("decodes librdkafka's idempotent batch: producer id, epoch and base sequence as InitProducerId gave them", () => {
    const p = produceRecords(fixture('librdkafka-idempotent-produce-v7.request.bin'));
    const [batch] = decodeBatches(p.records);
    expect(batch).toMatchObject({ producerId: 1001, producerEpoch: 0, baseSequence: 0, transactional: false });
    expect(batch!.records.map((x) => `${x.key}=${x.value}`)).toEqual(['k0=idem-0', 'k1=idem-1', 'k2=idem-2']);
  });

  it('answers ApiVersions v3 in the layout librdkafka accepted, with the version table', () => {
    const request = new Reader(fixture('kcat-apiversions-v3.request.bin'));
    expect([request.int16(), request.int16()]).toEqual([18, 3]);
    const parse = (buf: Buffer): { error: number; keys: number[][]; throttle: number } => {
      const r = new Reader(buf);
      r.flexible = true;
      const error = r.int16();
      const keys = r.array((r) => {
        const k = [r.int16(), r.int16(), r.int16()];
        r.tags();
        return k;
      });
      const throttle = r.int32();
      r.tags();
      expect(r.remaining).toBe(0);
      return { error, keys, throttle };
    };
    // The answer librdkafka accepted before the flexible versions: same keys and minima, only maxima moved.
    const captured = parse(fixture('kcat-apiversions-v3.response.bin').subarray(4)); // after the correlation id
    const ours = parse(apiVersions(request, 3).toBuffer());
    expect(ours.keys.map(([k, min]) => [k, min])).toEqual(captured.keys.map(([k, min]) => [k, min]));
    expect(ours.keys).toEqual([...VERSIONS].map(([k, [min, max]]) => [k, min, max]));
    expect({ ...ours, keys: [] }).toEqual({ ...captured, keys: [] });
  });

  it('encodes a batch that decodes back, gaps in offsets and null keys included', () => {
    const records = [
      { offset: 10, timestamp: 1_700_000_000_000, key: Buffer.from('k'), value: Buffer.from('v1') },
      { offset: 12, timestamp: 1_699_999_999_000, key: null, value: Buffer.alloc(3000, 7) },
    ];
    const encoded = encodeBatch(records, 10, 12);
    expect(encoded.readBigInt64BE(0)).toBe(10n);
    expect(encoded.readInt32BE(23)).toBe(2); // lastOffsetDelta
    const [batch] = decodeBatches(encoded);
    expect(batch!.records.map((r) => [r.key, r.value?.length, r.timestamp])).toEqual([
      [Buffer.from('k'), 2, 1_700_000_000_000],
      [null, 3000, 1_699_999_999_000],
    ]);
    // Offsets past the last record (dropped ones) are covered; an empty batch only covers offsets.
    expect(encodeBatch(records, 10, 15).readInt32BE(23)).toBe(5);
    const empty = encodeBatch([], 16, 19);
    expect([empty.readBigInt64BE(0), empty.readInt32BE(23), empty.readInt32BE(57)]).toEqual([16n, 3, 0]);
    expect(decodeBatches(empty)[0]!.records).toEqual([]);
  });

  it('SASL/PLAIN: the user name becomes the organization; a password that does not repeat it is refused', () => {
    const login = (user: string, password: string): { error: number; message: string | null; org: string } => {
      const c: Conn = { org: '', clientId: 'test', closed: false };
      const hs = new Reader(saslHandshake(new Reader(new Writer().string('PLAIN').toBuffer()), 1, c).toBuffer());
      expect(hs.int16()).toBe(0);
      const token = Buffer.from(`\u0000${user}\u0000${password}`);
      const res = new Reader(saslAuthenticate(new Reader(new Writer().nullableBytes(token).toBuffer()), 1, c).toBuffer());
      return { error: res.int16(), message: res.nullableString(), org: c.org };
    };
    expect(login('acme', 'acme')).toEqual({ error: 0, message: null, org: 'acme' });
    expect(login('acme', 'wrong')).toMatchObject({ error: 58, message: expect.stringMatching(/organization id/), org: '' });
    expect(login('no spaces', 'no spaces')).toMatchObject({ error: 58, org: '' });
  });

  it("answers kcat's JoinGroup v5 (group gcap, range and roundrobin offered) as the group's first leader", async () => {
    const r = new Reader(fixture('kcat-joingroup-v5.request.bin'));
    expect([r.int16(), r.int16()]).toEqual([11, 5]);
    r.int32();
    const c: Conn = { org: '', clientId: r.string(), closed: false };
    const groups = new GroupCoordinator();
    try {
      const res = new Reader((await joinGroup(r, 5, c, groups)).toBuffer());
      res.int32(); // throttle
      const [error, generation, protocol, leader, member] = [res.int16(), res.int32(), res.string(), res.string(), res.string()];
      expect({ error, generation, protocol }).toEqual({ error: 0, generation: 1, protocol: 'range' });
      expect(leader).toBe(member);
      expect(member).toMatch(/^rdkafka-/);
      const members = res.array((r) => [r.string(), r.nullableString(), r.bytes()] as const);
      expect(members.map(([id]) => id)).toEqual([member]);
      expect(res.remaining).toBe(0);
    } finally {
      groups.close();
    }
  });
});
