import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { AckMode, StreamHouseClient, grpc, isServiceError } from '@loadhouse/core/wire';
import { after } from './faults.js';
import { startAgent, type Agent } from './index.js';

let agent: Agent | undefined;
let client: StreamHouseClient | undefined;

async function start(options: Parameters<typeof startAgent>[0]): Promise<StreamHouseClient> {
  agent = await startAgent(options);
  client = new StreamHouseClient(agent.grpcAddress);
  await client.createTopic({ name: 't', partitionCount: 2 });
  return client;
}

afterEach(async () => {
  client?.close();
  await agent?.stop();
  agent = undefined;
  client = undefined;
});

const rec = (i: number) => ({ value: Buffer.from(`v${i}`) });

describe('agent: produce faults', () => {
  it('adds a fixed produce latency', async () => {
    const c = await start({ produceLatencyMs: 20 });
    await c.produceBatch({ topic: 't', partition: 0, records: [rec(0)] });
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await c.produceBatch({ topic: 't', partition: 0, records: [rec(i)] });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(20);
    }
    // Reads are not delayed.
    const t0 = performance.now();
    await c.consume({ topic: 't', partition: 0, offset: 0, maxRecords: 10 });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('adds a produce latency drawn from a range, and changes it at runtime', async () => {
    const c = await start({ produceLatencyMs: [10, 30] });
    const t0 = performance.now();
    await c.produce({ topic: 't', partition: 0, value: Buffer.from('x') });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(10);
    agent!.setFaults({ produceLatencyMs: 150 });
    const t1 = performance.now();
    await c.produceBatch({ topic: 't', partition: 1, records: [rec(1)] });
    expect(performance.now() - t1).toBeGreaterThanOrEqual(150);
  });

  it('holds produce calls inside the stall window, measured from the first produce request', async () => {
    const c = await start({ stall: [0.3, 0.8] });
    const t0 = performance.now();
    await c.produceBatch({ topic: 't', partition: 0, records: [rec(0)] }); // starts the clock, t ~ 0
    expect(performance.now() - t0).toBeLessThan(300);
    while (performance.now() - t0 < 350) await new Promise((r) => setTimeout(r, 20));
    // Inside the window: held until ~0.8 s after the first produce.
    const held = c.produceBatch({ topic: 't', partition: 0, records: [rec(1)] });
    const consumed = await c.consume({ topic: 't', partition: 0, offset: 0, maxRecords: 10 });
    expect(consumed.highWatermark).toBe(1); // the held batch is not appended yet
    const r = await held;
    expect(r.firstOffset).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(780);
    // After the window: served at once.
    const t1 = performance.now();
    await c.produceBatch({ topic: 't', partition: 0, records: [rec(2)] });
    expect(performance.now() - t1).toBeLessThan(300);
  });

  it('drops every Nth record per partition while acking it', async () => {
    const c = await start({ dropEvery: 3 });
    const a = await c.produceBatch({ topic: 't', partition: 0, records: Array.from({ length: 7 }, (_, i) => rec(i)) });
    expect(a).toMatchObject({ firstOffset: 0, lastOffset: 6, count: 7 });
    await c.produceBatch({ topic: 't', partition: 0, records: [rec(7), rec(8)] });
    await c.produceBatch({ topic: 't', partition: 1, records: [rec(0), rec(1), rec(2)] });
    const p0 = await c.consume({ topic: 't', partition: 0, offset: 0, maxRecords: 100 });
    // The 3rd, 6th, 9th record appended to the partition (offsets 2, 5, 8) are gone.
    expect(p0.records.map((r) => r.offset)).toEqual([0, 1, 3, 4, 6, 7]);
    expect(p0.highWatermark).toBe(9);
    await agent!.flush();
    const stored = await c.consume({ topic: 't', partition: 0, offset: 0, maxRecords: 100 });
    expect(stored.records.map((r) => r.offset)).toEqual([0, 1, 3, 4, 6, 7]);
    const p1 = await c.consume({ topic: 't', partition: 1, offset: 0, maxRecords: 100 });
    expect(p1.records.map((r) => r.offset)).toEqual([0, 1]);
  });

  it('sink mode acks with advancing offsets and stores nothing', async () => {
    const c = await start({ sink: true });
    const a = await c.produceBatch({ topic: 't', partition: 0, records: [rec(0), rec(1)], ackMode: AckMode.ACK_DURABLE });
    const b = await c.produceBatch({ topic: 't', partition: 0, records: [rec(2)] });
    expect([a.firstOffset, a.lastOffset, b.firstOffset]).toEqual([0, 1, 2]);
    await agent!.flush();
    const r = await c.consume({ topic: 't', partition: 0, offset: 0, maxRecords: 10 });
    expect(r).toMatchObject({ records: [], highWatermark: 3, hasMore: false });
  });

  it('answers UNAVAILABLE to produce calls once stopping', async () => {
    const c = await start({});
    const stopped = agent!.stop();
    try {
      await c.produceBatch({ topic: 't', partition: 0, records: [rec(0)] });
      throw new Error('expected UNAVAILABLE');
    } catch (err) {
      expect(isServiceError(err) && err.code).toBe(grpc.status.UNAVAILABLE);
    }
    await stopped;
  });
});

describe('agent: storage faults', () => {
  it('adds storage latency: a durable produce waits for it, and the histogram sees it', async () => {
    const c = await start({ s3LatencyMs: 60 });
    const t0 = performance.now();
    await c.produceBatch({ topic: 't', partition: 0, records: [rec(0)], ackMode: AckMode.ACK_DURABLE });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(60);
    const text = await (await fetch(`${agent!.httpAddress}/metrics`)).text();
    const sum = /streamhouse_s3_latency_seconds_sum\{org_id="default",operation="PUT"\} (\S+)/.exec(text);
    expect(Number(sum?.[1])).toBeGreaterThanOrEqual(0.06);
  });

  it('retries buffered data through a 50% error rate until every segment is stored', async () => {
    const c = await start({ s3ErrorRate: 0.5, segmentMaxBytes: 1024 });
    for (let i = 0; i < 20; i++) {
      await c.produceBatch({ topic: 't', partition: i % 2, records: [{ value: Buffer.alloc(900, i) }] });
    }
    await agent!.flush();
    const text = await (await fetch(`${agent!.httpAddress}/metrics`)).text();
    let flushed = 0;
    for (const m of text.matchAll(/^streamhouse_segment_flushes_total\{org_id="default",topic="t",partition="\d"\} (\d+)$/gm))
      flushed += Number(m[1]);
    expect(flushed).toBe(20);
    const throttles = /streamhouse_s3_errors_total\{org_id="default",operation="PUT",error_type="throttle"\} (\d+)/.exec(text);
    expect(Number(throttles?.[1] ?? 0)).toBeGreaterThan(0);
    agent!.setFaults({ s3ErrorRate: 0 }); // reads of stored segments would see the injected errors too
    for (const p of [0, 1]) {
      const r = await c.consume({ topic: 't', partition: p, offset: 0, maxRecords: 100 });
      expect(r.records.map((x) => x.value[0])).toEqual(Array.from({ length: 10 }, (_, k) => k * 2 + p));
    }
  });
});

describe('held calls longer than a timer holds', () => {
  it('a 30-day hold waits in chunks: no timer overflow, nothing fires early', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    let fired = false;
    after(30 * 86_400_000, () => (fired = true));
    await new Promise((r) => setTimeout(r, 200));
    process.off('warning', onWarning);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
    expect(fired).toBe(false);
  });
});

describe('agent: memory growth fault', () => {
  it('keeps memory at the given rate from the first produce request, and stops when set to 0', async () => {
    const c = await start({ memoryGrowthMibPerSecond: 200 });
    const MiB = 1024 * 1024;
    const before = process.memoryUsage().arrayBuffers;
    await new Promise((r) => setTimeout(r, 300));
    // Nothing before the first produce request: the leak is the load's doing, as a real one would be.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(20 * MiB);
    await c.produceBatch({ topic: 't', partition: 0, records: [rec(0)] });
    await new Promise((r) => setTimeout(r, 700));
    // 200 MiB/s for 0.7 s is 140 MiB; timers on a busy machine fire late, never early: at least a third of it.
    expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThan(45 * MiB);
    agent!.setFaults({ memoryGrowthMibPerSecond: 0 });
    const stopped = process.memoryUsage().arrayBuffers;
    await new Promise((r) => setTimeout(r, 300));
    expect(process.memoryUsage().arrayBuffers - stopped).toBeLessThan(20 * MiB);
    expect(() => agent!.setFaults({ memoryGrowthMibPerSecond: -1 })).toThrow(/options\.memoryGrowthMibPerSecond/);
  });
});
