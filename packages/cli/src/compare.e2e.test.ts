// `loadhouse compare` on real runs: an agent answering in 100 ms instead of 5 ms is a latency regression; runs of
// the same settings are not, pair after pair. Short runs with a short window give each run ~8 windows.
// The runs of a pair run at the same time: whatever else the machine is doing (other suites, CPU burners) then
// weighs on both alike, as it would not on two runs made one after the other.
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@loadhouse/agent';
import { createLoadTest, type Comparison, type LoadTestResult } from '@loadhouse/core';
import { highThroughput } from '@loadhouse/scenarios';
import { args, runCli } from './test-io.js';
import { tempDirs } from './test-files.js';

const tempDir = tempDirs('lh-compare-');

// Two runs side by side on a busy 2-core machine still differ in their tails by tens of percent (a stall lands in
// one run's window and not the other's): the gate is judged at a threshold above that (the seeded unit tests in
// core cover the default). A 5 -> 100 ms agent moves the median latencies far beyond it, even on a machine so busy
// that both agents (timers in this process's event loop, side by side) answer tens of milliseconds late: 5 -> 30 ms
// did not once in a fresh-clone CI (the 25 ms between them fell under 50% of what the delays had added to both).
const THRESHOLD = 50;

let fast: Agent;
let slow: Agent;
let dir: string;
const files: Record<'fast1' | 'fast2' | 'fast3' | 'fast4' | 'slow', string> = { fast1: '', fast2: '', fast3: '', fast4: '', slow: '' };

async function runAgainst(agent: Agent, name: keyof typeof files): Promise<void> {
  // A topic per run: runs side by side on one agent do not share partitions.
  const test = createLoadTest({
    target: agent.grpcAddress,
    resultsDir: false,
    workers: 1,
    intervalMs: 300,
    warmupSeconds: 0.5,
    topic: `compare-${name}`,
  });
  const result: LoadTestResult = await test.run(highThroughput({ durationSeconds: 3, targetRate: 300, partitions: 1 }));
  expect(result.state, result.endMessage).toBe('completed');
  files[name] = join(dir, `${name}.json`);
  writeFileSync(files[name], JSON.stringify(result));
}

/** What a failed expectation shows of a comparison: its verdict, why, and the latency rows. */
function verdictOf(c: Comparison): string {
  const latency = c.metrics
    .filter((m) => m.metric.startsWith('producer.latency.'))
    .map((m) => `${m.metric} ${m.baseline} -> ${m.candidate}: ${m.outcome} (p ${m.pWorse.toPrecision(2)})`);
  return JSON.stringify({ verdict: c.verdict, inconclusiveBecause: c.inconclusiveBecause, latency });
}

async function compare(baseline: string, candidate: string): Promise<{ code: number; c: Comparison; err: string }> {
  const { code, io } = await runCli(args`compare ${baseline} ${candidate} --threshold ${THRESHOLD} --json`);
  return { code, c: JSON.parse(io.out) as Comparison, err: io.err };
}

beforeAll(async () => {
  dir = tempDir();
  [fast, slow] = await Promise.all([
    startAgent({ grpcPort: 0, httpPort: 0, produceLatencyMs: 5 }),
    startAgent({ grpcPort: 0, httpPort: 0, produceLatencyMs: 100 }),
  ]);
  await Promise.all([runAgainst(fast, 'fast1'), runAgainst(slow, 'slow')]);
  await Promise.all([runAgainst(fast, 'fast2'), runAgainst(fast, 'fast3'), runAgainst(fast, 'fast4')]);
}, 120_000);

afterAll(async () => {
  await Promise.all([fast?.stop(), slow?.stop()]);
});

describe('loadhouse compare on real runs', () => {
  it('an agent answering in 100 ms instead of 5 ms regressed on latency: exit 1, the latency metrics named', async () => {
    const { code, c, err } = await compare(files.fast1, files.slow);
    expect(code, verdictOf(c)).toBe(1);
    if (c.verdict === 'inconclusive') {
      // A machine so busy that the generator itself was the bottleneck measured nothing of the agent: the gate must
      // then say it cannot tell (never "same"), and why.
      expect(c.inconclusiveBecause.join(' ')).toMatch(/generator was saturated/);
      return;
    }
    expect(c.verdict, err).toBe('regressed');
    expect(c.regressions.map((m) => m.metric)).toContain('producer.latency.service.p50');
    expect(c.regressions.every((m) => m.metric.startsWith('producer.latency.'))).toBe(true);
    // The other way round it improved, and the gate passes.
    const back = await compare(files.slow, files.fast1);
    expect(back.c.verdict).toBe('improved');
    expect(back.code).toBe(0);
  });

  it('runs of the same settings did not regress, pair after pair (no false alarm)', async () => {
    for (const [a, b] of [
      [files.fast2, files.fast3],
      [files.fast3, files.fast4],
      [files.fast4, files.fast2],
    ] as const) {
      const { code, c } = await compare(a, b);
      expect(c.regressions, `${a} -> ${b}`).toEqual([]);
      expect(c.verdict).not.toBe('regressed');
      expect(c.baseline.windows).toBeGreaterThanOrEqual(6);
      expect(code).toBe(c.verdict === 'inconclusive' ? 1 : 0);
    }
  });

  it('prints the table by default, writes the HTML page, and refuses a file that is not a result with exit 2', async () => {
    const page = join(dir, 'comparison.html');
    const { code, io } = await runCli(args`compare ${files.fast1} ${files.slow} --threshold ${THRESHOLD} --no-color --html ${page}`);
    const { c } = await compare(files.fast1, files.slow);
    expect(code, verdictOf(c)).toBe(1);
    expect(io.out).toMatch(/Metric\s+Baseline\s+Candidate\s+Change\s+Significant\?/);
    expect(io.out).toContain(`Verdict: ${c.verdict.toUpperCase()}`);
    for (const m of c.regressions) expect(io.out).toMatch(new RegExp(`${m.label} .* yes: worse`));
    const html = readFileSync(page, 'utf8');
    expect(html).toContain(`>${c.verdict}</span>`);
    expect(html).toContain('data-chart="compare-service-p50"');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const refused = await runCli(args`compare ${files.fast1} ${bad}`);
    expect(refused.code).toBe(2);
    expect(refused.io.err).toMatch(/LH_RESULT_INVALID/);
  });
});
