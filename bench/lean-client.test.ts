import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@loadhouse/agent';
import { runLeanClient } from './lean-client.js';

describe('lean client (open-model ceiling on raw http2)', () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it('acks exactly the scheduled records, counts nothing failed, and response latency covers service latency', async () => {
    const rate = 2_000;
    const seconds = 2;
    const r = await runLeanClient({
      address: agent.grpcAddress,
      topic: 'lean-test',
      partitions: 2,
      rate,
      seconds,
      batch: 50,
      messageSize: 256,
      sessions: 2,
      maxInFlight: 16,
    });
    expect(r.acked).toBe(rate * seconds);
    expect(r.failed).toBe(0);
    expect(r.msgsPerSec).toBeGreaterThan(0);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.response.p99).toBeGreaterThanOrEqual(r.service.p99);
    expect(r.response.max).toBeGreaterThanOrEqual(r.response.p99);
    expect(r.response.p99).toBeGreaterThanOrEqual(r.scheduleLag.p99);
    expect(r.dropped).toBe(0);
  });

  it('with producers and a bound on calls: every scheduled record is acked once, never more calls out than the bound', async () => {
    // 100 producers at 10 records/s each for 2 s: 20 records each, one-record batches (5 ms linger, 100 ms apart).
    const r = await runLeanClient({
      address: agent.grpcAddress,
      topic: 'lean-producers',
      partitions: 10,
      rate: 1_000,
      seconds: 2,
      batch: 50,
      messageSize: 256,
      producers: 100,
      lingerMs: 5,
      maxCalls: 8,
    });
    expect(r.acked).toBe(2_000);
    expect(r.failed).toBe(0);
    expect(r.dropped).toBe(0);
    expect(r.firstAckSeconds).toBeGreaterThan(0);
    expect(r.response.p99).toBeGreaterThanOrEqual(r.service.p99);
    expect(r.peakCallsInFlight).toBeGreaterThan(0);
    expect(r.peakCallsInFlight).toBeLessThanOrEqual(8);
  });

  it('leaves the warm-up records out of the counts, exactly those intended before its end', async () => {
    // 4,000 records at 2,000/s in batches of 50: batch k starts at 25k ms, so batches 40..79 (2,000 records) count.
    const r = await runLeanClient({
      address: agent.grpcAddress,
      topic: 'lean-warmup',
      partitions: 2,
      rate: 2_000,
      seconds: 2,
      batch: 50,
      messageSize: 256,
      warmupSeconds: 1,
    });
    expect(r.acked).toBe(2_000);
    expect(r.failed).toBe(0);
    expect(r.dropped).toBe(0);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.scheduleLag.max).toBeGreaterThanOrEqual(r.scheduleLag.p99);
  });
});
