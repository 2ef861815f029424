import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './client.js';
import { growthBetween, listSegments, parseSegmentKey } from './inventory.js';
import { LatencyRecorder } from './latency.js';
import { resolveOptions, type S3ProbeOptions } from './options.js';
import { s3Probe } from './plugin.js';
import { RequestTally } from './tally.js';
import { S3RVER_KEY_ID, startS3rver, until, type S3Fixture } from './test-support.js';
import { PluginHarness, testInfo } from '@loadhouse/core/testing';

const BUCKET = 'streamhouse-data';
const credentials = { accessKeyId: S3RVER_KEY_ID, secretAccessKey: 'inventory-test-secret' };
const seg = (offset: number) => `${String(offset).padStart(20, '0')}.seg`;

let s3: S3Fixture;
let client: S3Client;

function options(extra: Partial<S3ProbeOptions> = {}): S3ProbeOptions {
  return { endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, credentials, ...extra };
}

async function put(keys: string[], size = 100): Promise<void> {
  const body = Buffer.alloc(size, 7);
  // A few at a time: s3rver writes files, and the machine has two cores.
  for (let i = 0; i < keys.length; i += 8) {
    await Promise.all(keys.slice(i, i + 8).map((Key) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: body }))));
  }
}

function list(extra: Partial<S3ProbeOptions> = {}) {
  const tally = new RequestTally();
  const latency = new LatencyRecorder();
  return listSegments({ client, options: resolveOptions(options(extra)), latency, tally }).then((inv) => ({
    inv,
    tally,
    latency,
  }));
}

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  client = createS3Client(resolveOptions(options()));
  // 3 partitions of topic "orders" (10 + 8 + 7 segments), 2 of "audit.log" (1 each), and noise.
  const keys: string[] = [];
  for (let i = 0; i < 10; i++) keys.push(`data/orders/0/${seg(i * 100)}`);
  for (let i = 0; i < 8; i++) keys.push(`data/orders/1/${seg(i * 100)}`);
  for (let i = 0; i < 7; i++) keys.push(`data/orders/2/${seg(i * 100)}`);
  keys.push(`data/audit.log/0/${seg(0)}`, `data/audit.log/1/${seg(0)}`);
  keys.push('data/orders/0/manifest.json', 'data/README');
  // Another organization's segments and the probe's own folder must not be counted.
  keys.push(`org-acme/data/orders/0/${seg(0)}`, `org-acme/data/orders/0/${seg(50)}`, `_loadhouse-probe/x/00000000`);
  await put(keys);
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

describe('parseSegmentKey', () => {
  it('reads topic, partition and base offset from a segment key, and rejects anything else', () => {
    expect(parseSegmentKey(`data/orders/12/${seg(4200)}`, 'data/')).toEqual({
      topic: 'orders',
      partition: 12,
      baseOffset: '00000000000000004200',
    });
    expect(parseSegmentKey(`org-7/data/t/0/${seg(1)}`, 'org-7/data/')).toMatchObject({ topic: 't', partition: 0 });
    expect(parseSegmentKey(`org-7/data/t/0/${seg(1)}`, 'data/')).toBeNull();
    expect(parseSegmentKey('data/orders/0/42.seg', 'data/')).toBeNull();
    expect(parseSegmentKey('data/orders/x/00000000000000000000.seg', 'data/')).toBeNull();
    expect(parseSegmentKey(`data/orders/${seg(0)}`, 'data/')).toBeNull();
  });
});

describe('segment inventory against s3rver', () => {
  it('pages through ListObjectsV2 and counts segments, bytes and partitions', async () => {
    const { inv, tally, latency } = await list({ pageSize: 4 });
    expect(inv.prefix).toBe('data/');
    expect(inv.keysSeen).toBe(29);
    expect(inv.pages).toBe(8); // 29 keys, 4 per page
    expect(tally.listRequests).toBe(8);
    expect(latency.summary('list').count).toBe(8);
    expect(inv.segments).toBe(27);
    expect(inv.segmentBytes).toBe(2700);
    expect(inv.otherObjects).toBe(2);
    expect(inv.capped).toBe(false);
    expect(inv.partitions).toEqual([
      { topic: 'audit.log', partition: 0, segments: 1, bytes: 100 },
      { topic: 'audit.log', partition: 1, segments: 1, bytes: 100 },
      { topic: 'orders', partition: 0, segments: 10, bytes: 1000 },
      { topic: 'orders', partition: 1, segments: 8, bytes: 800 },
      { topic: 'orders', partition: 2, segments: 7, bytes: 700 },
    ]);
    // One page of the default size gives the same counts.
    const whole = await list();
    expect(whole.inv.pages).toBe(1);
    expect(whole.inv.partitions).toEqual(inv.partitions);
  });

  it('stops at maxKeysPerListing and says the counts are lower bounds', async () => {
    const { inv } = await list({ pageSize: 4, maxKeysPerListing: 10 });
    expect(inv.capped).toBe(true);
    expect(inv.keysSeen).toBe(10);
    expect(inv.pages).toBe(3); // 4 + 4 + 2: the last page asks for only what the cap leaves
    // Keys come in byte order: data/README, data/audit.log/..., data/orders/0/...
    expect(inv.segments + inv.otherObjects).toBe(10);
    expect(inv.otherObjects).toBe(1);
    const exact = await list({ pageSize: 4, maxKeysPerListing: 29 });
    expect(exact.inv.capped).toBe(false);
    expect(exact.inv.segments).toBe(27);
  });

  it('lists org-{id}/data/ for an organization, or the prefix given', async () => {
    const org = await list({ organizationId: 'acme' });
    expect(org.inv.prefix).toBe('org-acme/data/');
    expect(org.inv.segments).toBe(2);
    expect(org.inv.partitions).toEqual([{ topic: 'orders', partition: 0, segments: 2, bytes: 200 }]);
    const custom = await list({ prefix: 'data/orders/1' });
    expect(custom.inv.prefix).toBe('data/orders/1/');
    // Keys under a custom prefix are parsed relative to it, so "orders/1/x.seg" is not a segment key there.
    expect(custom.inv.keysSeen).toBe(8);
  });

  it('measures growth between listings, and the plugin reports it with a warning when capped', async () => {
    const a = (await list({ prefix: 'grow/' })).inv;
    await put(
      [0, 1, 2, 3, 4].map((i) => `grow/t/0/${seg(i)}`),
      1000,
    );
    const b = (await list({ prefix: 'grow/' })).inv;
    const g = growthBetween(a, b);
    expect(g.segments).toBe(5);
    expect(g.bytes).toBe(5000);
    expect(g.segmentsPerSecond).toBeGreaterThan(0);
    expect(g.mbPerSecond).toBeGreaterThan(0);

    const plugin = s3Probe(options({ prefix: 'grow/', intervalSeconds: 0, listEverySeconds: 0.2, maxKeysPerListing: 7, pageSize: 3 }));
    const host = new PluginHarness();
    try {
      await host.setup(plugin);
      await host.fire('test:before', testInfo());
      expect(await until(() => plugin.report().inventory.listings >= 1)).toBe(true);
      await put(
        [5, 6, 7].map((i) => `grow/t/1/${seg(i)}`),
        1000,
      );
      expect(await until(() => (plugin.report().inventory.latest?.segments ?? 0) >= 7)).toBe(true);
      const m = await host.collect();
      expect(m['s3.segments']).toBe(7);
      expect(m['s3.listingCapped']).toBe(1);
      const s = await host.summarize();
      expect(s['s3.segmentsAdded']).toBe(2); // 5 -> 7 (capped at 7 of 8 keys)
      expect(s['s3.segmentsPerSecond']).toBeGreaterThan(0);
      expect(s['s3.list.count']).toBeGreaterThanOrEqual(5); // 5 keys: 2 pages of 3; then 7 of 8 keys: 3 pages
      expect(s['s3.probe.ops']).toBe(0);
      const caps = host.logs.filter((l) => l.level === 'warn' && l.message.includes('maxKeysPerListing'));
      expect(caps).toHaveLength(1);
    } finally {
      await host.end();
    }
  });
});
