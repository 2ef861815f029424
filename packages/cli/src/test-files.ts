// Temporary folders and result files for the CLI's end-to-end tests: test support, not exported by the package.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';

/** A maker of fresh temporary folders named `<prefix>…`, every one removed after the calling test file. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

/** The one result file a run wrote into `dir` (the test fails when there is none or more than one). */
export function onlyResult(dir: string): LoadTestResult {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as LoadTestResult;
}
