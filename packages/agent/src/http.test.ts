import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { startAgent, type Agent } from './index.js';

const CONTRACT_METRICS = [
  'streamhouse_cache_hits_total',
  'streamhouse_cache_misses_total',
  'streamhouse_cache_size_bytes',
  'streamhouse_s3_requests_total',
  'streamhouse_s3_errors_total',
  'streamhouse_s3_latency_seconds',
  'streamhouse_segment_writes_total',
  'streamhouse_segment_flushes_total',
  'streamhouse_producer_records_total',
  'streamhouse_producer_bytes_total',
  'streamhouse_producer_latency_seconds',
  'streamhouse_consumer_records_total',
  'process_resident_memory_bytes',
];

describe('agent HTTP endpoints', () => {
  let agent: Agent;
  let c: StreamHouseClient;
  beforeAll(async () => {
    agent = await startAgent();
    c = new StreamHouseClient(agent.grpcAddress);
  });
  afterAll(async () => {
    c?.close();
    await agent?.stop();
  });

  it('answers /health, /live and /ready', async () => {
    for (const [path, body] of [
      ['/health', { status: 'ok' }],
      ['/live', { status: 'ok' }],
      ['/ready', { status: 'ready' }],
    ] as const) {
      const res = await fetch(`${agent.httpAddress}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(body);
    }
    expect((await fetch(`${agent.httpAddress}/nope`)).status).toBe(404);
  });

  it('serves every contract metric in Prometheus text with counters matching the traffic', async () => {
    await c.createTopic({ name: 'm', partitionCount: 2 });
    for (let i = 0; i < 3; i++)
      await c.produceBatch({
        topic: 'm',
        partition: i % 2,
        records: [{ value: Buffer.alloc(100) }, { value: Buffer.alloc(50), key: Buffer.from('k') }],
      });
    await c.consume({ topic: 'm', partition: 0, offset: 0, maxRecords: 10, consumerGroup: 'g' });
    await agent.flush();
    const res = await fetch(`${agent.httpAddress}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of CONTRACT_METRICS) expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    expect(text).toMatch(/^streamhouse_producer_records_total\{org_id="default",topic="m"\} 6$/m);
    expect(text).toMatch(/^streamhouse_producer_bytes_total\{org_id="default",topic="m"\} 453$/m);
    expect(text).toMatch(/^streamhouse_producer_latency_seconds_count\{org_id="default",topic="m"\} 3$/m);
    expect(text).toMatch(/^streamhouse_segment_writes_total\{org_id="default",topic="m",partition="0"\} 2$/m);
    expect(text).toMatch(/^streamhouse_segment_flushes_total\{org_id="default",topic="m",partition="1"\} 1$/m);
    expect(text).toMatch(/^streamhouse_consumer_records_total\{org_id="default",topic="m",consumer_group="g"\} 4$/m);
    expect(text).toMatch(/^streamhouse_s3_requests_total\{org_id="default",operation="PUT"\} \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('labels metrics with the x-organization-id as org_id', async () => {
    const org = new StreamHouseClient(agent.grpcAddress, { organizationId: 'acme' });
    try {
      await org.createTopic({ name: 'm', partitionCount: 1 });
      await org.produceBatch({ topic: 'm', partition: 0, records: [{ value: Buffer.alloc(10) }] });
      await agent.flush();
      const text = await (await fetch(`${agent.httpAddress}/metrics`)).text();
      expect(text).toMatch(/^streamhouse_producer_records_total\{org_id="acme",topic="m"\} 1$/m);
      expect(text).toMatch(/^streamhouse_segment_flushes_total\{org_id="acme",topic="m",partition="0"\} 1$/m);
      expect(text).toMatch(/^streamhouse_s3_requests_total\{org_id="acme",operation="PUT"\} \d+$/m);
    } finally {
      org.close();
    }
  });

  it('/ready answers 503 while stopping; /health stays 200 until the end', async () => {
    const a = await startAgent();
    const ac = new StreamHouseClient(a.grpcAddress);
    await ac.createTopic({ name: 'r', partitionCount: 1 });
    await ac.produceBatch({ topic: 'r', partition: 0, records: [{ value: Buffer.from('x') }] });
    a.setFaults({ s3ErrorRate: 1 }); // the stop-time flush cannot finish yet
    const stopped = a.stop();
    await new Promise((r) => setTimeout(r, 50));
    const ready = await fetch(`${a.httpAddress}/ready`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${a.httpAddress}/health`)).status).toBe(200);
    a.setFaults({ s3ErrorRate: 0 });
    await stopped;
    ac.close();
    await expect(fetch(`${a.httpAddress}/health`)).rejects.toThrow();
  });
});
