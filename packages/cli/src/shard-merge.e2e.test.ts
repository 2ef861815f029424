// Scale-out: two shards as two processes against one agent, then `loadhouse merge`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@loadhouse/agent';
import { addEncoded, createHistogram, initHistograms, summarizeHistogram, type LoadTestResult } from '@loadhouse/core';
import { main } from './main.js';
import { captureIo } from './test-io.js';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
let agent: Agent;
let dir: string;

beforeAll(async () => {
  await initHistograms();
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  dir = mkdtempSync(join(tmpdir(), 'lh-shards-'));
});
afterAll(async () => {
  await agent.stop();
  rmSync(dir, { recursive: true, force: true });
});

function runShard(index: number, runId: string, resultsDir: string): Promise<{ code: number | null; err: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', bin, 'run', 'high-throughput', '--target', agent.grpcAddress, '--http-target', agent.httpAddress,
      '--duration', '3', '--target-rate', '1200', '--partitions', '4', '--shard', `${index}/2`, '--run-id', runId, '--results-dir', resultsDir, '--quiet'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, err })));
}


const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as LoadTestResult;

describe('sharded run and merge', () => {
  it('two shards run side by side; the merge sums counters and merges histograms exactly', async () => {
    const shardDir = join(dir, 'run-a');
    const [a, b] = await Promise.all([runShard(0, 'run-a', shardDir), runShard(1, 'run-a', shardDir)]);
    expect(a.code, a.err).not.toBe(2);
    expect(b.code, b.err).not.toBe(2);
    const files = readdirSync(shardDir).filter((f) => f.endsWith('.json')).map((f) => join(shardDir, f));
    expect(files).toHaveLength(2);
    const shards = files.map(read);
    expect(shards.map((s) => s.shard!.index).sort()).toEqual([0, 1]);
    // Each shard ran half the rate.
    for (const s of shards) expect(s.producer.targetRate).toBeGreaterThan(500), expect(s.producer.targetRate).toBeLessThan(700);

    const out = join(dir, 'merged.json');
    const o = captureIo();
    const code = await main(['merge', ...files, '-o', out], o);
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

    // Criteria re-evaluated on the merged figures.
    const rate = merged.criteria.find((c) => c.metric === 'producer.rateErrorPercent')!;
    expect(rate.measured).toBeCloseTo(merged.producer.rateErrorPercent, 6);
    const p99 = merged.criteria.find((c) => c.metric === 'producer.latency.p99')!;
    expect(p99.measured).toBe(merged.producer.latency.response.p99);
    expect(merged.series.length).toBeGreaterThan(0);
    expect(o.out).toContain('Merged 2 shard result(s)');
  });

  it('refuses shards of different runs with LH_MERGE_MISMATCH', async () => {
    const shardDir = join(dir, 'run-b');
    await runShard(0, 'run-b', shardDir);
    const files = [...readdirSync(join(dir, 'run-a')).map((f) => join(dir, 'run-a', f)).slice(0, 1), ...readdirSync(shardDir).map((f) => join(shardDir, f))];
    const o = captureIo();
    const code = await main(['merge', ...files, '-o', join(dir, 'bad.json')], o);
    expect(code).toBe(2);
    expect(o.err).toContain('LH_MERGE_MISMATCH');
  });
});
