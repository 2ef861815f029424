// Trust in a sharded run: `loadhouse merge` calls a set of shards a whole run only when it is one (every
// shard present, all run together, each to its end), and `--start-at` makes shards run the same window.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoadTest, type LoadTestResult } from '@loadhouse/core';
import { initHistograms } from '@loadhouse/core/histogram';
import { highThroughput } from '@loadhouse/scenarios';
import { args, runCli } from './test-io.js';
import { agentForTests } from '../../core/src/test-support.js';
import { tempDirs } from './test-files.js';

const agent = agentForTests();
const dir = tempDirs('lh-trust-shards-')();
/** The two shard files of one run, made for the merge tests. */
let shards: string[] = [];
beforeAll(() => initHistograms());

const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as LoadTestResult;
const iso = (ms: number) => new Date(ms).toISOString();

function runShard(index: number, resultsDir: string, extra: string[]): Promise<{ code: number; err: string }> {
  return runCli([
    ...args`run high-throughput --target ${agent.grpcAddress} --http-target ${agent.httpAddress} --duration 3 --target-rate 800
      --partitions 2 --workers 1 --shard ${index}/2 --run-id trust --results-dir ${resultsDir} --quiet`,
    ...extra,
  ]).then(({ code, io }) => ({ code, err: io.err }));
}

/**
 * A shard result whose criteria all pass whatever the busy machine did (one that always holds) and whose
 * window is exactly shard 0's, so a merge's exit code and overlap show the merge's own verdict; `change`
 * alters it further. Written next to the others.
 */
function variant(file: string, name: string, change: (r: LoadTestResult) => LoadTestResult = (r) => r): string {
  const r = read(file);
  const zero = read(shards[0]!);
  const criteria = [{ metric: 'producer.acked', op: '>' as const, value: 0, measured: r.producer.acked, passed: true }];
  const out = join(dir, name);
  writeFileSync(out, JSON.stringify(change({ ...r, criteria, startedAt: zero.startedAt, endedAt: zero.endedAt })));
  return out;
}

interface Merged {
  code: number;
  out: string;
  err: string;
  /** The written merged result; undefined when merge refused. */
  merged: LoadTestResult | undefined;
}

async function merge(files: string[], extra: string[] = []): Promise<Merged> {
  const path = join(dir, `merged-${Math.random().toString(36).slice(2)}.json`);
  const { code, io } = await runCli(['merge', ...files, '-o', path, ...extra]);
  return { code, out: io.out, err: io.err, merged: existsSync(path) ? read(path) : undefined };
}

describe('--start-at: a synchronised start', () => {
  it('starts every shard on the same instant, and merge says how much each shard overlaps the merged window', async () => {
    const shardDir = join(dir, 'synced');
    const startAt = Date.now() + 15_000; // set-up (connect, pre-flight) must fit before it, even on a busy machine
    const [a, b] = await Promise.all([0, 1].map((i) => runShard(i, shardDir, ['--start-at', iso(startAt)])));
    expect(a!.code, a!.err).toBeLessThan(2);
    expect(b!.code, b!.err).toBeLessThan(2);
    expect(a!.err).toContain(`for the synchronised start time ${iso(startAt)}`);
    const synced = readdirSync(shardDir).map((f) => join(shardDir, f));
    expect(synced).toHaveLength(2);
    for (const s of synced.map(read)) {
      // Each schedule starts at the instant, not when its process happened to be ready (wide: a busy machine).
      expect(Date.parse(s.startedAt)).toBeGreaterThanOrEqual(startAt);
      expect(Date.parse(s.startedAt)).toBeLessThan(startAt + 1500);
      expect(s.config.startAt).toBe(iso(startAt));
    }

    const { code, out, merged } = await merge(synced);
    expect(code).toBeLessThan(2);
    expect(merged!.partial).toBe(false);
    expect(merged!.merge!.missing).toEqual([]);
    expect(merged!.merge!.outOfStep).toEqual([]);
    expect(merged!.merge!.overlapPercent.map((o) => o.index).sort()).toEqual([0, 1]);
    for (const o of merged!.merge!.overlapPercent) expect(o.overlapPercent).toBeGreaterThan(50);
    expect(out).toMatch(
      /Shards: 2 of 2; share of the merged [\d.]+ s window each ran: shard 0 [\d.]+%, shard 1 [\d.]+% \(together: each started within 10% of the window, or 2 s, of the first\)/,
    );
  }, 180_000);

  it('refuses a malformed, stale or far-off --start-at (exit 2) before starting anything', async () => {
    const now = Date.now();
    const cases: Array<[string, string]> = [
      ['tomorrow', 'must be an ISO 8601 time with a zone'],
      ['2026-12-02T14:00:00', 'must be an ISO 8601 time with a zone'],
      [iso(now - 60_000), 'in the past (at most 5 s is allowed)'],
      [iso(now + 3 * 86_400_000), 'ahead (at most 24 h is allowed)'],
    ];
    for (const [value, why] of cases) {
      const { code, io } = await runCli(args`run high-throughput --duration 1 --start-at ${value}`);
      expect(code, value).toBe(2);
      expect(io.err, value).toContain('LH_INVALID_OPTION');
      expect(io.err, value).toContain(`--start-at`);
      expect(io.err, value).toContain(why);
      expect(io.err, value).not.toContain('starting the embedded reference agent');
    }
  });

  it('a run stopped while it waits for its start still writes its (partial) result', async () => {
    const resultsDir = join(dir, 'interrupted');
    const abort = new AbortController();
    const test = createLoadTest({
      target: agent.grpcAddress,
      resultsDir,
      workers: 1,
      startAt: new Date(Date.now() + 60_000),
      signal: abort.signal,
    });
    const logs: string[] = [];
    test.on('log', (e) => logs.push(e.message));
    const began = Date.now();
    setTimeout(() => abort.abort(), 500);
    const result = await test.run(highThroughput({ durationSeconds: 2, targetRate: 500, partitions: 1 }));
    expect(Date.now() - began).toBeLessThan(50_000);
    expect(logs.some((l) => l.startsWith('waiting '))).toBe(true);
    expect(result.state).toBe('aborted');
    expect(result.partial).toBe(true);
    expect(result.endReason).toBe('signal');
    expect(result.producer.acked).toBe(0);
    expect(readdirSync(resultsDir)).toHaveLength(1);
  });
});

describe('merge: only a whole run is called whole', () => {
  beforeAll(async () => {
    const shardDir = join(dir, 'plain');
    const runs = await Promise.all([0, 1].map((i) => runShard(i, shardDir, [])));
    for (const r of runs) expect(r.code, r.err).toBeLessThan(2);
    shards = readdirSync(shardDir)
      .map((f) => join(shardDir, f))
      .sort((a, b) => read(a).shard!.index - read(b).shard!.index);
    expect(shards).toHaveLength(2);
  }, 180_000);

  it('refuses a set with a shard missing (exit 2); --allow-partial merges it as partial, criteria not judged', async () => {
    const only0 = variant(shards[0]!, 'only-shard-0.json');
    const refused = await merge([only0]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('LH_MERGE_INCOMPLETE');
    expect(refused.err).toContain('shard 1 of 2 is missing');
    expect(refused.merged).toBeUndefined();

    const { code, merged, out } = await merge([only0], ['--allow-partial']);
    expect(code).toBe(1);
    expect(merged!.partial).toBe(true);
    expect(merged!.merge!.missing).toEqual([1]);
    expect(merged!.endMessage).toContain('merged from 1 of 2 shards: shard 1 of 2 is missing');
    expect(merged!.criteria.length).toBeGreaterThan(0);
    for (const c of merged!.criteria) {
      expect(c.passed).toBe(false);
      expect(c.note).toContain('not judged: the merge is partial');
    }
    expect(out).toContain('Partial: shard 1 of 2 is missing');
  });

  it('a partial or aborted shard makes the merge partial and its exit non-zero', async () => {
    const whole = variant(shards[0]!, 'whole-0.json');
    const aborted = variant(shards[1]!, 'aborted-1.json', (r) => ({
      ...r,
      state: 'aborted',
      partial: true,
      endReason: 'signal',
      endMessage: 'Interrupted by SIGTERM',
    }));
    const { code, merged } = await merge([whole, aborted]);
    expect(code).toBe(1);
    expect(merged!.partial).toBe(true);
    expect(merged!.state).toBe('aborted');
    expect(merged!.merge!.partialBecause.join('\n')).toContain('(shard 1) is partial: aborted, signal: Interrupted by SIGTERM');
  });

  it('refuses shards that did not run at the same time (exit 2); --allow-partial marks the merge partial', async () => {
    const first = read(shards[0]!);
    const length = Date.parse(first.endedAt) - Date.parse(first.startedAt);
    const laterStart = Date.parse(first.endedAt) + 7000; // shard 1 started 7 s after shard 0 ended
    const whole = variant(shards[0]!, 'whole-0.json');
    const later = variant(shards[1]!, 'later-1.json', (r) => ({ ...r, startedAt: iso(laterStart), endedAt: iso(laterStart + length) }));
    const refused = await merge([whole, later]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('LH_MERGE_NOT_CONCURRENT');
    expect(refused.err).toMatch(
      /shard 0, shard 1 started more than [\d.]+ s \(10% of the merged [\d.]+ s window, at least 2 s\) after the first, or ended before the last one started/,
    );
    expect(refused.err).toContain('--start-at');
    expect(refused.merged).toBeUndefined();

    const { code, merged } = await merge([whole, later], ['--allow-partial']);
    expect(code).toBe(1);
    expect(merged!.partial).toBe(true);
    expect(merged!.merge!.outOfStep).toEqual([0, 1]);
    for (const o of merged!.merge!.overlapPercent) expect(o.overlapPercent).toBeLessThan(50);
    for (const c of merged!.criteria) expect(c.passed).toBe(false);
  });

  it('tolerates shards a little out of step: within the slack the merge is whole and exit 0', async () => {
    const whole = variant(shards[0]!, 'whole-0.json');
    const shifted = variant(shards[1]!, 'shifted-1.json', (r) => ({
      ...r,
      startedAt: iso(Date.parse(r.startedAt) + 1000),
      endedAt: iso(Date.parse(r.endedAt) + 1000),
    }));
    // 1 s out of step: within OUT_OF_STEP_SLACK_SECONDS however short the run.
    const { code, merged, err } = await merge([whole, shifted]);
    expect(code, err).toBe(0);
    expect(merged!.partial).toBe(false);
    expect(merged!.merge!.outOfStep).toEqual([]);
  });

  it('shards that started together but ended apart (a consumer reading on for 8 s) are one run, not out of step', async () => {
    const whole = variant(shards[0]!, 'whole-0.json');
    const longer = variant(shards[1]!, 'longer-1.json', (r) => ({ ...r, endedAt: iso(Date.parse(r.endedAt) + 8000) }));
    const { code, merged, err } = await merge([whole, longer]);
    expect(code, err).not.toBe(2);
    expect(merged!.partial).toBe(false);
    expect(merged!.merge!.outOfStep).toEqual([]);
    expect(merged!.merge!.overlapPercent.find((o) => o.index === 0)!.overlapPercent).toBeLessThan(90);
  });
});
