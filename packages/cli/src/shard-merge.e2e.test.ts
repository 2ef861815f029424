// Scale-out: two shards side by side against one agent, then `loadhouse merge`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeResults, type LoadTestResult, type PhaseResult } from '@loadhouse/core';
import { addEncoded, createHistogram, encodeHistogram, initHistograms, recordMs, summarizeHistogram } from '@loadhouse/core/histogram';
import { percentileNote } from './merge-command.js';
import { args, runCli } from './test-io.js';
import { agentForTests } from '../../core/src/test-support.js';
import { tempDirs } from './test-files.js';

const agent = agentForTests();
const dir = tempDirs('lh-shards-')();
beforeAll(() => initHistograms());

/**
 * One shard, run in this process as `loadhouse run` (two side by side share the machine like two pods a node).
 * All shards of one run get the same --start-at so their windows line up for the merge.
 */
function runShard(index: number, runId: string, resultsDir: string, startAt: number): Promise<{ code: number; err: string }> {
  return runCli(
    args`run high-throughput --target ${agent.grpcAddress} --http-target ${agent.httpAddress} --duration 3 --target-rate 1200
      --partitions 4 --shard ${index}/2 --run-id ${runId} --results-dir ${resultsDir} --quiet
      --start-at ${new Date(startAt).toISOString()}`,
  ).then(({ code, io }) => ({ code, err: io.err }));
}

const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as LoadTestResult;
const producePhase = (r: LoadTestResult) => r.phases.find((p) => p.name === 'produce')!;

/** Gives a result's produce phase response latencies of exactly `from`..`to` ms, one record each. */
function withPhaseLatencies(r: LoadTestResult, from: number, to: number): LoadTestResult {
  const h = createHistogram();
  for (let ms = from; ms <= to; ms++) recordMs(h, ms);
  const phase: PhaseResult = producePhase(r);
  const copy: PhaseResult = {
    ...phase,
    producer: { ...phase.producer, latency: { ...phase.producer.latency, response: summarizeHistogram(h) } },
    histograms: { ...phase.histograms, 'producer.response': encodeHistogram(h) },
  };
  h.destroy();
  return { ...r, phases: r.phases.map((p) => (p === phase ? copy : p)) };
}

describe('sharded run and merge', () => {
  it('two shards run side by side; the merge sums counters and merges histograms exactly', async () => {
    const shardDir = join(dir, 'run-a');
    const startAt = Date.now() + 8000;
    const [a, b] = await Promise.all([runShard(0, 'run-a', shardDir, startAt), runShard(1, 'run-a', shardDir, startAt)]);
    expect(a.code, a.err).not.toBe(2);
    expect(b.code, b.err).not.toBe(2);
    const files = readdirSync(shardDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(shardDir, f));
    expect(files).toHaveLength(2);
    const shards = files.map(read);
    expect(shards.map((s) => s.shard!.index).sort()).toEqual([0, 1]);
    // Each shard ran half the rate.
    for (const s of shards) {
      expect(s.producer.targetRate).toBeGreaterThan(500);
      expect(s.producer.targetRate).toBeLessThan(700);
    }

    const out = join(dir, 'merged.json');
    const { code, io: o } = await runCli(['merge', ...files, '-o', out]);
    expect(code, o.err).toBeLessThan(2);
    const merged = read(out);
    expect(merged.shard).toBeNull();
    expect(merged.producer.acked).toBe(shards[0]!.producer.acked + shards[1]!.producer.acked);
    expect(merged.producer.scheduled).toBe(shards[0]!.producer.scheduled + shards[1]!.producer.scheduled);
    expect(merged.producer.targetRate).toBeGreaterThan(1150);
    expect(merged.producer.targetRate).toBeLessThan(1250);

    // Exact percentiles: one histogram holding every record of both shards gives the same figures.
    const all = createHistogram();
    for (const s of shards) addEncoded(all, s.histograms['producer.response']!);
    const expected = summarizeHistogram(all);
    all.destroy();
    expect(merged.producer.latency.response).toEqual(expected);
    expect(merged.producer.latency.response.count).toBe(
      shards[0]!.producer.latency.response.count + shards[1]!.producer.latency.response.count,
    );

    // Per-phase percentiles are exact too: every shard stores the histograms of its phases.
    const union = createHistogram();
    for (const s of shards) addEncoded(union, producePhase(s).histograms!['producer.response']!);
    expect(producePhase(merged).producer.latency.response).toEqual(summarizeHistogram(union));
    expect(producePhase(merged).producer.latency.response.count).toBe(union.totalCount);
    expect(producePhase(merged).histograms!['producer.response']).toBe(encodeHistogram(union));
    union.destroy();

    // Criteria re-evaluated on the merged figures.
    const rate = merged.criteria.find((c) => c.metric === 'producer.rateErrorPercent')!;
    expect(rate.measured).toBeCloseTo(merged.producer.rateErrorPercent, 6);
    const p99 = merged.criteria.find((c) => c.metric === 'producer.latency.p99')!;
    expect(p99.measured).toBe(merged.producer.latency.response.p99);
    expect(merged.series.length).toBeGreaterThan(0);
    expect(o.out).toContain('Merged 2 shard result(s)');
    expect(o.out).toContain('Percentiles: overall and per phase exact (merged histograms); per interval the worst shard');
  }, 180_000);

  it('merges phase percentiles exactly, and falls back to the worst shard for phases stored without histograms', () => {
    // The shards of the first test, with known phase latencies: 1..1000 ms on one, 1001..2000 ms on the other.
    const files = readdirSync(join(dir, 'run-a'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, 'run-a', f));
    const [a, b] = files.map(read);
    const low = withPhaseLatencies(a!, 1, 1000);
    const high = withPhaseLatencies(b!, 1001, 2000);

    const exact = producePhase(mergeResults([low, high])).producer.latency.response;
    expect(exact.count).toBe(2000);
    // The median of 1..2000 is 1000 ms (HDR keeps 3 significant digits); the worst shard's would be 1500.
    expect(exact.p50).toBeGreaterThanOrEqual(999);
    expect(exact.p50).toBeLessThanOrEqual(1001);
    expect(exact.p99).toBeGreaterThanOrEqual(1978);
    expect(exact.p99).toBeLessThanOrEqual(1982);

    const older = { ...high, phases: high.phases.map((p) => ({ ...p, histograms: undefined })) };
    const fallback = producePhase(mergeResults([low, older]));
    expect(fallback.histograms).toBeUndefined();
    expect(fallback.producer.latency.response.p50).toBe(producePhase(high).producer.latency.response.p50);
    expect(fallback.producer.latency.response.p50).toBeGreaterThan(1490);
    expect(percentileNote(mergeResults([low, older]))).toContain('Phases produce: the worst shard');
    // Two whole runs are not shards of one: the refusal says so.
    const whole = { ...a!, shard: null };
    expect(() => mergeResults([whole, { ...whole }], { names: ['x.json', 'y.json'] })).toThrow(
      expect.objectContaining({
        code: 'LH_MERGE_MISMATCH',
        message: expect.stringContaining('y.json and x.json are two whole runs, not shards of one'),
      }),
    );
  });

  it("keeps a shard's target outage: summed in the merge, and its outage-failed rate criterion stays failed", () => {
    const files = readdirSync(join(dir, 'run-a'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, 'run-a', f));
    const [a, b] = files.map(read);
    const note = 'violated in 2 target-outage windows (no record acknowledged while records were due; 100 in the window ending at 3 s)';
    // A bound the merged rate surely meets: only the shard's outage can fail it.
    const criterion = { metric: 'producer.rateErrorPercent', op: '<=' as const, value: 100 };
    const down: LoadTestResult = {
      ...b!,
      outages: { windows: 2, seconds: 2, spans: [{ fromSeconds: 1, toSeconds: 3 }] },
      criteria: [{ ...criterion, measured: 1, passed: false, note }],
    };
    const merged = mergeResults([{ ...a!, outages: { windows: 0, seconds: 0, spans: [] } }, down], { criteria: [criterion] });
    expect(merged.outages).toEqual({ windows: 2, seconds: 2, spans: [{ fromSeconds: 1, toSeconds: 3 }] });
    const rate = merged.criteria.find((c) => c.metric === 'producer.rateErrorPercent')!;
    expect(rate.passed).toBe(false);
    expect(rate.note).toBe(`shard ${down.shard!.index}: ${note}`);
  });

  it('merges a histogram name it does not know (a later version may add one) exactly, and keeps it', async () => {
    const [first, second] = readdirSync(join(dir, 'run-a'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, 'run-a', f));
    const b = read(second!);
    const edited = join(dir, 'edited-shard.json');
    writeFileSync(edited, JSON.stringify({ ...b, histograms: { ...b.histograms, 'producer.future': Object.values(b.histograms)[0] } }));
    const out = join(dir, 'unknown-histogram.json');
    const { code, io: o } = await runCli(['merge', first!, edited, '-o', out]);
    expect(o.err).not.toContain('LH_RESULT_INVALID');
    expect(code).not.toBe(2);
    expect(read(out).histograms?.['producer.future']).toEqual(expect.any(String));
  });

  it('merges shards with consumers and transactions: each shard judges its reads against its own commits', async () => {
    // Each shard's consumer group starts at its own instant and each shard draws its own abort seed: per-shard
    // facts, not a different configuration.
    const shardDir = join(dir, 'run-tx');
    const startAt = Date.now() + 8000;
    const shard = (index: number) =>
      runCli(
        args`run high-throughput --target ${agent.grpcAddress} --topic shards-tx --duration 3 --target-rate 1200
          --partitions 4 --producers 4 --consumers 2 --transactions 200 --abort-ratio 0.3 --shard ${index}/2
          --run-id run-tx --results-dir ${shardDir} --quiet --start-at ${new Date(startAt).toISOString()}`,
      );
    const runs = await Promise.all([shard(0), shard(1)]);
    for (const r of runs) expect(r.code, r.io.err).not.toBe(2);
    const files = readdirSync(shardDir).map((f) => join(shardDir, f));
    const shards = files.map(read);
    for (const s of shards) {
      expect(s.producer.transactions!.committed, JSON.stringify(s.errors)).toBeGreaterThan(0);
      expect(s.integrity.lostCommitted).toBe(0);
      expect(s.integrity.unackedSeen).toBe(0);
    }
    const out = join(dir, 'merged-tx.json');
    const { code, io: o } = await runCli(['merge', ...files, '-o', out]);
    expect(o.err).not.toContain('LH_MERGE_MISMATCH');
    expect(code, o.err).toBeLessThan(2);
    const merged = read(out);
    expect(merged.producer.transactions!.committed).toBe(
      shards[0]!.producer.transactions!.committed + shards[1]!.producer.transactions!.committed,
    );
    expect(merged.integrity).toMatchObject({ lostCommitted: 0, unackedSeen: 0 });
    expect(merged.criteria.find((c) => c.metric === 'integrity.unackedSeen')).toMatchObject({ passed: true });
    expect(merged.criteria.find((c) => c.metric === 'integrity.offsetMismatches')?.notApplicable).toMatch(/no log offsets/);
  }, 180_000);

  it('refuses shards of different runs with LH_MERGE_MISMATCH', async () => {
    const shardDir = join(dir, 'run-b');
    await runShard(0, 'run-b', shardDir, Date.now() + 1000);
    const files = [
      ...readdirSync(join(dir, 'run-a'))
        .map((f) => join(dir, 'run-a', f))
        .slice(0, 1),
      ...readdirSync(shardDir).map((f) => join(shardDir, f)),
    ];
    const { code, io: o } = await runCli(['merge', ...files, '-o', join(dir, 'bad.json')]);
    expect(code).toBe(2);
    expect(o.err).toContain('LH_MERGE_MISMATCH');
  }, 180_000);
});
