import { inspect } from 'node:util';
import { isLoadhouseError, type LoadhouseError } from '@loadhouse/core';
import { describe, expect, it } from 'vitest';
import type { S3ProbeOptions } from './options.js';
import { s3Probe } from './plugin.js';
import { checkBucket } from './preflight.js';
import { closedPort, faultProxyForTests, S3RVER_KEY_ID, s3rverForTests } from './test-support.js';
import { PluginHarness, testInfo } from '@loadhouse/core/testing';

const BUCKET = 'streamhouse-data';
const SECRET = 'preflight-secret-5f3a9c';
const credentials = { accessKeyId: S3RVER_KEY_ID, secretAccessKey: SECRET };

const s3 = s3rverForTests([BUCKET]);
const proxy = faultProxyForTests(s3);

function options(extra: Partial<S3ProbeOptions> = {}): S3ProbeOptions {
  return { endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET, credentials, timeoutMs: 3000, ...extra };
}

async function failure(opts: S3ProbeOptions): Promise<LoadhouseError> {
  try {
    await checkBucket(opts);
  } catch (err) {
    if (isLoadhouseError(err)) {
      // Whatever form the error is shown in, the secret is not there.
      expect(inspect(err, { depth: 6 })).not.toContain(SECRET);
      expect(JSON.stringify(err)).not.toContain(SECRET);
      return err;
    }
    throw err;
  }
  throw new Error('checkBucket resolved; a coded error was expected');
}

describe('checkBucket', () => {
  it('passes on a reachable bucket the credentials may list and write', async () => {
    const check = await checkBucket(options());
    expect(check).toMatchObject({ endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', segmentPrefix: 'data/', writable: true });
  });

  it('names endpoint and bucket in LH_S3_UNREACHABLE when nothing listens', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const err = await failure(options({ endpoint }));
    expect(err.code).toBe('LH_S3_UNREACHABLE');
    expect(err.message).toContain(endpoint);
    expect(err.message).toContain(BUCKET);
    expect(err.details).toMatchObject({ endpoint, bucket: BUCKET, step: 'HeadBucket' });
    expect(err.cause).toBeDefined();
  });

  it('treats an endpoint that does not answer within timeoutMs as unreachable', async () => {
    proxy.decide = () => ({ hangMs: 5000 });
    try {
      const err = await failure(options({ endpoint: proxy.endpoint, timeoutMs: 300 }));
      expect(err.code).toBe('LH_S3_UNREACHABLE');
      expect(err.message).toMatch(/300 ms/);
    } finally {
      proxy.decide = () => 'pass';
    }
  });

  it('reports a missing bucket as LH_S3_BUCKET_MISSING', async () => {
    const err = await failure(options({ bucket: 'no-such-bucket' }));
    expect(err.code).toBe('LH_S3_BUCKET_MISSING');
    expect(err.message).toContain('"no-such-bucket"');
    expect(err.message).toContain(s3.endpoint);
  });

  it('reports 403 AccessDenied, and a key the server does not know, as LH_S3_ACCESS_DENIED', async () => {
    proxy.decide = () => ({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
    try {
      const err = await failure(options({ endpoint: proxy.endpoint }));
      expect(err.code).toBe('LH_S3_ACCESS_DENIED');
      expect(err.message).toContain(proxy.endpoint);
      expect(err.message).toContain(BUCKET);
    } finally {
      proxy.decide = () => 'pass';
    }
    // Bucket readable, writes refused: found before the run, not as a 100 % probe error rate.
    proxy.decide = ({ method }) => (method === 'PUT' ? { status: 403, code: 'AccessDenied' } : 'pass');
    try {
      const err = await failure(options({ endpoint: proxy.endpoint }));
      expect(err.code).toBe('LH_S3_ACCESS_DENIED');
      expect(err.details).toMatchObject({ step: 'PutObject', status: 403, s3Code: 'AccessDenied' });
    } finally {
      proxy.decide = () => 'pass';
    }
    const unknownKey = await failure(options({ credentials: { accessKeyId: 'AKIANOTKNOWN', secretAccessKey: SECRET } }));
    expect(unknownKey.code).toBe('LH_S3_ACCESS_DENIED');
  });

  it('reports other answers (500, throttling) as LH_S3_PREFLIGHT_FAILED', async () => {
    proxy.decide = ({ method }) => (method === 'GET' ? { status: 500, code: 'InternalError' } : 'pass');
    try {
      const err = await failure(options({ endpoint: proxy.endpoint }));
      expect(err.code).toBe('LH_S3_PREFLIGHT_FAILED');
      expect(err.details).toMatchObject({ step: 'ListObjectsV2', status: 500 });
    } finally {
      proxy.decide = () => 'pass';
    }
  });

  it('runs in the test:before hook, so a bad bucket fails the run before any load', async () => {
    const plugin = s3Probe(options({ bucket: 'missing-bucket', intervalSeconds: 0.1 }));
    const host = new PluginHarness();
    await host.setup(plugin);
    await expect(host.fire('test:before', testInfo())).rejects.toMatchObject({ code: 'LH_S3_BUCKET_MISSING' });
    await new Promise((r) => setTimeout(r, 250));
    expect(plugin.report().probe.ops).toBe(0);
    expect(plugin.report().preflight).toBeNull();
    await host.end();
  });
});
