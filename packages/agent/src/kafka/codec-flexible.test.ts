// The flexible versions' codec: compact strings, bytes and arrays and tagged-field sections, written and read
// back byte for byte, then requests @platformatic/kafka 1.35.0 sent to this agent (captured with
// fixtures/capture.mjs: CreateTopics v7, Metadata v12, an idempotent Produce v9, JoinGroup v9, Fetch v12,
// OffsetCommit v8) parsed to their last byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Conn } from './data.js';
import { joinGroup } from './group-apis.js';
import { GroupCoordinator } from './groups.js';
import { Reader, Writer } from './protocol.js';
import { decodeBatches } from './record-batch.js';
import { topicId } from './topic-ids.js';
import { isFlexible } from './versions.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

/** Reads a captured request's header v2 and returns a flexible Reader on its body. */
function request(name: string): { key: number; version: number; clientId: string; r: Reader } {
  const r = new Reader(fixture(name));
  const key = r.int16();
  const version = r.int16();
  r.int32(); // correlation id
  const clientId = r.classicString() ?? '';
  expect(isFlexible(key, version)).toBe(true);
  r.taggedFields();
  r.flexible = true;
  return { key, version, clientId, r };
}

describe('kafka codec: flexible versions', () => {
  it('writes compact strings, bytes, arrays and nulls, and empty tagged fields, and reads them back', () => {
    const w = new Writer(true);
    w.string('ab')
      .nullableString(null)
      .nullableBytes(Buffer.from([7]))
      .nullableBytes(null);
    w.array([1, 2], (w, x) => w.int8(x).tags())
      .nullArray()
      .tags();
    expect([...w.toBuffer()]).toEqual([3, 97, 98, 0, 2, 7, 0, 3, 1, 0, 2, 0, 0, 0]);
    const r = new Reader(w.toBuffer());
    r.flexible = true;
    expect([r.string(), r.nullableString(), r.bytes(), r.nullableBytes()]).toEqual(['ab', null, Buffer.from([7]), null]);
    expect(
      r.array((r) => {
        const x = r.int8();
        r.tags();
        return x;
      }),
    ).toEqual([1, 2]);
    expect(r.nullableArray((r) => r.int8())).toBeNull();
    r.tags();
    expect(r.remaining).toBe(0);
    // A classic Writer keeps the int16/int32 forms and writes no tagged fields.
    expect([...new Writer().string('ab').nullArray().tags().toBuffer()]).toEqual([0, 2, 97, 98, 255, 255, 255, 255]);
  });

  it('skips tagged fields a client sends (tag, size, bytes), and reads a varint past 127', () => {
    const r = new Reader(Buffer.from([2, 0, 1, 9, 5, 2, 8, 8, 0x80, 0x01]));
    r.flexible = true;
    r.tags();
    expect(r.uvarint()).toBe(128);
    expect(r.remaining).toBe(0);
  });

  it("parses @platformatic/kafka's CreateTopics v7 and Metadata v12 requests", () => {
    const ct = request('platformatic-createtopics-v7.request.bin');
    expect([ct.key, ct.version, ct.clientId]).toEqual([19, 7, 'plt-admin']);
    const topics = ct.r.array((r) => {
      const t = { name: r.string(), partitions: r.int32(), replication: r.int16() };
      r.array(() => undefined); // assignments
      r.array(() => undefined); // configs
      r.tags();
      return t;
    });
    expect(topics).toEqual([{ name: 'cap', partitions: 1, replication: 1 }]);
    ct.r.int32(); // timeout
    ct.r.bool();
    ct.r.tags();
    expect(ct.r.remaining).toBe(0);

    const md = request('platformatic-metadata-v12.request.bin');
    expect([md.key, md.version]).toEqual([3, 12]);
    const asked = md.r.array((r) => {
      const t = { id: r.uuid(), name: r.nullableString() };
      r.tags();
      return t;
    });
    expect(asked).toEqual([{ id: '0'.repeat(32), name: 'cap' }]);
    md.r.bool(); // allow_auto_topic_creation
    md.r.bool(); // include_topic_authorized_operations
    md.r.tags();
    expect(md.r.remaining).toBe(0);
  });

  it("decodes @platformatic/kafka's idempotent Produce v9: compact records, producer id from InitProducerId", () => {
    const { key, version, clientId, r } = request('platformatic-idempotent-produce-v9.request.bin');
    expect([key, version, clientId]).toEqual([0, 9, 'plt-producer']);
    expect(r.nullableString()).toBeNull();
    expect(r.int16()).toBe(-1); // acks all
    r.int32();
    const [topic] = r.array((r) => {
      const t = {
        name: r.string(),
        parts: r.array((r) => {
          const p = { index: r.int32(), records: r.bytes() };
          r.tags();
          return p;
        }),
      };
      r.tags();
      return t;
    });
    r.tags();
    expect(r.remaining).toBe(0);
    expect(topic!.name).toBe('cap');
    const [batch] = decodeBatches(topic!.parts[0]!.records);
    expect(batch).toMatchObject({ producerId: 1000, producerEpoch: 0, baseSequence: 0, transactional: false });
    expect(batch!.records.map((x) => `${x.key}=${x.value}`)).toEqual(['k0=plt-0', 'k1=plt-1', 'k2=plt-2']);
  });

  it("answers @platformatic/kafka's JoinGroup v9 with protocol type and skip_assignment, as the first leader", async () => {
    const { key, version, clientId, r } = request('platformatic-joingroup-v9.request.bin');
    expect([key, version]).toEqual([11, 9]);
    const c: Conn = { org: '', clientId, closed: false };
    const groups = new GroupCoordinator();
    try {
      const res = new Reader((await joinGroup(r, 9, c, groups)).toBuffer());
      res.flexible = true;
      r.nullableString(); // reason, which the handler leaves unread
      r.tags();
      expect(r.remaining).toBe(0);
      res.int32(); // throttle
      const head = [res.int16(), res.int32(), res.nullableString(), res.nullableString(), res.string(), res.bool(), res.string()];
      const [error, generation, type, protocol, leader, skip, member] = head;
      expect({ error, generation, type, protocol, skip }).toEqual({
        error: 0,
        generation: 1,
        type: 'consumer',
        protocol: 'roundrobin',
        skip: false,
      });
      expect(leader).toBe(member);
      const members = res.array((r) => {
        const m = [r.string(), r.nullableString(), r.bytes()] as const;
        r.tags();
        return m;
      });
      expect(members.map(([id]) => id)).toEqual([member]);
      res.tags();
      expect(res.remaining).toBe(0);
    } finally {
      groups.close();
    }
  });

  it("sees @platformatic/kafka's Fetch v12 carry the topic id (from Metadata) where v12 has the topic name", () => {
    const { key, version, r } = request('platformatic-fetch-v12.request.bin');
    expect([key, version]).toEqual([1, 12]);
    r.raw(4 + 4 + 4 + 4 + 1 + 4 + 4); // replica .. session epoch
    const [topic] = r.array((r) => {
      const name = r.string();
      r.array((r) => r.raw(4 + 4 + 8 + 4 + 8 + 4 + 1));
      r.tags();
      return name;
    });
    expect(topic!.replaceAll('-', '')).toBe(topicId('', 'cap'));
  });

  it("parses @platformatic/kafka's OffsetCommit v8", () => {
    const { key, version, r } = request('platformatic-offsetcommit-v8.request.bin');
    expect([key, version]).toEqual([8, 8]);
    expect(r.string()).toBe('gcap');
    r.int32();
    expect(r.string()).toMatch(/^plt-consumer-/);
    r.nullableString();
    const topics = r.array((r) => {
      const t = {
        name: r.string(),
        parts: r.array((r) => {
          const p = { index: r.int32(), offset: r.int64(), epoch: r.int32(), metadata: r.nullableString() };
          r.tags();
          return p;
        }),
      };
      r.tags();
      return t;
    });
    r.tags();
    expect(r.remaining).toBe(0);
    expect(topics).toMatchObject([{ name: 'cap', parts: [{ index: 0, offset: 3 }] }]);
  });
});
