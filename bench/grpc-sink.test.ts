import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { startGrpcSink } from './grpc-sink.js';
import { runLeanClient } from './lean-client.js';

describe('plain grpc-js sink', () => {
  let sink: Awaited<ReturnType<typeof startGrpcSink>>;
  beforeAll(async () => {
    sink = await startGrpcSink();
  });
  afterAll(async () => {
    await sink?.stop();
  });

  it('creates and finds topics, refuses a second create, and acks every batch with its count and consecutive offsets', async () => {
    const client = new StreamHouseClient(sink.address);
    try {
      await client.waitForReady(5_000);
      await expect(client.getTopic({ name: 'sink-t' })).rejects.toMatchObject({ code: 5 }); // NOT_FOUND
      await client.createTopic({ name: 'sink-t', partitionCount: 3 });
      await expect(client.createTopic({ name: 'sink-t', partitionCount: 3 })).rejects.toMatchObject({ code: 6 }); // ALREADY_EXISTS
      expect((await client.getTopic({ name: 'sink-t' })).topic?.partitionCount).toBe(3);
      expect((await client.listTopics()).topics.map((t) => t.name)).toEqual(['sink-t']);
      const value = Buffer.alloc(64, 1);
      const a = await client.produceBatch({ topic: 'sink-t', partition: 1, records: [{ value }, { value }] });
      const b = await client.produceBatch({ topic: 'sink-t', partition: 1, records: [{ value }] });
      expect([a.count, a.firstOffset, a.lastOffset]).toEqual([2, 0, 1]);
      expect([b.count, b.firstOffset, b.lastOffset]).toEqual([1, 2, 2]);
    } finally {
      client.close();
    }
  });

  it('answers the lean client over raw http2: every scheduled record acked', async () => {
    const r = await runLeanClient({
      address: sink.address,
      topic: 'sink-lean',
      partitions: 2,
      rate: 1_000,
      seconds: 1,
      batch: 20,
      messageSize: 128,
    });
    expect(r.acked).toBe(1_000);
    expect(r.failed).toBe(0);
  });
});
