import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckMode, StreamHouseClient, grpc, isServiceError, type ProduceRecord } from '@loadhouse/core/wire';
import { startAgent, type Agent } from './index.js';
import { agentForTests, clientForTests } from '../../core/src/test-support.js';

const value = (p: number, i: number): Buffer => Buffer.from(`p${p}-r${i}-`.padEnd(64, 'x'));
const batch = (p: number, from: number, n: number): ProduceRecord[] =>
  Array.from({ length: n }, (_, k) => ({ key: Buffer.from(`k${from + k}`), value: value(p, from + k) }));

async function code(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    if (isServiceError(err)) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('agent: gRPC round trip (in-memory and local folder)', () => {
  const agent = agentForTests({ segmentMaxAgeMs: 50 });
  const client = clientForTests(agent);

  it('reports its addresses', () => {
    expect(agent.grpcAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(agent.httpAddress).toBe(`http://127.0.0.1:${agent.httpPort}`);
    expect(agent.grpcAddress).toBe(`127.0.0.1:${agent.grpcPort}`);
    expect(agent.pid).toBe(process.pid);
  });

  it('creates, gets, lists topics; a duplicate is ALREADY_EXISTS', async () => {
    const res = await client.createTopic({ name: 'rt', partitionCount: 3 });
    expect(res.partitionCount).toBe(3);
    expect(res.topicId).not.toBe('');
    const got = await client.getTopic({ name: 'rt' });
    expect(got.topic?.name).toBe('rt');
    expect(got.topic?.partitionCount).toBe(3);
    expect(got.topic?.createdAt).toBeGreaterThan(0);
    const dup = await code(client.createTopic({ name: 'rt', partitionCount: 3 }));
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(dup.details).toContain("'rt'");
    const list = await client.listTopics();
    expect(list.topics.map((t) => t.name)).toContain('rt');
  });

  it.each([AckMode.ACK_BUFFERED, AckMode.ACK_DURABLE])('produces and consumes on several partitions (ack mode %i)', async (ackMode) => {
    const topic = `rt-ack-${ackMode}`;
    await client.createTopic({ name: topic, partitionCount: 3 });
    for (let p = 0; p < 3; p++) {
      const a = await client.produceBatch({ topic, partition: p, records: batch(p, 0, 10), ackMode });
      expect(a).toMatchObject({ firstOffset: 0, lastOffset: 9, count: 10 });
      const b = await client.produceBatch({ topic, partition: p, records: batch(p, 10, 5), ackMode });
      expect(b).toMatchObject({ firstOffset: 10, lastOffset: 14, count: 5 });
    }
    for (let p = 0; p < 3; p++) {
      const first = await client.consume({ topic, partition: p, offset: 0, maxRecords: 6 });
      expect(first.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(first.highWatermark).toBe(15);
      expect(first.hasMore).toBe(true);
      expect(Buffer.from(first.records[3]!.value).toString()).toBe(value(p, 3).toString());
      expect(Buffer.from(first.records[3]!.key).toString()).toBe('k3');
      expect(first.records[3]!.headers).toEqual({});
      const rest = await client.consume({ topic, partition: p, offset: 6, maxRecords: 100 });
      expect(rest.records.map((r) => r.offset)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
      expect(rest.hasMore).toBe(false);
      const none = await client.consume({ topic, partition: p, offset: 15, maxRecords: 100 });
      expect(none).toMatchObject({ records: [], highWatermark: 15, hasMore: false });
    }
  });

  it('Produce returns dense offsets and a server timestamp', async () => {
    await client.createTopic({ name: 'single', partitionCount: 1 });
    const before = Date.now();
    const a = await client.produce({ topic: 'single', partition: 0, value: Buffer.from('a') });
    const b = await client.produce({ topic: 'single', partition: 0, value: Buffer.from('b') });
    expect([a.offset, b.offset]).toEqual([0, 1]);
    expect(a.timestamp).toBeGreaterThanOrEqual(before - 1);
    const c = await client.consume({ topic: 'single', partition: 0, offset: 0, maxRecords: 10 });
    expect(c.records.map((r) => Buffer.from(r.value).toString())).toEqual(['a', 'b']);
  });

  it('keeps producer timestamps and reads across rolled segments', async () => {
    await client.createTopic({ name: 'roll', partitionCount: 1 });
    for (let i = 0; i < 5; i++) {
      await client.produceBatch({ topic: 'roll', partition: 0, records: [{ value: Buffer.from(`v${i}`), timestamp: 1000 + i }] });
      await new Promise((r) => setTimeout(r, 70)); // past the 50 ms segment age: one segment each
    }
    await agent.flush();
    const c = await client.consume({ topic: 'roll', partition: 0, offset: 1, maxRecords: 100 });
    expect(c.records.map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    expect(c.records.map((r) => r.timestamp)).toEqual([1001, 1002, 1003, 1004]);
  });

  it('commits and reads offsets', async () => {
    await client.createTopic({ name: 'offs', partitionCount: 2 });
    expect((await client.getOffset({ consumerGroup: 'g', topic: 'offs', partition: 1 })).offset).toBe(0);
    expect((await client.commitOffset({ consumerGroup: 'g', topic: 'offs', partition: 1, offset: 42, metadata: 'm' })).success).toBe(true);
    const got = await client.getOffset({ consumerGroup: 'g', topic: 'offs', partition: 1 });
    expect(got.offset).toBe(42);
    expect(got.metadata).toBe('m');
  });

  it('deletes topics', async () => {
    await client.createTopic({ name: 'gone', partitionCount: 1 });
    await client.produceBatch({ topic: 'gone', partition: 0, records: batch(0, 0, 3) });
    expect((await client.deleteTopic({ name: 'gone' })).success).toBe(true);
    expect((await code(client.getTopic({ name: 'gone' }))).code).toBe(grpc.status.NOT_FOUND);
    await client.createTopic({ name: 'gone', partitionCount: 1 });
    const c = await client.consume({ topic: 'gone', partition: 0, offset: 0, maxRecords: 10 });
    expect(c).toMatchObject({ records: [], highWatermark: 0 });
  });

  it('namespaces topics per x-organization-id', async () => {
    const a = new StreamHouseClient(agent.grpcAddress, { organizationId: 'acme' });
    try {
      await a.createTopic({ name: 'rt', partitionCount: 1 });
      await a.produceBatch({ topic: 'rt', partition: 0, records: batch(0, 0, 2) });
      expect((await a.listTopics()).topics.map((t) => t.name)).toEqual(['rt']);
      expect((await a.getTopic({ name: 'rt' })).topic?.partitionCount).toBe(1);
      expect((await client.getTopic({ name: 'rt' })).topic?.partitionCount).toBe(3);
    } finally {
      a.close();
    }
  });
});

describe('agent: bad input', () => {
  let agent: Agent;
  let client: StreamHouseClient;

  beforeAll(async () => {
    agent = await startAgent({ maxRequestBytes: 64 * 1024 });
    client = new StreamHouseClient(agent.grpcAddress);
    await client.createTopic({ name: 'bad', partitionCount: 2 });
  });
  afterAll(async () => {
    client?.close();
    await agent?.stop();
  });

  const { INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED } = grpc.status;
  const cases: Array<[string, () => Promise<unknown>, number, string]> = [
    ['empty topic name', () => client.createTopic({ name: '', partitionCount: 1 }), INVALID_ARGUMENT, 'name'],
    ['invalid topic name', () => client.createTopic({ name: 'a/b', partitionCount: 1 }), INVALID_ARGUMENT, 'name'],
    ['0 partitions', () => client.createTopic({ name: 'x', partitionCount: 0 }), INVALID_ARGUMENT, 'partition_count'],
    ['10001 partitions', () => client.createTopic({ name: 'x', partitionCount: 10_001 }), INVALID_ARGUMENT, 'partition_count'],
    ['unknown topic (GetTopic)', () => client.getTopic({ name: 'nope' }), NOT_FOUND, 'nope'],
    ['unknown topic (Produce)', () => client.produceBatch({ topic: 'nope', partition: 0, records: batch(0, 0, 1) }), NOT_FOUND, 'nope'],
    ['unknown topic (Consume)', () => client.consume({ topic: 'nope', partition: 0, offset: 0, maxRecords: 1 }), NOT_FOUND, 'nope'],
    ['empty topic (Produce)', () => client.produceBatch({ topic: '', partition: 0, records: batch(0, 0, 1) }), INVALID_ARGUMENT, 'topic'],
    [
      'partition out of range (ProduceBatch)',
      () => client.produceBatch({ topic: 'bad', partition: 2, records: batch(0, 0, 1) }),
      INVALID_ARGUMENT,
      'partition',
    ],
    [
      'partition out of range (Consume)',
      () => client.consume({ topic: 'bad', partition: 7, offset: 0, maxRecords: 1 }),
      INVALID_ARGUMENT,
      'partition',
    ],
    ['empty batch', () => client.produceBatch({ topic: 'bad', partition: 0, records: [] }), INVALID_ARGUMENT, 'records'],
    [
      'request over the size limit',
      () => client.produceBatch({ topic: 'bad', partition: 0, records: [{ value: Buffer.alloc(65 * 1024) }] }),
      RESOURCE_EXHAUSTED,
      'records',
    ],
    [
      'empty consumer group',
      () => client.commitOffset({ consumerGroup: '', topic: 'bad', partition: 0, offset: 1 }),
      INVALID_ARGUMENT,
      'consumer_group',
    ],
  ];

  it.each(cases)('%s', async (_name, call, expected, field) => {
    const err = await code(call());
    expect(grpc.status[err.code]).toBe(grpc.status[expected]);
    expect(err.details).toContain(field);
  });

  it('is still serving after all of that', async () => {
    const r = await client.produceBatch({ topic: 'bad', partition: 1, records: batch(1, 0, 2) });
    expect(r.count).toBe(2);
  });

  it('rejects invalid options with a coded error naming the option', async () => {
    await expect(startAgent({ segmentMaxBytes: -1 })).rejects.toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: expect.stringContaining('options.segmentMaxBytes'),
    });
    await expect(startAgent({ produceLatencyMs: [30, 10] })).rejects.toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: expect.stringContaining('options.produceLatencyMs'),
    });
    await expect(startAgent({ grpcPort: 70000 })).rejects.toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: expect.stringContaining('options.grpcPort'),
    });
    expect(() => agent.setFaults({ s3ErrorRate: 2 })).toThrow(/options\.s3ErrorRate/);
  });
});
