// The embedded agent storing in an S3-compatible bucket, and the S3 probe following it automatically.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { args, captureIo, runCli } from './test-io.js';
import { s3rverForTests } from './test-servers.js';
import { tempDirs } from './test-files.js';

const dir = tempDirs('lh-s3cli-')();
const s3 = s3rverForTests(dir);

it('probes the bucket the embedded agent writes to and prints the S3 section', async () => {
  const results = join(dir, 'results');
  const { code, io } = await runCli(
    args`run high-throughput --duration 4 --target-rate 500 --partitions 2 --agent-s3-endpoint ${s3.endpoint}
      --s3-probe-interval 1 --results-dir ${results}`,
    captureIo({ AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }),
  );
  expect(code, io.err).toBeLessThan(2);
  const file = readdirSync(results).find((f) => f.endsWith('.json'))!;
  const result = JSON.parse(readFileSync(join(results, file), 'utf8')) as LoadTestResult;
  expect(result.metrics['s3.put.p99']).toBeGreaterThan(0);
  expect(result.metrics['s3.segments']).toBeGreaterThanOrEqual(2);
  expect(io.out).toContain('S3:');
  // The secret never reaches the result or the output.
  expect(JSON.stringify(result)).not.toContain('S3RVER');
  expect(io.out + io.err).not.toContain('S3RVER');
});
