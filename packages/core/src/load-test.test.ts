// End-to-end runs against the reference agent over real sockets: books, rate, files, latency truth, abort.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadTest, type LoadTestResult, type Sample } from './index.js';
import { decodeRecordHeader, StreamHouseClient } from './wire.js';
import { summarizeEncoded } from './histogram.js';
import { initHistograms } from './metrics/histogram.js';
import { agentForTests, expectBooksBalance } from './test-support.js';

const agent = agentForTests();
let dir: string;

beforeAll(async () => {
  await initHistograms();
  dir = await mkdtemp(path.join(tmpdir(), 'loadhouse-core-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every record the target stored, decoded from its value header. */
async function storedRecords(topic: string, partitions: number) {
  const client = new StreamHouseClient(agent.grpcAddress);
  const out: Array<{
    partition: number;
    producerId: number;
    sequence: number;
    headerPartition: number;
    length: number;
    valueLength: number;
  }> = [];
  try {
    for (let partition = 0; partition < partitions; partition++) {
      let offset = 0;
      for (;;) {
        const res = await client.consume({ topic, partition, offset, maxRecords: 1000 });
        for (const rec of res.records) {
          const h = decodeRecordHeader(rec.value);
          expect(h).not.toBeNull();
          out.push({
            partition,
            producerId: h!.producerId,
            sequence: h!.sequence,
            headerPartition: h!.partition,
            length: h!.length,
            valueLength: rec.value.byteLength,
          });
          offset = rec.offset + 1;
        }
        if (!res.hasMore) break;
      }
    }
  } finally {
    client.close();
  }
  return out;
}

describe('a load test against the reference agent', () => {
  it('runs a short open-model test: balanced books, the requested rate, stored records intact, result files', async () => {
    // The agent runs in this process: its PID gives the target's resource series.
    const lt = createLoadTest({
      target: { address: agent.grpcAddress, pid: agent.pid },
      resultsDir: dir,
      checkpointSeconds: 1,
      topic: 'short-run',
    });
    const events: Sample[] = [];
    const iterated: Sample[] = [];
    let checkpoint: LoadTestResult | undefined;
    lt.on('sample', (s) => void events.push(s));
    const iterating = (async () => {
      for await (const s of lt.samples()) iterated.push(s);
    })();
    const result = await lt.run({
      name: 'short',
      criteria: [{ metric: 'producer.errors', op: '==', value: 0 }],
      async run(c) {
        await c.phase('steady', async () => {
          const group = await c.produce({ rate: 2000, producers: 2, partitions: 2, messageSize: 256 });
          expect(group.producers).toBe(2);
          expect(group.partitions).toBe(2);
          await c.waitFor(2);
          // A checkpoint (checkpointSeconds: 1) is on disk while the run goes on.
          const files = await readdir(dir);
          const f = files.find((n) => n.startsWith('short-') && n.endsWith('.json'));
          if (f) checkpoint = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as LoadTestResult;
          await c.waitFor(1.5);
          await group.stop();
        });
      },
    });
    await iterating;

    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    expect(result.partial).toBe(false);
    expect(result.endReason).toBe('completed');
    expectBooksBalance(result);
    const p = result.producer;
    expect(p.failed).toBe(0);
    expect(p.dropped).toBe(0);
    // About 3.5 s at 2000/s (plus the time the scenario spent reading the checkpoint), whatever the
    // worker start-up took: the schedule produced the requested count.
    expect(p.activeSeconds).toBeGreaterThan(3.4);
    expect(p.activeSeconds).toBeLessThan(6);
    expect(Math.abs(p.scheduled / (2000 * p.activeSeconds) - 1)).toBeLessThan(0.03);
    expect(p.rateErrorPercent).toBeLessThan(3);
    expect(Math.abs(p.msgsPerSec / 2000 - 1)).toBeLessThan(0.03);
    expect(p.targetRate).toBeCloseTo(2000, -1);
    expect(p.latency.response.count).toBe(p.acked);
    expect(p.latency.service.count).toBe(p.acked);
    expect(p.latency.scheduleLag.count).toBe(p.acked);
    expect(p.latency.response.p50).toBeGreaterThanOrEqual(p.latency.service.p50);
    expect(summarizeEncoded(result.histograms['producer.response'])).toEqual(p.latency.response);
    expect(summarizeEncoded(result.histograms['producer.scheduleLag']).count).toBe(p.acked);

    // Samples: one per interval, their windows add up to the totals (no warm-up), iterator = events.
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(iterated.length).toBe(events.length);
    expect(result.series.length).toBe(events.length);
    expect(events.reduce((a, s) => a + s.producer.acked, 0)).toBe(p.acked);
    expect(events.at(-1)!.totals.acked).toBe(p.acked);
    expect(events.every((s) => !s.warmup)).toBe(true);

    // The phase saw the whole load (its stop and drain happened inside it).
    expect(result.phases).toHaveLength(1);
    expect(result.phases[0]!.name).toBe('steady');
    expect(result.phases[0]!.producer.acked).toBe(p.acked);
    expect(result.criteria).toEqual([{ metric: 'producer.errors', op: '==', value: 0, measured: 0, passed: true }]);

    // What the target stored: every record once, per producer a gap-free sequence, on its own partitions.
    const stored = await storedRecords('short-run', 2);
    expect(stored).toHaveLength(p.acked);
    for (const producerId of [0, 1]) {
      const seqs = stored
        .filter((r) => r.producerId === producerId)
        .map((r) => r.sequence)
        .sort((a, b) => a - b);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs[0]).toBe(0);
      expect(seqs.at(-1)).toBe(seqs.length - 1);
    }
    expect(stored.every((r) => r.partition === r.headerPartition && r.partition === r.producerId)).toBe(true);
    expect(stored.every((r) => r.length === 256 && r.valueLength === 256)).toBe(true);

    // The result file: final, equal to the returned result; a partial checkpoint existed during the run.
    expect(result.resultPath).toBeDefined();
    expect(path.basename(result.resultPath!)).toMatch(/^short-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/);
    const onDisk = JSON.parse(await readFile(result.resultPath!, 'utf8')) as LoadTestResult;
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(result)));
    expect(checkpoint).toBeDefined();
    expect(checkpoint!.partial).toBe(true);
    expect(checkpoint!.endReason).toBe('checkpoint');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    expect(result.environment).toMatchObject({ node: process.version, loadhouseVersion: expect.any(String) });
    expect(result.config).toMatchObject({
      topic: 'short-run',
      producerGroups: [expect.objectContaining({ rate: 2000, producers: 2, partitions: 2 })],
    });
    // Saturation is judged over the windows that carried load (not the worker start-up before it).
    expect(result.generator.totalWindows).toBeGreaterThanOrEqual(3);
    expect(result.generator.totalWindows).toBeLessThanOrEqual(events.length);
    expect(events.at(-1)!.target.rssBytes).toBeGreaterThan(0);
    expect(result.resources).toMatchObject({ target: { pid: agent.pid, peakRssBytes: expect.any(Number) } });
    // Growth is judged after start-up, over at least 10 samples: a run this short may have none.
    expect(result.resources).toHaveProperty('memoryGrowthPercent');
  });

  it('measures the target truthfully: service p50 within [20, 30] ms under a fixed 20 ms produce delay', async () => {
    agent.setFaults({ produceLatencyMs: 20 });
    try {
      const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'latency-truth' });
      const result = await lt.run({
        name: 'latency-truth',
        criteria: [],
        async run(c) {
          // Few calls (~50/s): the figure should be the target's delay, not this busy machine's scheduling.
          await c.produce({ rate: 200, lingerMs: 20, messageSize: 128 });
          await c.waitFor(2.5);
        },
      });
      expect(result.state).toBe('completed');
      expect(result.resultPath).toBeUndefined();
      expectBooksBalance(result);
      const lat = result.producer.latency;
      expect(lat.service.p50).toBeGreaterThanOrEqual(20);
      expect(lat.service.p50).toBeLessThanOrEqual(30);
      // Response = schedule lag + service, so it can never be below service.
      expect(lat.response.p50).toBeGreaterThanOrEqual(lat.service.p50);
    } finally {
      agent.setFaults({ produceLatencyMs: 0 });
    }
  });

  it('an aborted signal mid-run ends it as aborted and partial, drained, with the file written', async () => {
    const ac = new AbortController();
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: dir, topic: 'abort-run', signal: ac.signal });
    lt.on('sample', (s) => {
      if (s.producer.acked > 0) ac.abort();
    });
    const started = Date.now();
    const result = await lt.run({
      name: 'abort',
      criteria: [],
      async run(c) {
        await c.produce({ rate: 1000 });
        const finished = await c.waitFor(60);
        expect(finished).toBe(false); // waitFor returns early once the run ends
        expect(c.signal.aborted).toBe(true);
      },
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.state).toBe('aborted');
    expect(result.partial).toBe(true);
    expect(result.endReason).toBe('signal');
    expect(result.producer.acked).toBeGreaterThan(0);
    expectBooksBalance(result);
    const onDisk = JSON.parse(await readFile(result.resultPath!, 'utf8')) as LoadTestResult;
    expect(onDisk).toMatchObject({ state: 'aborted', partial: true, endReason: 'signal' });
  });
});
