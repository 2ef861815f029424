import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckMode, StreamHouseClient, grpc, isServiceError } from '@loadhouse/core/wire';
import { startAgent, type Agent, type S3Options } from './index.js';

let server: S3rver;
let dir: string;
let s3: S3Options;
let s3client: S3Client;

async function keys(prefix: string): Promise<string[]> {
  const res = await s3client.send(new ListObjectsV2Command({ Bucket: 'streamhouse-data', Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lh-s3rver-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'streamhouse-data', configs: [] }],
  });
  const { port } = await server.run();
  s3 = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    bucket: 'streamhouse-data',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  };
  s3client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  s3client?.destroy();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const rec = (i: number) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value-${i}`.padEnd(200, '.')) });

describe('agent on an S3-compatible bucket (s3rver)', () => {
  let agent: Agent | undefined;
  afterAll(async () => agent?.stop());

  it('ACK_DURABLE returns only once the segment object is listable, under the contract key', async () => {
    agent = await startAgent({ s3, segmentMaxAgeMs: 60_000 });
    const c = new StreamHouseClient(agent.grpcAddress);
    try {
      await c.createTopic({ name: 'orders', partitionCount: 2 });
      const r = await c.produceBatch({ topic: 'orders', partition: 1, records: [rec(0), rec(1), rec(2)], ackMode: AckMode.ACK_DURABLE });
      expect(r).toMatchObject({ firstOffset: 0, lastOffset: 2 });
      // The segment age is 60 s, so only the durable ack can have stored it.
      expect(await keys('data/orders/')).toEqual(['data/orders/1/00000000000000000000.seg']);
      const r2 = await c.produceBatch({ topic: 'orders', partition: 1, records: [rec(3)], ackMode: AckMode.ACK_DURABLE });
      expect(r2.firstOffset).toBe(3);
      expect(await keys('data/orders/1/')).toEqual(['data/orders/1/00000000000000000000.seg', 'data/orders/1/00000000000000000003.seg']);
      expect(await keys('meta/topics/')).toEqual(['meta/topics/orders.json']);
      // Buffered data is not stored before the segment rolls.
      await c.produceBatch({ topic: 'orders', partition: 0, records: [rec(0)] });
      expect(await keys('data/orders/0/')).toEqual([]);
    } finally {
      c.close();
    }
  });

  it('namespaces segments under org-{id}/ for x-organization-id', async () => {
    const c = new StreamHouseClient(agent!.grpcAddress, { organizationId: 'acme' });
    try {
      await c.createTopic({ name: 'orders', partitionCount: 1 });
      await c.produceBatch({ topic: 'orders', partition: 0, records: [rec(0)], ackMode: AckMode.ACK_DURABLE });
      expect(await keys('org-acme/')).toEqual(['org-acme/data/orders/0/00000000000000000000.seg', 'org-acme/meta/topics/orders.json']);
    } finally {
      c.close();
    }
  });

  it('restarts from the bucket: offsets continue, old data and committed offsets read back', async () => {
    const c1 = new StreamHouseClient(agent!.grpcAddress);
    await c1.produceBatch({ topic: 'orders', partition: 0, records: [rec(1), rec(2)] });
    await c1.commitOffset({ consumerGroup: 'g1', topic: 'orders', partition: 1, offset: 2 });
    c1.close();
    await agent!.stop(); // flushes the open segment of partition 0
    agent = await startAgent({ s3 });
    const c = new StreamHouseClient(agent.grpcAddress);
    const org = new StreamHouseClient(agent.grpcAddress, { organizationId: 'acme' });
    try {
      expect((await c.getTopic({ name: 'orders' })).topic?.partitionCount).toBe(2);
      const p1 = await c.consume({ topic: 'orders', partition: 1, offset: 0, maxRecords: 100 });
      expect(p1.records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      expect(Buffer.from(p1.records[2]!.value).toString()).toBe(rec(2).value.toString());
      const p0 = await c.consume({ topic: 'orders', partition: 0, offset: 0, maxRecords: 100 });
      expect(p0.records.map((r) => r.offset)).toEqual([0, 1, 2]);
      const next = await c.produceBatch({ topic: 'orders', partition: 1, records: [rec(4)] });
      expect(next.firstOffset).toBe(4);
      expect((await c.getOffset({ consumerGroup: 'g1', topic: 'orders', partition: 1 })).offset).toBe(2);
      expect((await org.consume({ topic: 'orders', partition: 0, offset: 0, maxRecords: 10 })).highWatermark).toBe(1);
    } finally {
      c.close();
      org.close();
    }
  });

  it('100% storage errors: a durable produce fails RESOURCE_EXHAUSTED/UNAVAILABLE, throttles are counted, data is kept and stored later', async () => {
    const c = new StreamHouseClient(agent!.grpcAddress);
    try {
      agent!.setFaults({ s3ErrorRate: 1 });
      let failure: unknown;
      try {
        await c.produceBatch({ topic: 'orders', partition: 0, records: [rec(3)], ackMode: AckMode.ACK_DURABLE });
      } catch (err) {
        failure = err;
      }
      expect(isServiceError(failure)).toBe(true);
      expect([grpc.status.RESOURCE_EXHAUSTED, grpc.status.UNAVAILABLE]).toContain((failure as grpc.ServiceError).code);
      expect((failure as grpc.ServiceError).details).toContain('SlowDown');
      // Still readable from memory while it cannot be stored.
      const r = await c.consume({ topic: 'orders', partition: 0, offset: 3, maxRecords: 10 });
      expect(r.records.map((x) => x.offset)).toEqual([3]);
      const metrics = await (await fetch(`${agent!.httpAddress}/metrics`)).text();
      const m = /streamhouse_s3_errors_total\{org_id="default",operation="PUT",error_type="throttle"\} (\d+)/.exec(metrics);
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
      // Heal: the retried upload lands.
      agent!.setFaults({ s3ErrorRate: 0 });
      await agent!.flush();
      expect(await keys('data/orders/0/')).toContain('data/orders/0/00000000000000000003.seg');
    } finally {
      c.close();
    }
  });

  it('fails to start with LH_AGENT_STORAGE_FAILED when the bucket does not exist', async () => {
    await expect(startAgent({ s3: { ...s3, bucket: 'no-such-bucket' } })).rejects.toMatchObject({
      code: 'LH_AGENT_STORAGE_FAILED',
      message: expect.stringContaining('no-such-bucket'),
    });
  });
});
