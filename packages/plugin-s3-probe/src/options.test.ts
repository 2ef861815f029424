import { isLoadhouseError } from '@loadhouse/core';
import { describe, expect, it } from 'vitest';
import { resolveOptions, type S3ProbeOptions } from './options.js';
import { s3Probe } from './plugin.js';

function rejection(options: unknown): { code: string; message: string; option: unknown } {
  try {
    s3Probe(options as S3ProbeOptions);
  } catch (err) {
    if (!isLoadhouseError(err)) throw err;
    return { code: err.code, message: err.message, option: err.details?.['option'] };
  }
  throw new Error('s3Probe accepted the options');
}

describe('s3Probe options', () => {
  it('applies defaults and derives the segment prefix from the organization', () => {
    const o = resolveOptions({ bucket: 'streamhouse-data', region: 'eu-west-1' });
    expect(o).toMatchObject({
      bucket: 'streamhouse-data',
      endpoint: undefined,
      region: 'eu-west-1',
      segmentPrefix: 'data/',
      intervalSeconds: 5,
      objectSize: 4096,
      listEverySeconds: 30,
      maxKeysPerListing: 100_000,
      pageSize: 1000,
      timeoutMs: 10_000,
      credentials: undefined,
    });
    expect(resolveOptions({ bucket: 'b-1', organizationId: 'acme' }).segmentPrefix).toBe('org-acme/data/');
    // An explicit prefix wins, gets its trailing slash, loses a leading one.
    expect(resolveOptions({ bucket: 'b-1', organizationId: 'acme', prefix: '/custom/segs' }).segmentPrefix).toBe('custom/segs/');
    expect(resolveOptions({ bucket: 'b-1', prefix: '' }).segmentPrefix).toBe('');
    expect(resolveOptions({ bucket: 'b-1', endpoint: 'http://localhost:9000/' }).endpoint).toBe('http://localhost:9000');
  });

  it.each([
    [{}, 'bucket'],
    [{ bucket: 'Bad_Bucket!' }, 'bucket'],
    [{ bucket: 'b-1', endpoint: 'localhost:9000' }, 'endpoint'],
    [{ bucket: 'b-1', endpoint: 'ftp://x' }, 'endpoint'],
    [{ bucket: 'b-1', region: '' }, 'region'],
    [{ bucket: 'b-1', intervalSeconds: -1 }, 'intervalSeconds'],
    [{ bucket: 'b-1', intervalSeconds: Number.NaN }, 'intervalSeconds'],
    [{ bucket: 'b-1', objectSize: 0 }, 'objectSize'],
    [{ bucket: 'b-1', objectSize: 1.5 }, 'objectSize'],
    [{ bucket: 'b-1', objectSize: 1024 ** 3 }, 'objectSize'],
    [{ bucket: 'b-1', listEverySeconds: '10' }, 'listEverySeconds'],
    [{ bucket: 'b-1', maxKeysPerListing: 0 }, 'maxKeysPerListing'],
    [{ bucket: 'b-1', pageSize: 1001 }, 'pageSize'],
    [{ bucket: 'b-1', timeoutMs: 0 }, 'timeoutMs'],
    [{ bucket: 'b-1', organizationId: 'a/b' }, 'organizationId'],
    [{ bucket: 'b-1', prefix: 7 }, 'prefix'],
  ])('rejects %j with LH_INVALID_OPTION naming options.%s', (options, option) => {
    const r = rejection(options);
    expect(r.code).toBe('LH_INVALID_OPTION');
    expect(r.message).toContain(`options.${option}`);
    expect(r.option).toBe(`s3Probe.${option}`);
  });

  it('rejects bad credentials, and credentials in the endpoint URL, without echoing them', () => {
    const secret = 'do-not-echo-9b1f';
    const bad = rejection({ bucket: 'b-1', credentials: { accessKeyId: 'AKIA', secretAccessKey: '', sessionToken: secret } });
    expect(bad.message).toContain('options.credentials');
    expect(JSON.stringify(bad)).not.toContain(secret);
    const url = rejection({ bucket: 'b-1', endpoint: `http://user:${secret}@localhost:9000` });
    expect(url.message).toContain('options.endpoint');
    expect(JSON.stringify(url)).not.toContain(secret);
  });

  it('exposes a config without credentials, and JSON of the plugin holds only name and config', () => {
    const secret = 'config-secret-42';
    const plugin = s3Probe({
      bucket: 'streamhouse-data',
      endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: secret, sessionToken: 'tok-42' },
    });
    expect(plugin.name).toBe('s3-probe');
    expect(plugin.apiVersion).toBe(1);
    expect(plugin.config).toMatchObject({ endpoint: 'http://127.0.0.1:9000', probePrefix: '_loadhouse-probe/', credentials: 'options' });
    expect(Object.isFrozen(plugin.config)).toBe(true);
    const json = JSON.stringify(plugin);
    expect(JSON.parse(json)).toEqual({ name: 's3-probe', apiVersion: 1, config: plugin.config });
    expect(json).not.toContain(secret);
    expect(json).not.toContain('tok-42');
    expect(s3Probe({ bucket: 'b-1' }).config.credentials).toBe('default-chain');
    expect(s3Probe({ bucket: 'b-1', region: 'ap-south-1' }).config.endpoint).toBe('AWS S3 (ap-south-1)');
  });
});
