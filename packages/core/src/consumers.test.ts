// Consumers against the reference agent over real sockets: reading what producers write (counts, latencies,
// integrity), data loss found by sequence checks, lag that builds and clears, and where groups start.
import { startAgent } from '@loadhouse/agent';
import { describe, expect, it } from 'vitest';
import { createLoadTest, type LogEntry, type Sample } from './index.js';
import { summarizeEncoded } from './histogram.js';
import { agentForTests } from './test-support.js';

const agent = agentForTests();

describe('consumers', () => {
  it('read concurrently with producers: consumed = acked, both latencies recorded, integrity clean', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'consume-concurrent' });
    const samples: Sample[] = [];
    lt.on('sample', (s) => void samples.push(s));
    let drained = false;
    const result = await lt.run({
      name: 'concurrent',
      criteria: [
        { metric: 'consumer.latency.poll.p99', op: '<', value: 5000 },
        { metric: 'integrity.missing', op: '==', value: 0 },
      ],
      async run(c) {
        await c.phase('both', async () => {
          const readers = await c.consume({ rate: 'max', consumers: 2, partitions: 3 });
          expect(readers.consumers).toBe(2);
          expect(readers.idleConsumers).toBe(0);
          const writers = await c.produce({ rate: 2000, producers: 2, partitions: 3, messageSize: 200 });
          await c.waitFor(2.5);
          await writers.stop();
          // Consumers read to the end before they stop.
          drained = await c.waitFor((s) => s.consumer.lag === 0 && s.totals.consumed >= s.totals.acked, { timeoutSeconds: 20 });
          await readers.stop();
        });
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    expect(drained).toBe(true);
    const p = result.producer;
    const c = result.consumer;
    expect(p.acked).toBeGreaterThan(3000);
    expect(c.consumed).toBe(p.acked);
    expect(c.bytes).toBe(p.acked * 200);
    expect(c.foreign).toBe(0);
    expect(c.polls).toBeGreaterThan(0);
    expect(c.latency.poll.count).toBe(c.polls);
    expect(c.latency.endToEnd.count).toBe(c.consumed);
    expect(c.latency.poll.p50).toBeGreaterThan(0);
    expect(c.latency.endToEnd.p50).toBeGreaterThan(0);
    expect(c.msgsPerSec).toBeGreaterThan(0);
    expect(c.activeSeconds).toBeGreaterThan(2.5);
    expect(c.lag.final).toBe(0);
    expect(c.idleConsumers).toBe(0);
    expect(summarizeEncoded(result.histograms['consumer.poll'])).toEqual(c.latency.poll);
    expect(summarizeEncoded(result.histograms['consumer.endToEnd'])).toEqual(c.latency.endToEnd);
    expect(result.integrity).toMatchObject({
      checked: true,
      missing: 0,
      duplicates: 0,
      corrupted: 0,
      offsetMismatches: 0,
      lostAcked: 0,
      unackedSeen: 0,
      ackedMapped: p.acked,
      consumedChecked: p.acked,
      expectedMissing: 0,
      dataLoss: false,
    });
    expect(result.phases[0]!.consumer.consumed).toBe(c.consumed);
    // Samples add up to the totals; lag appears per partition.
    expect(samples.reduce((a, s) => a + s.consumer.consumed, 0)).toBe(c.consumed);
    expect(samples.at(-1)!.totals.consumed).toBe(c.consumed);
    expect(samples.some((s) => Object.keys(s.consumer.lagByPartition).length === 3)).toBe(true);
    expect(samples.at(-1)!.integrity).toEqual({
      checked: true,
      missing: 0,
      duplicates: 0,
      reordered: result.integrity.reordered,
      corrupted: 0,
    });
    expect(result.criteria.every((o) => o.passed)).toBe(true);
    expect(result.config).toMatchObject({
      consumerGroups: [expect.objectContaining({ consumers: 2, rate: 'max', startAt: 'earliest', partitions: 3 })],
    });
  });

  it('find the records the target acked but dropped: exactly every 1000th sequence, judged as data loss', async () => {
    const lossy = await startAgent({ grpcPort: 0, httpPort: 0, dropEvery: 1000 });
    try {
      const logs: LogEntry[] = [];
      const lt = createLoadTest({ target: lossy.grpcAddress, resultsDir: false, topic: 'consume-lossy' });
      lt.on('log', (e) => void logs.push(e));
      const result = await lt.run({
        name: 'lossy',
        criteria: [{ metric: 'integrity.missing', op: '==', value: 0 }],
        async run(c) {
          const readers = await c.consume({ rate: 'max' });
          // One batch in flight: the agent appends in sequence order, so its Nth record is sequence N - 1.
          // 5,500 records: the 5th dropped one (sequence 4999) has later records after it, so it is a gap.
          const writer = await c.produce({ rate: 5000, messagesPerProducer: 5500, maxInFlight: 1, messageSize: 100 });
          await Promise.race([writer.done, c.waitFor(20)]);
          await writer.stop();
          await c.waitFor((s) => s.consumer.lag === 0 && s.totals.consumed >= s.totals.acked - 5, { timeoutSeconds: 20 });
          await readers.stop();
        },
      });
      expect(result.state, JSON.stringify(result.errors)).toBe('completed');
      expect(result.producer.acked).toBe(5500);
      expect(result.consumer.consumed).toBe(5495);
      const i = result.integrity;
      expect(i).toMatchObject({
        checked: true,
        missing: 5,
        duplicates: 0,
        reordered: 0,
        consumedChecked: 5495,
        expectedMissing: 0,
        dataLoss: true,
        lostAcked: 5, // the same records, found from their acks
        offsetMismatches: 0,
      });
      expect(i.examples.filter((e) => e.kind === 'missing')).toEqual(
        [999, 1999, 2999, 3999, 4999].map((sequence) => ({ kind: 'missing', producer: 0, partition: 0, sequence })),
      );
      expect(result.errors).toContainEqual(expect.objectContaining({ code: 'LH_DATA_LOSS' }));
      expect(logs.some((l) => l.level === 'warn' && /Data loss/.test(l.message))).toBe(true);
      expect(result.criteria[0]).toMatchObject({ measured: 5, passed: false });

      // Consumers that stop while producers still run cannot know their gaps are final: no verdict, a warning.
      const early: LogEntry[] = [];
      const lt2 = createLoadTest({ target: lossy.grpcAddress, resultsDir: false, topic: 'consume-lossy-early' });
      lt2.on('log', (e) => void early.push(e));
      const r2 = await lt2.run({
        name: 'lossy-early',
        criteria: [],
        async run(c) {
          const readers = await c.consume({ rate: 'max' });
          const writer = await c.produce({ rate: 2000, maxInFlight: 1, messageSize: 100 });
          await c.waitFor((s) => s.totals.consumed > 1200, { timeoutSeconds: 20 });
          await readers.stop();
          await writer.stop();
        },
      });
      expect(r2.state, JSON.stringify(r2.errors)).toBe('completed');
      expect(r2.integrity.missing).toBeGreaterThanOrEqual(1); // sequence 999
      expect(r2.integrity.dataLoss).toBe(false);
      expect(r2.errors.filter((e) => e.code === 'LH_DATA_LOSS')).toEqual([]);
      expect(early.some((l) => l.level === 'warn' && /stopped while producers still ran/.test(l.message))).toBe(true);
    } finally {
      await lossy.stop();
    }
  });

  it('expect the records of failed batches to be missing: they took sequences, so they are no data loss', async () => {
    // The agent refuses requests over 1024 bytes without storing them: 20 x 100 B batches fail, small ones pass.
    const strict = await startAgent({ grpcPort: 0, httpPort: 0, maxRequestBytes: 1024 });
    try {
      const lt = createLoadTest({ target: strict.grpcAddress, resultsDir: false, topic: 'consume-failed-batches' });
      const result = await lt.run({
        name: 'failed-batches',
        criteria: [],
        async run(c) {
          const readers = await c.consume({ rate: 'max' });
          const w = await c.produce({ rate: 400, batchSize: 20, lingerMs: 5, messageSize: 100 });
          await c.waitFor(0.7);
          w.setRate(8000); // full batches: refused
          await c.waitFor(0.5);
          w.setRate(400);
          await c.waitFor(0.7);
          await w.stop();
          await c.waitFor((s) => s.consumer.lag === 0 && s.totals.consumed >= s.totals.acked, { timeoutSeconds: 20 });
          await readers.stop();
        },
      });
      expect(result.state, JSON.stringify(result.errors)).toBe('completed');
      const p = result.producer;
      expect(p.failed).toBeGreaterThan(0);
      expect(p.errorsByCode.RESOURCE_EXHAUSTED).toBe(p.failed);
      expect(result.consumer.consumed).toBe(p.acked);
      const i = result.integrity;
      expect(i.expectedMissing).toBe(p.failed);
      // The refused records below the last stored one are gaps; none beyond what failed.
      expect(i.missing).toBeGreaterThan(0);
      expect(i.missing).toBeLessThanOrEqual(p.failed);
      expect(i.duplicates).toBe(0);
      expect(i.dataLoss).toBe(false);
      expect(result.errors.filter((e) => e.code === 'LH_DATA_LOSS')).toEqual([]);
    } finally {
      await strict.stop();
    }
  });

  it('build lag below the produce rate and clear it after setRate("max")', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'consume-lag', intervalMs: 500 });
    const samples: Sample[] = [];
    lt.on('sample', (s) => void samples.push(s));
    let lagBuilt = 0;
    let cleared = false;
    let producingFrom = 0;
    let switchedAt = 0;
    const result = await lt.run({
      name: 'lag',
      criteria: [],
      async run(c) {
        const readers = await c.consume({ rate: 500, consumers: 2, partitions: 2 });
        const writers = await c.produce({ rate: 2000, producers: 2, partitions: 2, messageSize: 100 });
        producingFrom = c.elapsedSeconds();
        await c.waitFor(3);
        await writers.stop();
        lagBuilt = c.latest!.consumer.lag;
        switchedAt = c.elapsedSeconds();
        readers.setRate('max');
        cleared = await c.waitFor((s) => s.consumer.lag === 0, { timeoutSeconds: 20 });
        await readers.stop();
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    // About 3 s x (2000 - 500)/s: far more than a few records, whatever the noise.
    expect(lagBuilt).toBeGreaterThan(1500);
    // While limited (samples of whole windows between the start of producing and the switch), lag grows.
    const limited = samples.filter((s) => s.elapsedSeconds - s.intervalSeconds >= producingFrom && s.elapsedSeconds <= switchedAt);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(limited.at(-1)!.consumer.lag).toBeGreaterThan(limited[0]!.consumer.lag);
    // ...and consumers read near their rate, not as fast as they could.
    for (const s of limited.slice(1)) expect(s.consumer.msgsPerSec).toBeLessThan(1000);
    expect(cleared).toBe(true);
    expect(result.consumer.lag.final).toBe(0);
    expect(result.consumer.lag.max).toBeGreaterThanOrEqual(lagBuilt);
    expect(result.consumer.consumed).toBe(result.producer.acked);
    expect(result.integrity).toMatchObject({ missing: 0, duplicates: 0, dataLoss: false });
  });

  it('start at latest, and resume a group at its committed offsets', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'consume-offsets' });
    const seen: Record<string, unknown> = {};
    const result = await lt.run({
      name: 'offsets',
      criteria: [],
      async run(c) {
        await c.phase('first', async () => {
          const w = await c.produce({ rate: 2000, partitions: 2, producers: 2, messagesPerProducer: 300, messageSize: 64 });
          await w.done;
          await w.stop();
          const g = await c.consume({ rate: 'max', consumers: 2, group: 'resumer', commitEverySeconds: 0.2 });
          await c.waitFor((s) => s.totals.consumed >= 600, { timeoutSeconds: 20 });
          await g.stop(); // commits the final offsets
        });
        await c.phase('latest', async () => {
          const g = await c.consume({ rate: 'max', startAt: 'latest' });
          seen.latestStart = g.startOffsets;
          const w = await c.produce({ rate: 2000, producers: 2, messagesPerProducer: 100, messageSize: 64 });
          await w.done;
          await w.stop();
          await c.waitFor((s) => s.consumer.lag === 0, { timeoutSeconds: 20 });
          await g.stop();
        });
        await c.phase('resume', async () => {
          const g = await c.consume({ rate: 'max', consumers: 2, group: 'resumer', startAt: 'committed' });
          seen.committedStart = g.startOffsets;
          await c.waitFor((s) => s.consumer.lag === 0 && s.consumer.polls > 0, { timeoutSeconds: 20 });
          await c.waitFor(0.5);
          await g.stop();
        });
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    const [first, latest, resume] = result.phases;
    expect(first!.consumer.consumed).toBe(600);
    // `latest` starts at the high watermark: only the records produced after it.
    expect(seen.latestStart).toEqual({ 0: 300, 1: 300 });
    expect(latest!.consumer.consumed).toBe(200);
    // The committed group resumes where it stopped: it reads the 200 records it had not seen, no more.
    expect(seen.committedStart).toEqual({ 0: 300, 1: 300 });
    expect(resume!.consumer.consumed).toBe(200);
    expect(result.integrity).toMatchObject({ missing: 0, duplicates: 0, dataLoss: false });
  });

  it('leave consumers beyond the partition count idle, and say so', async () => {
    const logs: LogEntry[] = [];
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'consume-idle' });
    lt.on('log', (e) => void logs.push(e));
    const result = await lt.run({
      name: 'idle',
      criteria: [],
      async run(c) {
        const g = await c.consume({ rate: 'max', consumers: 5, partitions: 2 });
        expect(g.consumers).toBe(2);
        expect(g.idleConsumers).toBe(3);
        await c.waitFor(0.3);
        await g.stop();
      },
    });
    expect(result.consumer.idleConsumers).toBe(3);
    expect(logs.some((l) => l.level === 'warn' && /leaves 3 idle/.test(l.message))).toBe(true);
  });

  it('refuse bad options before anything runs, naming the option', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'consume-bad' });
    const errors: string[] = [];
    await lt.run({
      name: 'bad',
      criteria: [],
      async run(c) {
        for (const o of [
          { rate: -1 },
          { rate: 'fast' },
          { rate: 'max', consumers: 0 },
          { rate: 'max', startAt: 'middle' },
          { rate: 'max', speed: 1 },
        ]) {
          await c.consume(o as never).catch((err: Error) => errors.push(err.message));
        }
      },
    });
    expect(errors).toEqual([
      expect.stringMatching(/^options\.rate must be a positive number of records per second or 'max', got -1/),
      expect.stringMatching(/^options\.rate must be .* got "fast"/),
      expect.stringMatching(/^options\.consumers must be a positive integer, got 0/),
      expect.stringMatching(/^options\.startAt must be 'earliest', 'latest' or 'committed', got "middle"/),
      expect.stringMatching(/^options\.speed is not an option loadhouse knows/),
    ]);
  });
});
