// How runs end and how every record is accounted for: quotas, warm-up, rate changes, drops, drain
// timeouts, stop(), and a target that goes away mid-run.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent } from '@loadhouse/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadTest, type ProducerMemberStats, type Sample } from './index.js';
import { agentForTests, expectBooksBalance } from './test-support.js';

const agent = agentForTests();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'loadhouse-lifecycle-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('run lifecycle', () => {
  it('quotas resolve group.done, warm-up is excluded exactly, setRate changes the schedule', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'quota', warmupSeconds: 1, intervalMs: 500 });
    const samples: Sample[] = [];
    let members: ProducerMemberStats[] = [];
    let connections = 0;
    lt.on('sample', (s) => void samples.push(s));
    const result = await lt.run({
      name: 'quota',
      criteria: [],
      async run(c) {
        await c.phase('quota', async () => {
          // 4 producers x 500 records at 1000/s: 2 s of load, the first second of it warm-up.
          const g = await c.produce({ rate: 1000, producers: 4, partitions: 2, messagesPerProducer: 500, messageSize: 64 });
          const finished = await Promise.race([g.done.then(() => true), c.waitFor(20).then(() => false)]);
          await g.stop();
          members = g.stats();
          connections = g.connections();
          c.record('quotaDone', finished);
        });
        await c.phase('rates', async () => {
          const g = await c.produce({ rate: 500, messageSize: 64 });
          await c.waitFor(1);
          g.setRate(1500);
          await c.waitFor(1);
          await g.stop();
        });
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    expect(result.scenarioResults).toEqual({ quotaDone: true });
    expectBooksBalance(result);
    expect(members).toHaveLength(4);
    for (const m of members) {
      expect(m).toMatchObject({ completed: true, scheduled: 500, acked: 500, failed: 0, dropped: 0 });
      expect(m.completionSeconds).toBeGreaterThan(0.3);
      expect(m.msgsPerSec).toBeGreaterThan(100);
    }
    expect(connections).toBeGreaterThanOrEqual(2); // at least one worker x 2 channels
    const [quota, rates] = result.phases;
    // The quota phase saw exactly 4 x 500 records (phases count warm-up too).
    expect(quota!.producer.scheduled).toBe(2000);
    expect(quota!.producer.acked).toBe(2000);
    // Totals exclude the records intended in the first second: about half of the quota phase.
    const measuredFromQuota = result.producer.scheduled - rates!.producer.scheduled;
    expect(measuredFromQuota).toBeGreaterThan(800);
    expect(measuredFromQuota).toBeLessThan(1200);
    expect(samples.some((s) => s.warmup)).toBe(true);
    expect(samples.at(-1)!.warmup).toBe(false);
    // 1 s at 500/s then 1 s at 1500/s.
    expect(rates!.producer.scheduled).toBeGreaterThan(2000 * 0.9);
    expect(rates!.producer.scheduled).toBeLessThan(2000 * 1.15);
    expect(Math.max(...samples.map((s) => s.producer.targetRate))).toBeGreaterThan(1200);
  });

  it('counts records that cannot start in time as dropped and in-flight ones at the drain timeout as failed', async () => {
    agent.setFaults({ produceLatencyMs: 1000 });
    try {
      const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'drops', dropAfterMs: 300, drainTimeoutMs: 300 });
      const result = await lt.run({
        name: 'drops',
        criteria: [],
        async run(c) {
          // Two batches of at most 20 in flight, each held 1 s: far less than 400/s gets through.
          const g = await c.produce({ rate: 400, maxInFlight: 2, batchSize: 20, messageSize: 64 });
          await c.waitFor(2.5);
          await g.stop();
        },
      });
      expect(result.state).toBe('completed');
      expectBooksBalance(result);
      const p = result.producer;
      expect(p.dropped).toBeGreaterThan(100);
      expect(p.errorsByCode.DRAIN_TIMEOUT).toBeGreaterThan(0);
      expect(p.acked).toBeGreaterThan(0);
      // Every sent record ended acked or failed; everything scheduled but never sent was dropped.
      expect(p.sent).toBe(p.acked + p.failed);
    } finally {
      agent.setFaults({ produceLatencyMs: 0 });
    }
  });

  it('LoadTest.stop() ends the run as aborted and partial', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: dir, topic: 'stopped' });
    lt.on('sample', (s) => {
      if (s.producer.acked > 0) lt.stop('enough');
    });
    const result = await lt.run({
      name: 'stopped',
      criteria: [],
      async run(c) {
        await c.produce({ rate: 300, messageSize: 64 });
        await c.waitFor(60);
      },
    });
    expect(result).toMatchObject({ state: 'aborted', partial: true, endReason: 'stopped', endMessage: 'The run was stopped: enough' });
    expectBooksBalance(result);
    expect(JSON.parse(await readFile(result.resultPath!, 'utf8'))).toMatchObject({ state: 'aborted', endReason: 'stopped' });
  });

  it('a target that goes away mid-run ends it as failed (target-unreachable) with the partial result written', async () => {
    const doomed = await startAgent({ grpcPort: 0, httpPort: 0 });
    let stopping: Promise<void> | undefined;
    const lt = createLoadTest({
      target: { address: doomed.grpcAddress, unreachableAfterMs: 1500, deadlineMs: 2000 },
      resultsDir: dir,
      topic: 'lost',
    });
    lt.on('sample', (s) => {
      if (s.producer.acked > 0 && !stopping) stopping = doomed.stop();
    });
    const started = Date.now();
    const result = await lt.run({
      name: 'lost',
      criteria: [],
      async run(c) {
        await c.produce({ rate: 300, messageSize: 64 });
        await c.waitFor(60);
      },
    });
    await stopping;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.state).toBe('failed');
    expect(result.endReason).toBe('target-unreachable');
    expect(result.partial).toBe(true);
    if (result.state === 'failed') expect(result.error.code).toBe('LH_TARGET_UNREACHABLE');
    expect(result.producer.errorsByCode.UNAVAILABLE).toBeGreaterThan(0);
    expectBooksBalance(result);
    expect(JSON.parse(await readFile(result.resultPath!, 'utf8'))).toMatchObject({ state: 'failed', endReason: 'target-unreachable' });
  });
});
