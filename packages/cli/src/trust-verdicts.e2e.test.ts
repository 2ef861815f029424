// Verdicts that must be true of the whole run: long durations do not end a run at once, data loss fails
// it, outages are named as such, and a stalled generator is flagged. Real agent, real sockets.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startAgent } from '@loadhouse/agent';
import { createLoadTest } from '@loadhouse/core';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { stability } from '@loadhouse/scenarios';
import { formatSummary } from './summary.js';
import { args, runCli } from './test-io.js';
import { onlyResult, tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-verdicts-');

describe('durations longer than a timer can hold', () => {
  it('a 30-day stability run is still running after three windows of load; stopped, it is partial, not completed', async () => {
    const agent = await startAgent({ grpcPort: 0, httpPort: 0 });
    try {
      const test = createLoadTest({ target: agent.grpcAddress, resultsDir: false, workers: 1 });
      // Stopped after three windows of acknowledged load: an overflowing timer ends the run within the first.
      let loadedWindows = 0;
      test.on('sample', (s) => {
        if (s.producer.acked > 0 && ++loadedWindows === 3) test.stop('the test has seen enough');
      });
      const result = await test.run(stability({ durationSeconds: 30 * 86400, targetRate: 200, partitions: 1 }));
      expect(loadedWindows).toBeGreaterThanOrEqual(3);
      expect(result.endReason, result.endMessage).toBe('stopped');
      expect(result.state).toBe('aborted');
      expect(result.partial).toBe(true);
    } finally {
      await agent.stop();
    }
  });

  it('refuses a connect timeout no timer can hold with a coded error, exit 2, before any load', async () => {
    const dir = tempDir();
    const { code, io } = await runCli(
      args`run high-throughput --duration 2 --target-rate 100 --partitions 1 --connect-timeout 3000000 --results-dir ${dir}`,
    );
    expect(code, io.err).toBe(2);
    expect(io.err).toMatch(/LH_INVALID_OPTION/);
    expect(io.err).toMatch(/connect-timeout/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(0);
  });
});

describe('data loss fails the run', () => {
  it('consumer-lag with a dropping agent exits 1 with the integrity criterion failed in the table', async () => {
    const dir = tempDir();
    // 4 s at 1000 msgs/s (4,000-4,002 records) loses 8 records, the 470th, 940th, ... 3,760th; the catch-up has up to
    // 8 s to read the 2000 left (it ends as soon as it has: about a second on a quiet machine), so loss is judged
    // even when the machine stalls the consumers. Not every 500th: when the run made exactly 4,000 records the last
    // one was dropped, the log's end then lies past every record kept, and the consumers stop with lag 1, where
    // gaps are rightly not judged as loss.
    const { code, io } = await runCli(
      args`run consumer-lag --produce-rate 1000 --consume-rate 500 --duration 8 --partitions 1 --agent-drop-every 470 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.integrity.dataLoss, io.err).toBe(true);
    const missing = result.criteria.find((c) => c.metric === 'integrity.lost');
    expect(missing?.passed).toBe(false);
    expect(missing!.measured).toBeGreaterThan(0);
    expect(result.criteria.find((c) => c.metric === 'integrity.duplicates')?.passed).toBe(true);
    expect(io.out).toMatch(/❌ No records lost/);
    // Diagnosed: the loss is the first likely cause, printed under the criteria.
    expect(result.diagnosis?.[0], JSON.stringify(result.diagnosis)).toMatchObject({ cause: 'data-loss', confidence: 'high' });
    expect(result.diagnosis![0]!.explains).toContain('No records lost');
    expect(io.out).toMatch(
      /Success criteria:[\s\S]*Likely causes[^\n]*\n {2}1\. data-loss \(high confidence\) explains: [^\n]*No records lost/,
    );
    expect(code, io.out + io.err).toBe(1);
  });

  it('an agent that loses the tail of every stream fails "No records lost", though no gap shows it', async () => {
    const dir = tempDir();
    // From the 2001st record on, batches are acked past the log's end and kept nowhere; the consumers read to
    // the (unmoved) end, so only the check against acknowledgements sees the loss.
    const { code, io } = await runCli(
      args`run high-throughput --duration 3 --warmup 0 --target-rate 1000 --partitions 1 --consumers 1 --agent-lose-tail-from 2001 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.integrity, io.err).toMatchObject({ checked: true, missing: 0 });
    expect(result.integrity.lostAcked).toBeGreaterThan(0);
    const lost = result.criteria.find((c) => c.metric === 'integrity.lost')!;
    expect(lost).toMatchObject({ passed: false, measured: result.integrity.lostAcked });
    expect(io.out).toMatch(/❌ No records lost/);
    expect(result.diagnosis?.[0]).toMatchObject({ cause: 'data-loss', confidence: 'high' });
    expect(code, io.out + io.err).toBe(1);
  });

  it('a corrupting agent that also acks batches at the wrong offsets fails the record-level criteria', async () => {
    const dir = tempDir();
    const { code, io } = await runCli(
      args`run consumer-lag --produce-rate 1000 --consume-rate 1000 --duration 3 --partitions 1 --agent-corrupt-every 300 --agent-ack-offset-shift-every 4 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.integrity.corrupted, io.err).toBeGreaterThan(0);
    expect(result.integrity.offsetMismatches).toBeGreaterThan(0);
    expect(result.integrity).toMatchObject({ missing: 0, unackedSeen: 0 });
    expect(result.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['LH_DATA_CORRUPTED', 'LH_ACK_MISMATCH']));
    expect(io.out).toMatch(/❌ No corrupted records/);
    expect(io.out).toMatch(/❌ Records at their acknowledged offsets/);
    expect(io.out).toMatch(/against acks: offset mismatches [1-9]/);
    expect(code, io.out + io.err).toBe(1);
  });
});

describe('target outages', () => {
  it('a 4 s stall of the target is an outage: named in the summary, rate criterion failed, generator not blamed', async () => {
    const dir = tempDir();
    // Latency is not what this test judges: its bound is wide so only the outage can fail the run.
    const { code, io } = await runCli(
      args`run high-throughput --duration 12 --target-rate 1000 --partitions 1 --p99-ms 600000 --agent-stall 2-6 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.producer.acked, io.err).toBeGreaterThan(0);
    expect(result.outages?.windows).toBeGreaterThanOrEqual(1);
    expect(result.series.some((s) => s.outage)).toBe(true);
    const rate = result.criteria.find((c) => c.metric === 'producer.rateErrorPercent')!;
    expect(rate.passed).toBe(false);
    expect(rate.note).toMatch(/outage/);
    // The outage windows and the catch-up right after them are the target's doing, not the generator's.
    const last = result.series.findLastIndex((s) => s.outage);
    const suspects = result.series.slice(0, last + 2).filter((s, i) => s.outage || i === last + 1);
    expect(suspects.flatMap((s) => s.generator.reasons).join('\n')).not.toMatch(/fell behind schedule/);
    expect(io.out).toMatch(/Target outage: no record acknowledged/);
    // Diagnosed: the outage comes first and explains the failed rate criterion.
    expect(result.diagnosis?.[0], JSON.stringify(result.diagnosis)).toMatchObject({ cause: 'target-unreachable', confidence: 'high' });
    expect(result.diagnosis![0]!.explains).toContain(rate.label ?? rate.metric);
    expect(io.out).toMatch(/1\. target-unreachable \(high confidence\)/);
    expect(code, io.out + io.err).toBe(1);
  });
});

describe('a slow target is not an outage', () => {
  it('1.5 s per produce call: a slow first answer and acks in bursts are no outage', async () => {
    const dir = tempDir();
    const { io } = await runCli(
      args`run high-throughput --duration 5 --target-rate 200 --partitions 1 --agent-produce-latency-ms 1500 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    expect(result.producer.acked, io.err).toBeGreaterThan(0);
    expect(result.outages).toEqual({ windows: 0, seconds: 0, spans: [] });
    expect(io.out).not.toMatch(/Target outage/);
  });

  it('answers that, times the in-flight windows, hold the rate down make records late: the target, not the generator', async () => {
    const dir = tempDir();
    // 1 producer x 4 batches in flight x 10 records / ~40 ms per call: about 1,000 of the 1,500 msgs/s asked.
    const { code, io } = await runCli(
      args`run high-throughput --duration 4 --warmup 0 --target-rate 1500 --partitions 1 --producers 1 --max-in-flight 4 --batch-size 10 --agent-produce-latency-ms 40 --results-dir ${dir}`,
    );
    const result = onlyResult(dir);
    const loaded = result.series.filter((s) => s.producer.acked > 0);
    const behind = loaded.filter((s) => (s.generator.windowFullWaits ?? 0) > 0 && s.producer.latency.scheduleLag.p99 > 200);
    expect(behind.length, io.err).toBeGreaterThanOrEqual(2);
    // Where the worker and the machine had time to spare, the lateness is not the generator's. (On a machine
    // whose cores are all busy, a starved generator cannot be told from a slow target: those windows stay blamed.)
    const spare = behind.filter((s) => s.generator.workerUtilizationMax < 0.8 && (s.generator.machineBusyPercent ?? 100) < 90);
    for (const s of spare) expect(s.generator.inFlightBound).toMatch(/^the producers could not offer the load/);
    const reasons = spare.flatMap((s) => s.generator.reasons).join('\n');
    expect(reasons, JSON.stringify(result.series.map((s) => s.generator))).not.toMatch(/fell behind schedule/);
    expect(result.criteria.find((c) => c.metric === 'producer.rateErrorPercent')?.passed).toBe(false);
    const d = result.diagnosis?.find((x) => x.cause === 'in-flight-limit');
    expect(d, JSON.stringify(result.diagnosis)).toBeDefined();
    const bound = d!.evidence.find((e) => e.metric === 'producer.inFlightBoundMsgsPerSec')!.value;
    expect(bound).toBeGreaterThan(300);
    expect(bound).toBeLessThan(1500);
    expect(io.out).toMatch(/in-flight-limit/);
    expect(code, io.out + io.err).toBe(1);
  });
});

describe('target outages (NOT_FOUND)', () => {
  it('a target that lost its topic answers NOT_FOUND for 3 s: an outage in the result and the summary', async () => {
    const agent = await startAgent({ grpcPort: 0, httpPort: 0 });
    const admin = new StreamHouseClient(agent.grpcAddress);
    try {
      const topic = 'verdicts-not-found';
      const test = createLoadTest({ target: agent.grpcAddress, resultsDir: false, workers: 1, topic });
      let loaded = 0;
      let gone: Promise<unknown> | undefined;
      // The agent may still be deleting the old topic (UNAVAILABLE): try again.
      const recreate = async (): Promise<void> => {
        for (let i = 0; ; i++) {
          try {
            await admin.call('CreateTopic', { name: topic, partitionCount: 1 });
            return;
          } catch (err) {
            if (i >= 20) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      };
      test.on('sample', (s) => {
        // Like a restart with fresh data: the topic disappears, then comes back empty 3 s later.
        if (s.producer.acked > 0 && ++loaded === 2) {
          gone = admin
            .call('DeleteTopic', { name: topic })
            .then(() => new Promise((r) => setTimeout(r, 3000)))
            .then(() => recreate());
        }
      });
      const result = await test.run({
        name: 'steady',
        criteria: [{ metric: 'producer.rateErrorPercent', op: '<=', value: 100 }],
        async run(c) {
          const p = await c.produce({ rate: 300, partitions: 1 });
          await c.waitFor(() => gone !== undefined, { timeoutSeconds: 20 });
          await gone;
          await c.waitFor(3);
          await p.stop();
        },
      });
      expect(result.producer.errorsByCode.NOT_FOUND, JSON.stringify(result.errors)).toBeGreaterThan(0);
      expect(result.outages!.windows).toBeGreaterThanOrEqual(1);
      expect(result.series.filter((s) => s.outage).every((s) => s.producer.acked === 0 && s.producer.scheduled > 0)).toBe(true);
      expect(formatSummary(result)).toMatch(/Target outage: no record acknowledged while records were due for [\d.]+ s/);
    } finally {
      admin.close();
      await agent.stop();
    }
  });
});

describe('generator stalls', () => {
  it('a listener blocking the main thread for 2 s flags the window it stretched, though the p99 does not move', async () => {
    const agent = await startAgent({ grpcPort: 0, httpPort: 0 });
    try {
      const test = createLoadTest({ target: agent.grpcAddress, resultsDir: false, workers: 1 });
      let blocked = false;
      test.on('sample', (s) => {
        if (blocked || s.producer.acked === 0) return;
        blocked = true;
        const until = Date.now() + 2000;
        while (Date.now() < until) {
          // a plugin doing synchronous work on the main thread
        }
      });
      const result = await test.run({
        name: 'steady',
        criteria: [],
        async run(c) {
          const p = await c.produce({ rate: 200, partitions: 1 });
          await c.waitFor(5);
          await p.stop();
        },
      });
      expect(blocked).toBe(true);
      const stalled = result.series.filter((s) => s.generator.reasons.some((r) => /stalled|held up/.test(r)));
      expect(stalled.length, JSON.stringify(result.series.map((s) => [s.intervalSeconds, s.generator.reasons]))).toBeGreaterThanOrEqual(1);
      expect(stalled.every((s) => s.generator.saturated)).toBe(true);
      const seen = JSON.stringify(result.series.map((s) => [s.intervalSeconds, s.generator]));
      expect(result.generator.warnings.join('\n'), seen).toMatch(/the main thread stalled: one event-loop delay of \d+ ms/);
    } finally {
      await agent.stop();
    }
  });
});
