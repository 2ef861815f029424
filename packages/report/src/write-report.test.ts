import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoadhouseError } from '@loadhouse/core';
import { writeReport } from './index.js';
import { makeResult } from '@loadhouse/core/testing';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadhouse-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectInvalid(path: string, fragment: string): Promise<void> {
  const err = await writeReport(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLoadhouseError(err, 'LH_RESULT_INVALID')).toBe(true);
  expect((err as Error).message).toContain(path);
  expect((err as Error).message).toContain(fragment);
}

describe('writeReport', () => {
  it('writes <same name>.html next to the result by default, or to the path given', async () => {
    const resultPath = join(dir, 'consumer-lag-20250602T093000Z.json');
    await writeFile(resultPath, JSON.stringify(makeResult({ histograms: false })));
    const written = await writeReport(resultPath);
    expect(written).toBe(join(dir, 'consumer-lag-20250602T093000Z.html'));
    const html = await readFile(written, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('data-chart="throughput"');

    const custom = await writeReport(resultPath, join(dir, 'nested', 'folder', 'report.html'));
    expect(custom).toBe(join(dir, 'nested', 'folder', 'report.html'));
    expect(await readFile(custom, 'utf8')).toBe(html);
  });

  it('rejects files that are not loadhouse results with LH_RESULT_INVALID naming the file', async () => {
    const cases: Array<[string, string, string]> = [
      ['no-version.json', JSON.stringify({ series: [] }), 'schemaVersion'],
      ['no-series.json', JSON.stringify({ ...makeResult({ histograms: false }), series: {} }), 'its series is an object, not an array'],
      ['bare.json', JSON.stringify({ schemaVersion: 1, series: [] }), 'its scenario is missing'],
      [
        'empty-producer.json',
        JSON.stringify({ ...makeResult({ histograms: false }), producer: {} }),
        'its producer has no latency section',
      ],
      [
        'future.json',
        JSON.stringify({ ...makeResult({ histograms: false }), schemaVersion: 999 }),
        'schemaVersion 999, newer than this loadhouse reads',
      ],
      ['array.json', '[1, 2]', 'JSON object'],
      ['broken.json', '{"schemaVersion": 1, "series": [', 'not valid JSON'],
    ];
    for (const [name, text, fragment] of cases) {
      const path = join(dir, name);
      await writeFile(path, text);
      await expectInvalid(path, fragment);
    }
    await expectInvalid(join(dir, 'missing.json'), 'no such file');
  });
});
