// HTTP endpoints of the agent: /health and /live, /ready, /metrics (Prometheus text from the agent's own registry),
// and the REST door under /api/v1 (rest/rest-api.ts).
import { createServer, type Server } from 'node:http';
import type { AgentMetrics } from './metrics.js';
import { serveRest, type RestContext } from './rest/rest-api.js';
import type { TopicRegistry } from './topics.js';

/** GET /stats/records?topic=NAME[&org=ID][&top=N]: what the topic received (record-stats.ts). */
function recordStats(registry: TopicRegistry, params: URLSearchParams): [number, unknown] {
  const name = params.get('topic');
  if (!name) return [400, { error: 'give the topic: /stats/records?topic=NAME (and &org=ID for an organization)' }];
  const t = registry.get(params.get('org') ?? '', name);
  if (!t) return [404, { error: `no topic ${JSON.stringify(name)}` }];
  const top = Math.min(10_000, Math.max(1, Number(params.get('top') ?? 20) || 20));
  return [200, { topic: name, ...t.recordStats.toJSON(top) }];
}

export async function startHttpServer(
  host: string,
  port: number,
  metrics: AgentMetrics,
  isReady: () => boolean,
  rest?: RestContext,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (rest && (path === '/api/v1' || path.startsWith('/api/v1/'))) {
      serveRest(rest, req, res, path.slice('/api/v1'.length), q < 0 ? '' : url.slice(q + 1));
      return;
    }
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method not allowed' });
    if (path === '/health' || path === '/live') return json(200, { status: 'ok' });
    if (path === '/ready') return isReady() ? json(200, { status: 'ready' }) : json(503, { status: 'not ready' });
    if (path === '/stats/records' && rest) return json(...recordStats(rest.registry, new URLSearchParams(q < 0 ? '' : url.slice(q + 1))));
    if (path === '/metrics') {
      metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
        (err: unknown) => json(500, { error: String(err) }),
      );
      return;
    }
    json(404, { error: `no route ${path}; try /health, /live, /ready, /metrics, /stats/records?topic= or /api/v1/...` });
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
  return { server, port: bound };
}

export function stopHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Prometheus (and other scrapers) keep connections alive; without this close() would wait for them.
    server.closeAllConnections();
  });
}
