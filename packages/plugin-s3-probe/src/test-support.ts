// Test fixtures (not exported by the package): a real s3rver in a temp folder and a fault-injecting HTTP proxy
// in front of it. The plugin runs in @loadhouse/core/testing's PluginHarness.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from '@loadhouse/agent';
import type { S3ProbeOptions } from './options.js';
import { agentForTests, startedForTests } from '../../core/src/test-support.js';

/** s3rver checks the key id (not the V4 signature): any secret works with this id. */
export const S3RVER_KEY_ID = 'S3RVER';

export interface S3Fixture {
  endpoint: string;
  directory: string;
  close(): Promise<void>;
}

// s3rver makes its ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 refuses
// unless the legacy provider is loaded at start-up: without it every truncated listing answers 500.
// So the test's s3rver runs in a child Node with --openssl-legacy-provider.
const CHILD = `
import S3rver from 's3rver';
const { directory, buckets } = JSON.parse(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
const addr = await server.run();
process.stdout.write(JSON.stringify({ port: addr.port }) + '\\n');
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop); // the test process went away
process.stdin.resume();
`;

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function startS3rver(buckets: string[] = ['streamhouse-data']): Promise<S3Fixture> {
  const directory = await mkdtemp(join(tmpdir(), 'lh-s3probe-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--input-type=module', '-e', CHILD, JSON.stringify({ directory, buckets })],
    { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line!) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver child exited with ${code} before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** An s3rver holding `buckets`, for the calling block's tests. */
export function s3rverForTests(buckets: string[]): S3Fixture {
  return startedForTests(
    () => startS3rver(buckets),
    (s3) => s3.close(),
  );
}

/** The reference agent storing its segments in `bucket` of `s3` (started before it), for the calling block's tests. */
export function agentOnS3ForTests(
  s3: S3Fixture,
  o: { bucket: string; credentials: { accessKeyId: string; secretAccessKey: string }; segmentMaxAgeMs: number },
): Agent {
  return agentForTests(() => ({
    grpcPort: 0,
    httpPort: 0,
    segmentMaxAgeMs: o.segmentMaxAgeMs,
    s3: { endpoint: s3.endpoint, region: 'us-east-1', bucket: o.bucket, ...o.credentials },
  }));
}

/** The s3Probe options of a test against `bucket` of `s3` (the region s3rver answers for), plus `extra`. */
export function probeOptions(
  s3: S3Fixture,
  bucket: string,
  credentials: S3ProbeOptions['credentials'],
  extra: Partial<S3ProbeOptions> = {},
): S3ProbeOptions {
  return { endpoint: s3.endpoint, region: 'us-east-1', bucket, credentials, ...extra };
}

/** What the proxy does with one request: forward it, or answer with an S3 error of its own. */
export type ProxyAction = 'pass' | 'corrupt' | { status: number; code: string; message?: string; delayMs?: number } | { hangMs: number };

export interface ProxyFixture {
  endpoint: string;
  /** Decides per request (method and path); default: forward everything. */
  decide: (req: { method: string; path: string }) => ProxyAction;
  /** Requests seen: method and path. */
  seen: Array<{ method: string; path: string; answered: number | 'pass' }>;
  close(): Promise<void>;
}

/** An HTTP proxy in front of an S3 endpoint that answers chosen requests with S3 error XML. */
export async function startFaultProxy(upstream: string): Promise<ProxyFixture> {
  const target = new URL(upstream);
  const fixture: ProxyFixture = {
    endpoint: '',
    decide: () => 'pass',
    seen: [],
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const action = fixture.decide({ method, path });
    if (action === 'pass' || action === 'corrupt') {
      fixture.seen.push({ method, path, answered: 'pass' });
      const up = http.request({ host: target.hostname, port: target.port, method, path, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (action === 'pass') return void upRes.pipe(res);
        // Same length, one bit flipped in the first byte: only a byte comparison can tell.
        let first = true;
        upRes.on('data', (chunk: Buffer) => {
          if (first && chunk.length > 0) {
            chunk[0] = chunk[0]! ^ 0x01;
            first = false;
          }
          res.write(chunk);
        });
        upRes.on('end', () => res.end());
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
      return;
    }
    if ('hangMs' in action) {
      fixture.seen.push({ method, path, answered: 0 });
      req.resume();
      const t = setTimeout(() => res.destroy(), action.hangMs);
      res.on('close', () => clearTimeout(t));
      return;
    }
    fixture.seen.push({ method, path, answered: action.status });
    // Drain the body first, as S3 does, so the client sees the answer rather than a reset.
    req.resume();
    req.on('end', () => {
      const xml =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Error><Code>${action.code}</Code><Message>${action.message ?? action.code}</Message>` +
        '<RequestId>LH0000000000</RequestId></Error>';
      const send = () => {
        res.writeHead(action.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
        res.end(method === 'HEAD' ? undefined : xml);
      };
      if (action.delayMs) setTimeout(send, action.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fixture.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fixture.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fixture;
}

/** A fault proxy in front of `s3` (started before it), for the calling block's tests. */
export function faultProxyForTests(s3: S3Fixture): ProxyFixture {
  return startedForTests(
    () => startFaultProxy(s3.endpoint),
    (proxy) => proxy.close(),
  );
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `fn` until it returns true or `timeoutMs` passes. */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 15_000, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return fn();
}
