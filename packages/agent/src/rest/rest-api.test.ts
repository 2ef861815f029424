// The agent's REST door over real HTTP: one set of partition logs behind both doors, so a record produced
// through REST is consumed through gRPC and the other way round; errors answer with the contract's statuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { startAgent, type Agent } from '../index.js';

describe('agent REST door', () => {
  let agent: Agent;
  let grpc: StreamHouseClient;
  const api = (path: string, init?: { method?: string; body?: unknown; org?: string }): Promise<Response> =>
    fetch(`${agent.httpAddress}/api/v1${path}`, {
      method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
      headers: { 'content-type': 'application/json', ...(init?.org ? { 'x-organization-id': init.org } : {}) },
      ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  beforeAll(async () => {
    agent = await startAgent({ grpcPort: 0, httpPort: 0 });
    grpc = new StreamHouseClient(agent.grpcAddress);
  });
  afterAll(async () => {
    grpc?.close();
    await agent?.stop();
  });

  it('a record produced over REST is consumed over gRPC, and one produced over gRPC over REST', async () => {
    const created = await api('/topics', { body: { name: 'doors', partitions: 2 } });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'doors', partitions: 2 });
    expect((await api('/topics', { body: { name: 'doors', partitions: 2 } })).status).toBe(409);

    const produced = await api('/produce/batch', {
      body: {
        topic: 'doors',
        records: [
          { value: 'from-rest-1', partition: 1 },
          { key: 'k', value: 'from-rest-2', partition: 1 },
        ],
      },
    });
    expect(produced.status).toBe(200);
    expect(await produced.json()).toEqual({
      count: 2,
      offsets: [
        { partition: 1, offset: 0 },
        { partition: 1, offset: 1 },
      ],
    });
    const viaGrpc = await grpc.consume({ topic: 'doors', partition: 1, offset: 0, maxRecords: 10 });
    expect(viaGrpc.records.map((r) => Buffer.from(r.value).toString())).toEqual(['from-rest-1', 'from-rest-2']);
    expect(Buffer.from(viaGrpc.records[1]!.key).toString()).toBe('k');

    await grpc.produceBatch({
      topic: 'doors',
      partition: 1,
      records: [{ value: Buffer.from('from-grpc'), key: Buffer.alloc(0), timestamp: 0 }],
    });
    const read = await api('/consume?topic=doors&partition=1&offset=1&maxRecords=5');
    expect(read.status).toBe(200);
    const body = (await read.json()) as { records: Array<{ offset: number; value: string; key: string | null }>; nextOffset: number };
    expect(body.records.map((r) => [r.offset, r.value, r.key])).toEqual([
      [1, 'from-rest-2', 'k'],
      [2, 'from-grpc', null],
    ]);
    expect(body.nextOffset).toBe(3);

    const parts = await (await api('/topics/doors/partitions')).json();
    expect(parts).toMatchObject([
      { partition_id: 0, high_watermark: 0 },
      { partition_id: 1, high_watermark: 3 },
    ]);
    // Records without a partition go round the partitions by their index.
    const spread = await (await api('/produce/batch', { body: { topic: 'doors', records: [{ value: 'a' }, { value: 'b' }] } })).json();
    expect(spread).toEqual({
      count: 2,
      offsets: [
        { partition: 0, offset: 0 },
        { partition: 1, offset: 3 },
      ],
    });
  });

  it('commits offsets on one door and reads them on the other, within the organization of the header', async () => {
    await grpc.createTopic({ name: 'orgs', partitionCount: 1 });
    expect((await api('/topics/orgs')).status).toBe(200);
    // Another organization does not see the default organization's topic.
    expect((await api('/topics/orgs', { org: 'acme' })).status).toBe(404);
    const commit = await api('/consumer-groups/commit', { body: { group_id: 'g1', topic: 'orgs', partition: 0, offset: 7 } });
    expect(await commit.json()).toEqual({ success: true });
    expect((await grpc.getOffset({ consumerGroup: 'g1', topic: 'orgs', partition: 0 })).offset).toBe(7);
    const offsets = await (await api('/consumer-groups/g1/offsets')).json();
    expect(offsets).toMatchObject({ groupId: 'g1', offsets: [{ topic: 'orgs', partitionId: 0, committedOffset: 7 }] });
    expect((await api('/consumer-groups/nobody/offsets')).status).toBe(404);
  });

  it('answers bad input, unknown topics and unknown routes with the contract status codes', async () => {
    const missing = await api('/produce/batch', { body: { topic: 'no-such-topic', records: [{ value: 'x' }] } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'NOT_FOUND' });
    expect((await api('/produce/batch', { body: { topic: 'doors', records: [] } })).status).toBe(400);
    expect((await api('/produce/batch', { body: { topic: 'doors', records: [{ value: 1 }] } })).status).toBe(400);
    expect((await api('/produce/batch', { body: { topic: 'doors', records: [{ value: 'x', partition: 9 }] } })).status).toBe(400);
    expect((await api('/consume?topic=doors')).status).toBe(400);
    const notJson = await fetch(`${agent.httpAddress}/api/v1/topics`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect((await api('/nowhere')).status).toBe(404);
    expect((await api('/topics/doors', { method: 'DELETE' })).status).toBe(204);
  });
});
