// The inventory against segments a real agent wrote: the reference agent stores to the s3rver bucket,
// the probe counts them, and a direct listing is the referee.
import { paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSegmentKey } from './inventory.js';
import { s3Probe } from './plugin.js';
import { agentOnS3ForTests, probeOptions, S3RVER_KEY_ID, s3rverForTests, until } from './test-support.js';
import { PluginHarness, testInfo } from '@loadhouse/core/testing';

const BUCKET = 'streamhouse-data';
const credentials = { accessKeyId: S3RVER_KEY_ID, secretAccessKey: 'agent-test-secret' };

const s3 = s3rverForTests([BUCKET]);
const agent = agentOnS3ForTests(s3, { bucket: BUCKET, credentials, segmentMaxAgeMs: 200 });
let direct: S3Client;

/** Segment keys under a prefix, per `topic/partition`, listed without the probe's code. */
async function directCount(prefix: string): Promise<{ total: number; bytes: number; perPartition: Record<string, number> }> {
  const perPartition: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  for await (const page of paginateListObjectsV2({ client: direct, pageSize: 7 }, { Bucket: BUCKET, Prefix: prefix })) {
    for (const o of page.Contents ?? []) {
      const seg = parseSegmentKey(o.Key ?? '', prefix);
      if (!seg) continue;
      total++;
      bytes += o.Size ?? 0;
      const id = `${seg.topic}/${seg.partition}`;
      perPartition[id] = (perPartition[id] ?? 0) + 1;
    }
  }
  return { total, bytes, perPartition };
}

async function produceRounds(client: StreamHouseClient, topic: string, partitions: number, rounds: number): Promise<void> {
  const records = Array.from({ length: 20 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(256, i) }));
  for (let r = 0; r < rounds; r++) {
    for (let p = 0; p < partitions; p++) await client.produceBatch({ topic, partition: p, records });
    // Each flush closes the open segments, so every round adds one segment per partition.
    await agent.flush();
  }
}

beforeAll(() => {
  direct = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
});
afterAll(() => direct?.destroy());

describe('inventory of segments written by the reference agent', () => {
  it('counts what the agent stored, per partition, and the growth while the run goes on', async () => {
    const client = new StreamHouseClient(agent.grpcAddress);
    try {
      await client.waitForReady();
      await client.createTopic({ name: 'orders', partitionCount: 3 });
      await produceRounds(client, 'orders', 3, 2);
      const before = await directCount('data/');
      expect(before.total).toBeGreaterThanOrEqual(6);
      expect(Object.keys(before.perPartition).sort()).toEqual(['orders/0', 'orders/1', 'orders/2']);

      // Several pages even for a handful of segments.
      const plugin = s3Probe(probeOptions(s3, BUCKET, credentials, { intervalSeconds: 0.5, listEverySeconds: 0.3, pageSize: 4 }));
      const host = new PluginHarness();
      await host.setup(plugin);
      try {
        await host.fire('test:before', testInfo());
        expect(await until(() => plugin.report().inventory.listings >= 1)).toBe(true);
        const first = plugin.report().inventory.latest!;
        expect(first.segments).toBe(before.total);
        expect(first.segmentBytes).toBe(before.bytes);
        expect(Object.fromEntries(first.partitions.map((p) => [`${p.topic}/${p.partition}`, p.segments]))).toEqual(before.perPartition);

        await produceRounds(client, 'orders', 3, 2);
        const after = await directCount('data/');
        expect(after.total).toBeGreaterThanOrEqual(before.total + 6);
        expect(await until(() => plugin.report().inventory.latest?.segments === after.total)).toBe(true);
        const sample = await host.collect();
        expect(sample['s3.segments']).toBe(after.total);
        expect(sample['s3.partitions']).toBe(3);

        const summary = await host.summarize();
        expect(summary['s3.segments']).toBe(after.total);
        expect(summary['s3.segmentBytes']).toBe(after.bytes);
        expect(summary['s3.segmentsAdded']).toBe(after.total - before.total);
        expect(summary['s3.segmentsPerSecond']).toBeGreaterThan(0);
        expect(summary['s3.segmentMBPerSecond']).toBeGreaterThan(0);
        expect(summary['s3.errorRate']).toBe(0);
      } finally {
        await host.end();
      }
    } finally {
      client.close();
    }
  });

  it("counts only an organization's segments under org-{id}/data/", async () => {
    const client = new StreamHouseClient(agent.grpcAddress, { organizationId: 'acme' });
    try {
      await client.waitForReady();
      await client.createTopic({ name: 'tenant-topic', partitionCount: 2 });
      await produceRounds(client, 'tenant-topic', 2, 1);
      const expected = await directCount('org-acme/data/');
      expect(expected.total).toBeGreaterThanOrEqual(2);

      const plugin = s3Probe({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        bucket: BUCKET,
        credentials,
        organizationId: 'acme',
        intervalSeconds: 0,
        listEverySeconds: 60,
      });
      const host = new PluginHarness();
      await host.setup(plugin);
      try {
        await host.fire('test:before', testInfo());
        expect(await until(() => plugin.report().inventory.listings >= 1)).toBe(true);
        const inv = plugin.report().inventory.latest!;
        expect(inv.prefix).toBe('org-acme/data/');
        expect(inv.segments).toBe(expected.total);
        expect(inv.partitions.map((p) => p.topic)).toEqual(['tenant-topic', 'tenant-topic']);

        // The next periodic listing is a minute away: only the listing at the end of the run sees these.
        await produceRounds(client, 'tenant-topic', 2, 1);
        const final = await directCount('org-acme/data/');
        expect(final.total).toBeGreaterThan(expected.total);
        const summary = await host.finish();
        expect(summary['s3.segments']).toBe(final.total);
        expect(summary['s3.segmentsAdded']).toBe(final.total - expected.total);
        expect(summary['s3.listings']).toBe(2);
      } finally {
        await host.end();
      }
    } finally {
      client.close();
    }
  });
});
