// `loadhouse suite` at a tiny scale: the plan's four scenarios in order, each with its log and result file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { main } from './main.js';
import { captureIo } from './test-io.js';
import { PLAN_SUITE, scaledStep } from './suite-command.js';

const dir = mkdtempSync(join(tmpdir(), 'lh-suite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('scales every duration, rate and count of the plan, with floors', () => {
  const [ht, mp, cl, st] = PLAN_SUITE.map((s) => scaledStep(s, 0.001));
  expect(ht).toMatchObject({ duration: 3.6, targetRate: 100, partitions: 2 });
  expect(scaledStep(PLAN_SUITE[0]!, 0.5)).toMatchObject({ duration: 1800, targetRate: 50_000, partitions: 5 });
  expect(mp).toMatchObject({ producerCount: 1, messagesPerProducer: 60, partitions: 2 });
  expect(cl).toMatchObject({ duration: 2, produceRate: 1000, consumeRate: 500 });
  expect(st).toMatchObject({ duration: 604.8, targetRate: 50 });
});

it('runs the four scenarios in order and prints one table of every criterion', async () => {
  const io = captureIo();
  const code = await main(['suite', '--scale', '0.00001', '--results-dir', dir, '--quiet'], io);
  const files = readdirSync(dir);
  const results = files.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as LoadTestResult);
  expect(results.map((r) => r.scenario).sort()).toEqual(['consumer-lag', 'high-throughput', 'many-producers', 'stability']);
  for (const name of ['high-throughput', 'many-producers', 'consumer-lag', 'stability']) expect(files).toContain(`${name}.log`);
  expect(readFileSync(join(dir, 'high-throughput.log'), 'utf8')).toContain('Success criteria:');
  const table = io.out.slice(io.out.indexOf('Suite summary:'));
  let last = -1;
  for (const name of ['high-throughput', 'many-producers', 'consumer-lag', 'stability']) {
    const at = table.indexOf(`${name}:`);
    expect(at, table).toBeGreaterThan(last);
    last = at;
  }
  for (const r of results) expect(r.state, `${r.scenario}: ${r.endMessage}`).not.toBe('failed');
  expect([0, 1]).toContain(code);
});
