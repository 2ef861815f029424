// The HTTP side of the fault proxy: a target points its S3 endpoint here, and requests are relayed to the real
// S3 endpoint with the timeline's s3-* faults applied (throttling as S3 itself does it: 503 SlowDown).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultSchedule } from './timeline.js';

export interface S3ProxyOptions {
  /** Base URL of the real S3 endpoint (`http://127.0.0.1:9000`). */
  upstream: string;
  host?: string;
  port?: number;
  schedule: FaultSchedule;
  /** Chooses which requests a throttle refuses (default Math.random): a test passes a fixed sequence. */
  random?: () => number;
}

/** The error body S3 sends with a 503 SlowDown; SDKs read the code from it and back off. */
function slowDownBody(resource: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>' +
    `<Resource>${resource.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)}</Resource><RequestId>loadhouse-fault-proxy</RequestId></Error>`
  );
}

export class S3FaultProxy {
  private readonly server: http.Server;
  private readonly upstream: URL;
  private readonly random: () => number;
  private readonly waiting = new Set<() => void>();
  /** Requests relayed, and answered 503 by a throttle. */
  requests = 0;
  throttled = 0;

  constructor(private readonly o: S3ProxyOptions) {
    this.upstream = new URL(o.upstream);
    if (this.upstream.protocol !== 'http:') throw new Error(`the S3 upstream "${o.upstream}" must be an http:// URL`);
    this.random = o.random ?? Math.random;
    this.server = http.createServer((req, res) => void this.handle(req, res));
    o.schedule.onEvent((e) => {
      if (e.fault.kind === 's3-blackhole' && e.type === 'end') for (const wake of [...this.waiting]) wake();
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requests++;
    const { schedule } = this.o;
    if (schedule.active('s3-blackhole')) await new Promise<void>((resolve) => this.hold(resolve, res));
    const delay = schedule.active('s3-latency')?.parameter;
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const throttle = schedule.active('s3-throttle')?.parameter;
    if (throttle !== undefined && this.random() < throttle) {
      this.throttled++;
      req.resume(); // the body is not wanted, but must be read for the connection to be reused
      const body = slowDownBody(req.url ?? '/');
      res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'retry-after': '1' });
      res.end(body);
      return;
    }
    this.relay(req, res);
  }

  private hold(resolve: () => void, res: http.ServerResponse): void {
    const wake = () => {
      this.waiting.delete(wake);
      resolve();
    };
    this.waiting.add(wake);
    res.on('close', wake);
  }

  private relay(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (res.destroyed) return;
    // The Host header stays the client's: an S3 request signature (SigV4) covers it.
    const headers = req.headers;
    const out = http.request(
      { host: this.upstream.hostname, port: this.upstream.port || 80, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', (err) => {
      if (res.headersSent) res.destroy(err);
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(`loadhouse fault proxy: the S3 upstream failed: ${err.message}\n`);
    });
    req.pipe(out);
  }

  async close(): Promise<void> {
    for (const wake of [...this.waiting]) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
