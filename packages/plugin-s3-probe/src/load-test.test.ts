// The plugin inside a real, short load test: the engine sets it up, fires its hooks, samples its metric
// source and puts its summary into the result, while the reference agent stores segments in s3rver.
import { paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { createLoadTest, type Sample } from '@loadhouse/core';
import { expect, it } from 'vitest';
import { parseSegmentKey } from './inventory.js';
import { s3Probe } from './plugin.js';
import { formatS3Summary } from './summary.js';
import { agentOnS3ForTests, probeOptions, S3RVER_KEY_ID, s3rverForTests } from './test-support.js';

const BUCKET = 'streamhouse-data';
const SECRET = 'load-test-secret-aa17';
const credentials = { accessKeyId: S3RVER_KEY_ID, secretAccessKey: SECRET };

const s3 = s3rverForTests([BUCKET]);
const agent = agentOnS3ForTests(s3, { bucket: BUCKET, credentials, segmentMaxAgeMs: 300 });

async function segmentCount(): Promise<number> {
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  let n = 0;
  try {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: BUCKET, Prefix: 'data/' })) {
      for (const o of page.Contents ?? []) if (parseSegmentKey(o.Key ?? '', 'data/')) n++;
    }
  } finally {
    client.destroy();
  }
  return n;
}

it('contributes s3.* metrics to samples and to the result of a real run', async () => {
  const plugin = s3Probe(probeOptions(s3, BUCKET, credentials, { intervalSeconds: 0.5, listEverySeconds: 1 }));
  const test = createLoadTest({ target: agent.grpcAddress, plugins: [plugin], resultsDir: false, intervalMs: 1000 });
  const samples: Sample[] = [];
  test.on('sample', (s) => samples.push(s));
  const result = await test.run({
    name: 's3-probe-smoke',
    criteria: [
      { metric: 's3.errorRate', op: '==', value: 0 },
      { metric: 's3.put.p99', op: '<', value: 10_000, unit: 'ms' },
    ],
    async run(c) {
      const g = await c.produce({ rate: 200, partitions: 2, messageSize: 256 });
      await c.waitFor(3);
      await g.stop();
      // Everything produced is stored before the run ends, so the listing at the end sees all of it.
      await agent.flush();
    },
  });

  expect(result.state).toBe('completed');
  expect(result.errors.filter((e) => e.plugin === 's3-probe')).toEqual([]);
  const m = result.metrics;
  expect(m['s3.probe.cycles']).toBeGreaterThanOrEqual(2);
  expect(m['s3.put.p99']).toBeGreaterThan(0);
  expect(m['s3.get.count']).toBeGreaterThanOrEqual(2);
  expect(m['s3.errorRate']).toBe(0);
  expect(m['s3.segments']).toBeGreaterThan(0);
  expect(m['s3.partitions']).toBe(2);
  // The listing started when the run ended: teardown waited for it, so the report has it whatever the
  // machine's speed; result.metrics has it too unless it outlasted the host's short summarize() wait.
  const stored = await segmentCount();
  expect(plugin.report().inventory.latest?.segments).toBe(stored);
  expect(m['s3.segments']).toBeLessThanOrEqual(stored);
  expect(result.criteria.map((c) => [c.metric, c.passed])).toEqual([
    ['s3.errorRate', true],
    ['s3.put.p99', true],
  ]);
  expect(samples.some((s) => (s.metrics['s3.put.p99'] ?? 0) > 0)).toBe(true);
  expect(formatS3Summary(m).join('\n')).toMatch(/PUT .*p99/);
  expect(JSON.stringify(result)).not.toContain(SECRET);
});
