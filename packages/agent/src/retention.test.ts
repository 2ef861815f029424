// Retention: stored segments outliving their topic's retention (or the agent's default) leave the index,
// storage and the cache; reads of their offsets start at the oldest record kept.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckMode, StreamHouseClient, type ProduceRecord } from '@loadhouse/core/wire';
import { startAgent, type Agent } from './index.js';

const records = (from: number, n: number): ProduceRecord[] =>
  Array.from({ length: n }, (_, k) => ({ value: Buffer.from(`r${from + k}`.padEnd(100, '.')) }));
const segments = (agent: Agent, topic: string) => {
  const dir = join(agent.dataDir!, 'data', topic, '0');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.seg')) : [];
};
const expired = async (agent: Agent, topic: string): Promise<number> => {
  const text = await (await fetch(`${agent.httpAddress}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('loadhouse_agent_segments_expired_total') && l.includes(`topic="${topic}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('agent retention', () => {
  let agent: Agent;
  let client: StreamHouseClient;
  beforeAll(async () => {
    // Agent default 2 s for topics without their own retention.
    agent = await startAgent({ retentionMs: 2_000, segmentMaxAgeMs: 50 });
    client = new StreamHouseClient(agent.grpcAddress);
    await client.waitForReady();
  });
  afterAll(async () => {
    client?.close();
    await agent?.stop();
  });

  it('deletes expired segments but the newest; a read from offset 0 then starts at the oldest record kept', async () => {
    await client.createTopic({ name: 'short', partitionCount: 1 });
    await client.produceBatch({ topic: 'short', partition: 0, records: records(0, 100) });
    await agent.flush();
    await client.produceBatch({ topic: 'short', partition: 0, records: records(100, 50) });
    await agent.flush();
    expect(segments(agent, 'short')).toHaveLength(2);

    await until('the older segment to expire', async () => (await expired(agent, 'short')) >= 1 && segments(agent, 'short').length === 1);
    // The newest stays past its retention while nothing newer exists: consumers can always reach the end.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await expired(agent, 'short')).toBe(1);
    const kept = await client.consume({ topic: 'short', partition: 0, offset: 0, maxRecords: 1000 });
    expect(kept.records.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, k) => 100 + k));
    expect(kept.highWatermark).toBe(150);

    // Newer records, acked while their segment waits for slow storage, let the old newest one go; a read from
    // an expired offset then gets them.
    agent.setFaults({ s3LatencyMs: 4_000 });
    await client.produceBatch({ topic: 'short', partition: 0, records: records(150, 10), ackMode: AckMode.ACK_BUFFERED });
    await until('the last stored segment to expire', async () => (await expired(agent, 'short')) >= 2);
    const after = await client.consume({ topic: 'short', partition: 0, offset: 0, maxRecords: 1000 });
    expect(after.records.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, k) => 150 + k));
    expect(after.records[0]!.value.toString()).toMatch(/^r150\./);
    agent.setFaults({ s3LatencyMs: 0 });
  });

  it("keeps a topic's segments for its own retention_ms, whatever the agent's default", async () => {
    await client.createTopic({ name: 'long', partitionCount: 1, retentionMs: 3_600_000 });
    await client.createTopic({ name: 'default', partitionCount: 1 });
    for (const from of [0, 10]) {
      for (const topic of ['long', 'default']) await client.produceBatch({ topic, partition: 0, records: records(from, 10) });
      await agent.flush();
    }
    await until("the default topic's older segment to expire", async () => (await expired(agent, 'default')) >= 1);
    expect(segments(agent, 'long')).toHaveLength(2);
    expect(await expired(agent, 'long')).toBe(0);
    const kept = await client.consume({ topic: 'long', partition: 0, offset: 0, maxRecords: 100 });
    expect(kept.records).toHaveLength(20);
  });
});
