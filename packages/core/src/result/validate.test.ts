// The result contract: the committed schema is what the types generate, real results (a run's, a partial one
// written mid-run, a merged one) validate against it, every field they hold is declared, and a wrong field is
// refused with LH_RESULT_INVALID naming it.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent, type Agent } from '@loadhouse/agent';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_SCHEMA_PATH, renderResultSchema } from '../../../../scripts/gen-result-schema.js';
import { isLoadhouseError } from '../errors.js';
import { initHistograms } from '../histogram.js';
import { createLoadTest, type LoadTestResult, mergeResults, type Scenario } from '../index.js';
import { checkResult, resultProblems } from './validate.js';

let agent: Agent;
let dir: string;
let final: LoadTestResult;
let partial: LoadTestResult;

const scenario: Scenario = {
  name: 'contract',
  criteria: [{ metric: 'producer.latency.p99', op: '<', value: 60_000, unit: 'ms' }],
  async run(c) {
    const consumers = await c.consume({ rate: 'max', partitions: 2 });
    const producers = await c.produce({ rate: 400, partitions: 2, messageSize: 256 });
    await c.phase('steady', () => c.waitFor(2));
    await producers.stop();
    await consumers.stop();
  },
};

beforeAll(async () => {
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  dir = await mkdtemp(path.join(tmpdir(), 'loadhouse-contract-'));
  const test = createLoadTest({ target: agent.grpcAddress, resultsDir: dir, workers: 1, checkpointSeconds: 1, runId: 'r1' });
  let written: Promise<LoadTestResult> | undefined;
  test.on('sample', (s) => {
    // Read at once: the final result replaces the file when the run ends (a checkpoint may have replaced it already: partial too).
    if (s.elapsedSeconds >= 1 && !written) {
      written = test.writePartial('read by the contract test').then(async (p) => JSON.parse(await readFile(p!, 'utf8')) as LoadTestResult);
    }
  });
  const result = await test.run(scenario);
  final = JSON.parse(await readFile(result.resultPath!, 'utf8')) as LoadTestResult;
  partial = await written!;
  await initHistograms();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The schema with every object closed: a field a real result holds that the types do not declare fails it. */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, closed(s)])) : closed(v);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

describe('the result schema', () => {
  it('is what the types generate (run `pnpm docs:schema` after changing them)', async () => {
    expect(await readFile(RESULT_SCHEMA_PATH, 'utf8')).toBe(renderResultSchema());
  }, 120_000);

  it("accepts a real run's result, a partial one and a merged one", () => {
    expect(final.scenario).toBe('contract');
    expect(final.consumer.consumed).toBeGreaterThan(0);
    expect(final.phases.map((p) => p.name)).toEqual(['steady']);
    expect(resultProblems(final)).toEqual([]);
    expect(partial.partial).toBe(true);
    expect(resultProblems(partial)).toEqual([]);
    const merged = JSON.parse(JSON.stringify(mergeResults([final], { names: ['shard.json'] }))) as LoadTestResult;
    expect(merged.merge?.shardCount).toBe(1);
    expect(resultProblems(merged)).toEqual([]);
    expect(checkResult(merged, 'merged.json')).toBe(merged);
  });

  it('declares every field a real result holds', () => {
    const committed = JSON.parse(readFileSync(RESULT_SCHEMA_PATH, 'utf8')) as object;
    const strict = new Ajv2020({ allErrors: true, strict: false }).compile(closed(committed) as object);
    const merged = JSON.parse(JSON.stringify(mergeResults([final]))) as LoadTestResult;
    for (const doc of [final, partial, merged]) {
      strict(doc);
      expect((strict.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
    }
  });

  it('refuses a wrong-typed field with LH_RESULT_INVALID naming it by JSON pointer', () => {
    const doc = { ...final, producer: { ...final.producer, acked: 'many' } };
    let err: unknown;
    try {
      checkResult(doc, 'results/x.json');
    } catch (e) {
      err = e;
    }
    expect(isLoadhouseError(err, 'LH_RESULT_INVALID')).toBe(true);
    expect((err as Error).message).toContain('results/x.json is not a loadhouse result file');
    expect((err as Error).message).toContain('its producer.acked is a string, not a number (at /producer/acked)');
    expect(resultProblems({ ...final, startedAt: 'yesterday' })).toEqual([
      { pointer: '/startedAt', message: 'its startedAt is "yesterday", not an ISO 8601 time with its zone' },
    ]);
    expect(resultProblems({ ...final, environment: { ...final.environment, cpus: null } })).toEqual([
      { pointer: '/environment/cpus', message: 'its environment.cpus is null, not a number' },
    ]);
  });

  it("judges a merged result in its own form: a run's resources in it are wrong, and the reverse", () => {
    const merged = JSON.parse(JSON.stringify(mergeResults([final]))) as LoadTestResult;
    expect(resultProblems({ ...merged, resources: final.resources })).toEqual([
      { pointer: '/resources', message: 'its resources has no byShard' },
    ]);
    const problems = resultProblems({ ...final, resources: merged.resources });
    expect(problems[0]).toEqual({ pointer: '/resources', message: expect.stringMatching(/^its resources has no generator section/) });
    expect(resultProblems({ ...final, state: 'failed' })).toEqual([{ pointer: '', message: 'its error is missing' }]);
  });
});
