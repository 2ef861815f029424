import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoadhouseError, type LoadhouseError } from '@loadhouse/core';
import { startAgent, type Agent } from '@loadhouse/agent';
import { normalizeHttpAddress, preflight } from './preflight.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!();
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(p: Promise<unknown>): Promise<LoadhouseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLoadhouseError(err, 'LH_HEALTH_CHECK_FAILED'), String(err)).toBe(true);
  return err as LoadhouseError;
}

const route =
  (routes: Record<string, [number, string]>): Handler =>
  (req, res) => {
    const [status, body] = routes[req.url ?? ''] ?? [404, 'nope'];
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };

describe('preflight against the reference agent', () => {
  let agent: Agent;
  beforeAll(async () => (agent = await startAgent()));
  afterAll(() => agent?.stop());

  it('passes and reports what each endpoint answered', async () => {
    const report = await preflight({ httpAddress: agent.httpAddress, readyTimeoutMs: 5000 });
    expect(report.health).toMatchObject({ url: `${agent.httpAddress}/health`, status: 200 });
    expect(report.health.body).toContain('ok');
    expect(report.ready.status).toBe(200);
    expect(report.metrics.samples).toBeGreaterThan(10);
    expect(report.metrics.malformedLines).toBe(0);
    expect(report.metrics.streamhouseFamilies).toBeGreaterThan(5);
    expect(report.warnings).toEqual([]);
  });

  it('accepts host:port and trailing paths', () => {
    expect(normalizeHttpAddress('127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(normalizeHttpAddress('http://h:8080/metrics')).toBe('http://h:8080');
    expect(normalizeHttpAddress('https://h/base/')).toBe('https://h/base');
  });
});

describe('preflight failures name the URL and what came back', () => {
  it('connection refused on /health', async () => {
    const url = await serve(() => undefined);
    await servers.pop()!(); // nothing listens there any more
    const err = await failure(preflight({ httpAddress: url }));
    expect(err.message).toContain(`${url}/health`);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('/health answering 503 with its body', async () => {
    const url = await serve(route({ '/health': [503, '{"status":"draining"}'] }));
    const err = await failure(preflight({ httpAddress: url }));
    expect(err.message).toContain(`${url}/health answered 503`);
    expect(err.message).toContain('draining');
    expect(err.details).toMatchObject({ status: 503 });
  });

  it('/ready never answering 200 within readyTimeoutMs', async () => {
    let attempts = 0;
    const url = await serve((req, res) => {
      if (req.url === '/ready') attempts++;
      route({ '/health': [200, 'ok'], '/ready': [503, '{"status":"not ready"}'] })(req, res);
    });
    const err = await failure(preflight({ httpAddress: url, readyTimeoutMs: 800 }));
    expect(err.message).toContain(`${url}/ready did not answer 200 within 800 ms`);
    expect(err.message).toContain('503');
    expect(err.message).toContain('not ready');
    expect(attempts).toBeGreaterThanOrEqual(2);
  });

  it('/ready turning 200 after a while passes', async () => {
    const start = Date.now();
    const url = await serve((req, res) => {
      const ready = Date.now() - start > 600;
      route({ '/health': [200, 'ok'], '/ready': ready ? [200, 'ready'] : [503, 'wait'], '/metrics': [200, 'streamhouse_x 1\n'] })(req, res);
    });
    const report = await preflight({ httpAddress: url, readyTimeoutMs: 10_000 });
    expect(report.ready.attempts).toBeGreaterThanOrEqual(2);
    expect(report.ready.ms).toBeGreaterThanOrEqual(250); // the whole wait, not the last request
  });

  it('/metrics that does not parse', async () => {
    const url = await serve(
      route({ '/health': [200, 'ok'], '/ready': [200, 'ok'], '/metrics': [200, '<html><body>Login required</body></html>'] }),
    );
    const err = await failure(preflight({ httpAddress: url }));
    expect(err.message).toContain(`${url}/metrics answered 200 but no Prometheus sample could be read`);
    expect(err.message).toContain('Login required');
  });

  it('/metrics answering 404; metrics without streamhouse_ families only warn', async () => {
    const url404 = await serve(route({ '/health': [200, 'ok'], '/ready': [200, 'ok'] }));
    expect((await failure(preflight({ httpAddress: url404 }))).message).toContain('/metrics answered 404');
    const other = await serve(route({ '/health': [200, 'ok'], '/ready': [200, 'ok'], '/metrics': [200, 'up 1\nbad line here\n'] }));
    const report = await preflight({ httpAddress: other });
    expect(report.warnings.join('\n')).toMatch(/1 malformed lines skipped/);
    expect(report.warnings.join('\n')).toMatch(/no streamhouse_ metrics/);
  });
});
