// A /metrics HTTP endpoint over a prom-client Registry of its own. The plugin uses one per run (or a shared one);
// a script that never runs a scenario can use it alone to serve its own metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { LoadhouseError } from '@loadhouse/core';

export interface ExporterOptions {
  /** Port to listen on (default 9464, the OpenTelemetry Prometheus exporter's; 0 = any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1; `0.0.0.0` to let a remote Prometheus scrape). */
  host?: string;
  /** Path of the metrics endpoint (default `/metrics`). */
  path?: string;
  /** The registry to serve (default: a new one, never prom-client's global registry). */
  registry?: Registry;
}

export interface ExporterAddress {
  host: string;
  port: number;
  /** Full URL of the metrics endpoint, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
}

export interface Exporter {
  readonly registry: Registry;
  readonly address: ExporterAddress;
  /** Stops listening and drops keep-alive connections (a scraping Prometheus would otherwise hold it open). */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 9464;
export const DEFAULT_HOST = '127.0.0.1';

export function validateListenOptions(options: { port?: unknown; host?: unknown; path?: unknown }, prefix = 'options'): void {
  const { port, host, path } = options;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${prefix}.port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${prefix}.host must be a non-empty string, got ${String(host)}`);
  }
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${prefix}.path must start with "/", got ${String(path)}`);
  }
}

/** Starts serving `registry` at `http://host:port/metrics`; resolves once listening. */
export async function createExporter(options: ExporterOptions = {}): Promise<Exporter> {
  validateListenOptions(options);
  const registry = options.registry ?? new Registry();
  const host = options.host ?? DEFAULT_HOST;
  const path = options.path ?? '/metrics';
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found. Metrics are at ${path}\n`);
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`Collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new LoadhouseError(
          'LH_INVALID_OPTION',
          `Cannot serve Prometheus metrics on ${host}:${options.port ?? DEFAULT_PORT}: ${err.code ?? err.message}. ` +
            'Choose another port (port 0 picks a free one).',
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const urlHost = bound.family === 'IPv6' || bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  const address: ExporterAddress = { host: bound.address, port: bound.port, url: `http://${urlHost}:${bound.port}${path}` };
  let closing: Promise<void> | undefined;
  return {
    registry,
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
