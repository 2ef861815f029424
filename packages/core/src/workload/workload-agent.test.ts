// Workload shapes checked on what the target received: the reference agent counts keys, partitions and sizes
// per topic (GET /stats/records). Two short runs share one agent: gRPC with a hot key and uniform sizes, REST
// with zipf keys and lognormal sizes.
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoadTest, type LoadTestResult } from '../index.js';
import { initHistograms } from '../metrics/histogram.js';
import { agentForTests, expectBooksBalance } from '../test-support.js';
import { keyPartition } from './murmur2.js';

const agent = agentForTests();

beforeAll(async () => {
  await initHistograms();
});

interface Stats {
  records: number;
  partitions: Record<string, number>;
  keys: { keyed: number; distinct: number; exact: boolean; top: Array<{ key: string; count: number; partition: number; spread: boolean }> };
  sizes: { min: number; mean: number; p50: number; p99: number; max: number };
}

async function stats(topic: string): Promise<Stats> {
  const res = await fetch(`${agent.httpAddress}/stats/records?topic=${topic}&top=100`);
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

async function run(topic: string, rest: boolean, produce: Record<string, unknown>): Promise<LoadTestResult> {
  const lt = createLoadTest({
    target: rest ? { address: agent.httpAddress, protocol: 'rest' } : agent.grpcAddress,
    resultsDir: false,
    topic,
    seed: 7,
  });
  return lt.run({
    name: topic,
    criteria: [],
    async run(c) {
      const group = await c.produce({ rate: 4000, producers: 2, partitions: 4, batchSize: 50, ...produce });
      await c.waitFor(2);
      await group.stop();
    },
  });
}

function expectKeysOnTheirPartitions(s: Stats, partitions: number): void {
  for (const k of s.keys.top) {
    expect(k.spread, k.key).toBe(false);
    expect(k.partition, k.key).toBe(keyPartition(Buffer.from(k.key), partitions));
  }
}

describe('workload shapes on the target', () => {
  it('hot:10:0.9 puts 90% of records on one key, each key on its murmur2 partition; uniform sizes stay in range', async () => {
    const result = await run('wl-hot', false, { keys: 'hot:10:0.9', messageSize: 'uniform:200-600' });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    expectBooksBalance(result);
    const s = await stats('wl-hot');
    expect(s.records).toBe(result.producer.acked);
    expect(s.keys.keyed).toBe(s.records);
    expect(s.keys.distinct).toBe(10);
    expect(s.keys.top[0]!.key).toBe('k0');
    expect(Math.abs(s.keys.top[0]!.count / s.records - 0.9)).toBeLessThan(0.02);
    expectKeysOnTheirPartitions(s, 4);
    expect(s.sizes.min).toBeGreaterThanOrEqual(200);
    expect(s.sizes.max).toBeLessThanOrEqual(600);
    expect(Math.abs(s.sizes.mean - 400)).toBeLessThan(15);
    // The result: bytes are what the records weighed, the config records the workload.
    expect(Math.abs(result.producer.bytes / result.producer.acked - s.sizes.mean)).toBeLessThan(1e-6 * s.sizes.mean + 1);
    expect(result.config.producerGroups[0]).toMatchObject({
      keys: 'hot:10:0.9',
      keyRouting: 'hash',
      messageSizes: 'uniform:200-600',
      messageSize: 600,
    });
    const partitions = result.partitions?.groups[0];
    expect(partitions?.acked.reduce((a, b) => a + b, 0)).toBe(result.producer.acked);
    expect(partitions?.imbalance).toBeGreaterThan(1.5);
  }, 20_000);

  it('zipf keys over REST: rank 1 has about twice rank 2 (s = 1); lognormal sizes around their median', async () => {
    const result = await run('wl-zipf', true, { keys: 'zipf:50:1', messageSize: 'lognormal:800:0.5', payload: 'text' });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    const s = await stats('wl-zipf');
    expect(s.records).toBe(result.producer.acked);
    expect(s.records).toBeGreaterThan(4000);
    const [first, second] = s.keys.top;
    expect(first!.key).toBe('k00');
    expect(first!.count / second!.count).toBeGreaterThan(1.6);
    expect(first!.count / second!.count).toBeLessThan(2.5);
    expectKeysOnTheirPartitions(s, 4);
    // The REST door carries values as base64url text, and the agent keeps the text: 4 bytes per 3.
    const p50 = (s.sizes.p50 * 3) / 4;
    expect(p50).toBeGreaterThan(740);
    expect(p50).toBeLessThan(860);
    expect(s.sizes.min).toBeGreaterThanOrEqual(48);
  }, 20_000);
});
