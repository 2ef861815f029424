// The embedded agent storing in an S3-compatible bucket, and the S3 probe following it automatically.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { main } from './main.js';
import { captureIo } from './test-io.js';

let server: S3rver;
let endpoint: string;
const dir = mkdtempSync(join(tmpdir(), 'lh-s3cli-'));

beforeAll(async () => {
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(dir, 's3'),
    configureBuckets: [{ name: 'streamhouse-data', configs: [] }],
  });
  const addr = (await server.run()) as unknown as { address: string; port: number };
  endpoint = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('probes the bucket the embedded agent writes to and prints the S3 section', async () => {
  const results = join(dir, 'results');
  const io = captureIo({ AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const code = await main(
    [
      'run',
      'high-throughput',
      '--duration',
      '4',
      '--target-rate',
      '500',
      '--partitions',
      '2',
      '--agent-s3-endpoint',
      endpoint,
      '--s3-probe-interval',
      '1',
      '--results-dir',
      results,
    ],
    io,
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
