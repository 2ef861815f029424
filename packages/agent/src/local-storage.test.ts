import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckMode, StreamHouseClient, grpc, isServiceError, type ProduceRecord } from '@loadhouse/core/wire';
import { startAgent, type Agent } from './index.js';

/** Value of one sample in Prometheus text, e.g. sample(text, 'streamhouse_cache_hits_total', { org_id: 'default' }). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const kv of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[kv[1]!] = kv[2]!;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const metrics = async (agent: Agent): Promise<string> => (await fetch(`${agent.httpAddress}/metrics`)).text();

/** 4 records of ~1 KiB: with segmentMaxBytes 4200 every batch fills exactly one segment. */
const batch = (k: number): ProduceRecord[] =>
  Array.from({ length: 4 }, (_, i) => ({ key: Buffer.from(`k${k * 4 + i}`), value: Buffer.alloc(1000, 97 + ((k * 4 + i) % 26)) }));

describe('agent on a local folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lh-agent-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores segments under data/{topic}/{partition}/{base:020}.seg and continues offsets after a restart', async () => {
    let agent = await startAgent({ dataDir: dir, segmentMaxBytes: 4200 });
    let c = new StreamHouseClient(agent.grpcAddress);
    await c.createTopic({ name: 'events', partitionCount: 2 });
    for (let k = 0; k < 3; k++) await c.produceBatch({ topic: 'events', partition: 1, records: batch(k) });
    await c.produceBatch({ topic: 'events', partition: 0, records: batch(0), ackMode: AckMode.ACK_DURABLE });
    await c.commitOffset({ consumerGroup: 'g', topic: 'events', partition: 0, offset: 3 });
    c.close();
    await agent.stop(); // flushes the open segment
    expect((await readdir(join(dir, 'data/events/1'))).sort()).toEqual([
      '00000000000000000000.seg',
      '00000000000000000004.seg',
      '00000000000000000008.seg',
    ]);
    expect(JSON.parse(await readFile(join(dir, 'meta/topics/events.json'), 'utf8'))).toMatchObject({ name: 'events', partitionCount: 2 });

    agent = await startAgent({ dataDir: dir, segmentMaxBytes: 4200 });
    c = new StreamHouseClient(agent.grpcAddress);
    try {
      expect((await c.listTopics()).topics.map((t) => t.name)).toEqual(['events']);
      const r = await c.consume({ topic: 'events', partition: 1, offset: 0, maxRecords: 100 });
      expect(r.records.map((x) => x.offset)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(Buffer.from(r.records[5]!.value)).toEqual(batch(1)[1]!.value);
      expect(r.highWatermark).toBe(12);
      expect((await c.produceBatch({ topic: 'events', partition: 1, records: batch(3) })).firstOffset).toBe(12);
      expect((await c.produceBatch({ topic: 'events', partition: 0, records: batch(1) })).firstOffset).toBe(4);
      expect((await c.getOffset({ consumerGroup: 'g', topic: 'events', partition: 0 })).offset).toBe(3);
    } finally {
      c.close();
      await agent.stop();
    }
  });

  it('detects a corrupted segment on read (checksum) and answers DATA_LOSS', async () => {
    const path = join(dir, 'data/events/1/00000000000000000004.seg');
    const bytes = await readFile(path);
    bytes[bytes.length - 10] ^= 0xff;
    await writeFile(path, bytes);
    const agent = await startAgent({ dataDir: dir });
    const c = new StreamHouseClient(agent.grpcAddress);
    try {
      await c.consume({ topic: 'events', partition: 1, offset: 4, maxRecords: 4 });
      throw new Error('expected DATA_LOSS');
    } catch (err) {
      expect(isServiceError(err) && grpc.status[err.code]).toBe('DATA_LOSS');
      expect((err as grpc.ServiceError).details).toContain('checksum');
    } finally {
      c.close();
      await agent.stop();
    }
  });

  it('removes its temp folder on stop unless keepData', async () => {
    const a = await startAgent();
    expect(existsSync(a.dataDir!)).toBe(true);
    await a.stop();
    expect(existsSync(a.dataDir!)).toBe(false);
    const b = await startAgent({ keepData: true });
    await b.stop();
    expect(existsSync(b.dataDir!)).toBe(true);
    await rm(b.dataDir!, { recursive: true, force: true });
  });
});

describe('segment cache', () => {
  let dir: string;
  let agent: Agent;
  let c: StreamHouseClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lh-agent-cache-'));
    const writer = await startAgent({ dataDir: dir, segmentMaxBytes: 4200 });
    const w = new StreamHouseClient(writer.grpcAddress);
    await w.createTopic({ name: 'scan', partitionCount: 1 });
    for (let k = 0; k < 10; k++) await w.produceBatch({ topic: 'scan', partition: 0, records: batch(k) });
    w.close();
    await writer.stop();
    agent = await startAgent({ dataDir: dir }); // a cold cache over 10 stored segments of 4 records
    c = new StreamHouseClient(agent.grpcAddress);
  });
  afterAll(async () => {
    c?.close();
    await agent?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts a cold read as a miss, prefetches on a sequential scan (hits), and a second read is a hit', async () => {
    const before = await metrics(agent);
    const getsBefore = sample(before, 'streamhouse_s3_requests_total', { operation: 'GET' }) ?? 0;
    for (let k = 0; k < 10; k++) {
      const r = await c.consume({ topic: 'scan', partition: 0, offset: k * 4, maxRecords: 4, consumerGroup: 'scanner' });
      expect(r.records.map((x) => x.offset)).toEqual([k * 4, k * 4 + 1, k * 4 + 2, k * 4 + 3]);
      expect(Buffer.from(r.records[0]!.value)).toEqual(batch(k)[0]!.value);
      expect(r.hasMore).toBe(k < 9);
    }
    let text = await metrics(agent);
    expect(sample(text, 'streamhouse_cache_misses_total', { org_id: 'default' })).toBe(1);
    expect(sample(text, 'streamhouse_cache_hits_total', { org_id: 'default' })).toBe(9);
    // Every segment was fetched exactly once: the first by the miss, the other nine by prefetch.
    expect((sample(text, 'streamhouse_s3_requests_total', { operation: 'GET' }) ?? 0) - getsBefore).toBe(10);
    expect(sample(text, 'streamhouse_consumer_records_total', { topic: 'scan', consumer_group: 'scanner' })).toBe(40);
    expect(sample(text, 'streamhouse_cache_size_bytes')).toBeGreaterThan(40_000);

    await c.consume({ topic: 'scan', partition: 0, offset: 0, maxRecords: 4 });
    text = await metrics(agent);
    expect(sample(text, 'streamhouse_cache_hits_total', { org_id: 'default' })).toBe(10);
    expect(sample(text, 'streamhouse_cache_misses_total', { org_id: 'default' })).toBe(1);
  });

  it('with a zero-byte cache every read of a stored segment is a miss', async () => {
    const cold = await startAgent({ dataDir: dir, cacheMaxBytes: 0 });
    const cc = new StreamHouseClient(cold.grpcAddress);
    try {
      await cc.consume({ topic: 'scan', partition: 0, offset: 0, maxRecords: 4 });
      await cc.consume({ topic: 'scan', partition: 0, offset: 0, maxRecords: 4 });
      const text = await metrics(cold);
      expect(sample(text, 'streamhouse_cache_misses_total', { org_id: 'default' })).toBe(2);
      expect(sample(text, 'streamhouse_cache_hits_total', { org_id: 'default' }) ?? 0).toBe(0);
      expect(sample(text, 'streamhouse_cache_size_bytes')).toBe(0);
    } finally {
      cc.close();
      await cold.stop();
    }
  });
});
