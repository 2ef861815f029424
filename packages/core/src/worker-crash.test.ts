// A load worker that dies ends the run as failed, with the partial result and its file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLoadTest, type LoadTestOptions, type LoadTestResult } from './index.js';
import { agentForTests } from './test-support.js';

const agent = agentForTests();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'loadhouse-crash-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a crashed worker', () => {
  it.each(['throw', 'exit'] as const)('ends the run as failed with a partial result (worker %s)', async (mode) => {
    // The worker host's test seam (not an option): the worker dies 1.5 s after it started.
    process.env.LOADHOUSE_TEST_CRASH_WORKER = `1500:${mode}`;
    onTestFinished(() => {
      delete process.env.LOADHOUSE_TEST_CRASH_WORKER;
    });
    const options: LoadTestOptions = {
      target: agent.grpcAddress,
      resultsDir: dir,
      topic: `crash-${mode}`,
    };
    const errors: string[] = [];
    const lt = createLoadTest(options);
    lt.on('error', (e) => void errors.push(e.code));
    const started = Date.now();
    const result = await lt.run({
      name: `crash-${mode}`,
      criteria: [],
      async run(c) {
        await c.produce({ rate: 500, messageSize: 128 });
        await c.waitFor(30);
      },
    });
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(result.state).toBe('failed');
    expect(result.partial).toBe(true);
    expect(result.endReason).toBe('worker-crashed');
    if (result.state !== 'failed') throw new Error('unreachable');
    expect(result.error.code).toBe('LH_WORKER_CRASHED');
    expect(result.errors.map((e) => e.code)).toContain('LH_WORKER_CRASHED');
    expect(errors).toContain('LH_WORKER_CRASHED');
    // What was reported before the crash is kept.
    expect(result.producer.acked).toBeGreaterThan(0);
    expect(result.series.length).toBeGreaterThan(0);
    const onDisk = JSON.parse(await readFile(result.resultPath!, 'utf8')) as LoadTestResult;
    expect(onDisk).toMatchObject({ state: 'failed', partial: true, endReason: 'worker-crashed', error: { code: 'LH_WORKER_CRASHED' } });
  });
});
