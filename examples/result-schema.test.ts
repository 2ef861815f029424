// The result schema (packages/core/schema/result.schema.json, generated from the types) against a real result file: a short high-throughput run on the reference agent, read
// back from disk, must validate; broken documents must not. Dashboards and CI may validate results the same way.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { createLoadTest, mergeResults, type LoadTestResult } from '@loadhouse/core';
import { initHistograms } from '@loadhouse/core/histogram';
import { highThroughput } from '@loadhouse/scenarios';
import { startAgent, type Agent } from '@loadhouse/agent';

const schema = JSON.parse(await readFile(new URL('../packages/core/schema/result.schema.json', import.meta.url), 'utf8')) as object;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  formats: { 'date-time': (s: string) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)) },
});
const validate = ajv.compile(schema);

function problems(doc: unknown): string[] {
  return validate(doc)
    ? []
    : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

let agent: Agent;
let dir: string;
let written: Record<string, unknown>;

beforeAll(async () => {
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  dir = await mkdtemp(path.join(tmpdir(), 'loadhouse-schema-'));
  const test = createLoadTest({ target: agent.grpcAddress, resultsDir: dir, workers: 1 });
  const result = await test.run(highThroughput({ durationSeconds: 2, targetRate: 1000, partitions: 2 }));
  expect(result.resultPath).toBeDefined();
  expect(path.dirname(result.resultPath!)).toBe(dir);
  written = JSON.parse(await readFile(result.resultPath!, 'utf8')) as Record<string, unknown>;
});

afterAll(async () => {
  await agent?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('result.schema.json', () => {
  it('accepts the result file of a real run', () => {
    expect(written.scenario).toBe('high-throughput');
    expect((written.series as unknown[]).length).toBeGreaterThan(0);
    expect(problems(written)).toEqual([]);
  });

  it('accepts fields it does not know, at the top and inside objects (add fields freely)', () => {
    const doc = structuredClone(written) as Record<string, Record<string, unknown>>;
    (doc as Record<string, unknown>).newTopLevelField = { any: 'thing' };
    doc.producer!.newFigure = 1.5;
    expect(problems(doc)).toEqual([]);
  });

  it('rejects a document without a state', () => {
    const doc = structuredClone(written);
    delete doc.state;
    expect(problems(doc)).toContainEqual(expect.stringMatching(/must have required property 'state'/));
  });

  it('rejects fields of the wrong type or outside their values', () => {
    const doc = structuredClone(written) as Record<string, unknown> & { producer: { latency: { response: Record<string, unknown> } } };
    doc.durationSeconds = '2.0';
    doc.state = 'done';
    doc.producer.latency.response.p99 = null;
    doc.histograms = { 'producer.response': 42 };
    const found = problems(doc);
    expect(found).toContainEqual(expect.stringMatching(/^\/durationSeconds must be number/));
    expect(found).toContainEqual(expect.stringMatching(/^\/state must be equal to one of the allowed values/));
    expect(found).toContainEqual(expect.stringMatching(/^\/producer\/latency\/response\/p99 must be number/));
    expect(found).toContainEqual(expect.stringMatching(/^\/histograms\/producer\.response must be string/));
  });

  it('accepts a merged result, with what merge checked (result.merge), and rejects a malformed check', async () => {
    await initHistograms();
    type Merged = Record<string, unknown> & { merge: Record<string, unknown> };
    const merged = mergeResults([written as unknown as LoadTestResult]) as unknown as Merged;
    expect(merged.merge.shardCount).toBe(1);
    expect(problems(merged)).toEqual([]);
    const broken = { ...merged, merge: { ...merged.merge, missing: 'none' } };
    expect(problems(broken)).toContainEqual(expect.stringMatching(/^\/merge\/missing must be array/));
  });

  it('requires the error of a failed run', () => {
    const doc = { ...structuredClone(written), state: 'failed', partial: true, endReason: 'worker-crashed' };
    expect(problems(doc)).toContainEqual(expect.stringMatching(/must have required property 'error'/));
    expect(problems({ ...doc, error: { code: 'LH_WORKER_CRASHED', message: 'Load worker 0 died' } })).toEqual([]);
  });
});
