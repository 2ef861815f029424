// HTTP exchanges of the REST driver on an undici keep-alive pool, callback-style (undici's dispatch: no promise
// or stream per call on the hot path), and how an HTTP answer or a transport error becomes a DriverFailure in the
// engine's status names, so the connection-error criteria and the outage detector read REST like gRPC.
import { createRequire } from 'node:module';
import type { Dispatcher, Pool } from 'undici';
import type { TlsOptions } from '../proto/client.js';
import type { DriverFailure, PendingCall } from './types.js';

/** An answer: a failure (transport error or non-2xx status), the HTTP status (0 when none) and the body text. */
export type HttpCallback = (failure: DriverFailure | null, status: number, body: string) => void;

interface StatusMeaning {
  status: string;
  retriable: boolean;
}

/** HTTP statuses in the engine's (gRPC) status names; 429/503/504 are what a REST target says when it is overloaded. */
const STATUS_OF_HTTP: ReadonlyMap<number, StatusMeaning> = new Map([
  [400, { status: 'INVALID_ARGUMENT', retriable: false }],
  [401, { status: 'UNAUTHENTICATED', retriable: false }],
  [403, { status: 'PERMISSION_DENIED', retriable: false }],
  [404, { status: 'NOT_FOUND', retriable: false }],
  [408, { status: 'DEADLINE_EXCEEDED', retriable: true }],
  [409, { status: 'ALREADY_EXISTS', retriable: false }],
  [412, { status: 'FAILED_PRECONDITION', retriable: false }],
  [413, { status: 'RESOURCE_EXHAUSTED', retriable: false }],
  [422, { status: 'INVALID_ARGUMENT', retriable: false }],
  [429, { status: 'RESOURCE_EXHAUSTED', retriable: true }],
  [500, { status: 'INTERNAL', retriable: false }],
  [501, { status: 'UNIMPLEMENTED', retriable: false }],
  [502, { status: 'UNAVAILABLE', retriable: true }],
  [503, { status: 'UNAVAILABLE', retriable: true }],
  [504, { status: 'DEADLINE_EXCEEDED', retriable: true }],
]);

/** A non-2xx answer as a failure; a status with no gRPC counterpart keeps its number (`HTTP_418`). */
export function httpFailure(status: number, body: string): DriverFailure {
  const m = STATUS_OF_HTTP.get(status) ?? { status: status >= 500 ? 'UNAVAILABLE' : `HTTP_${status}`, retriable: status >= 500 };
  let detail = body.trim();
  try {
    const parsed = JSON.parse(detail) as { message?: unknown; error?: unknown };
    if (typeof parsed.message === 'string') detail = parsed.message;
    else if (typeof parsed.error === 'string') detail = parsed.error;
  } catch {
    // Not JSON (StreamHouse answers most errors with an empty body): keep the text.
  }
  return { ...m, message: `HTTP ${status}${detail ? `: ${detail.slice(0, 300)}` : ''}` };
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A transport error: a timeout is DEADLINE_EXCEEDED, an abort CANCELLED, anything else (refused, reset) UNAVAILABLE. */
export function transportFailure(err: unknown): DriverFailure {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof e?.code === 'string' && TIMEOUT_CODES.has(e.code)) return { status: 'DEADLINE_EXCEEDED', retriable: true, message };
  if (e?.code === 'UND_ERR_ABORTED' || e?.name === 'AbortError') return { status: 'CANCELLED', retriable: true, message };
  return { status: 'UNAVAILABLE', retriable: true, message };
}

/** One exchange: collects the body and answers once (never inside dispatch()). */
class Exchange implements Dispatcher.DispatchHandlers, PendingCall {
  private status = 0;
  private readonly chunks: Buffer[] = [];
  private abortFn: ((err?: Error) => void) | undefined;
  private done = false;

  constructor(private readonly callback: HttpCallback) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.done) abort();
  }
  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }
  onComplete(): void {
    if (this.done) return;
    this.done = true;
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    const ok = this.status >= 200 && this.status < 300;
    this.callback(ok ? null : httpFailure(this.status, text), this.status, text);
  }
  onError(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.callback(transportFailure(err), 0, '');
  }
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.abortFn?.();
  }
}

export interface RestHttpOptions {
  /** Headers sent with every request: tenant, authorization. */
  headers: Record<string, string>;
  deadlineMs: number;
  tls?: TlsOptions | boolean | undefined;
}

// undici is required when a REST driver is made, not when @loadhouse/core is imported: loaded at import time
// it threw "Illegal constructor" inside config files that tsx loads (loadhouse.config.ts importing the SDK).
let undici: typeof import('undici') | undefined;
const loadUndici = (): typeof import('undici') => (undici ??= createRequire(import.meta.url)('undici') as typeof import('undici'));

/** A keep-alive pool to one REST base URL: a socket per request in flight, reused for the next one. */
export class RestHttp {
  private readonly pool: Pool;
  /** The base URL's path (a target behind a path prefix), without its trailing slash. */
  private readonly prefix: string;
  private readonly headers: Record<string, string>;
  private readonly jsonHeaders: Record<string, string>;

  constructor(
    readonly base: URL,
    private readonly o: RestHttpOptions,
  ) {
    this.prefix = base.pathname.replace(/\/+$/, '');
    const tls = typeof o.tls === 'object' ? o.tls : undefined;
    const connect = tls
      ? {
          ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
          ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
          ...(tls.key !== undefined ? { key: tls.key } : {}),
          ...(tls.serverName !== undefined ? { servername: tls.serverName } : {}),
        }
      : undefined;
    // No socket limit: the engine bounds requests in flight (maxInFlight, one poll per partition).
    this.pool = new (loadUndici().Pool)(base.origin, {
      connections: null,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      ...(connect ? { connect } : {}),
    });
    this.headers = { ...o.headers };
    this.jsonHeaders = { ...o.headers, 'content-type': 'application/json' };
  }

  /** Sends one request; `path` starts with '/' and is appended to the base URL's path. */
  request(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: string | undefined,
    callback: HttpCallback,
    timeoutMs?: number,
  ): PendingCall {
    const exchange = new Exchange(callback);
    const timeout = timeoutMs ?? this.o.deadlineMs;
    try {
      this.pool.dispatch(
        {
          method,
          path: this.prefix + path,
          headers: body === undefined ? this.headers : this.jsonHeaders,
          ...(body === undefined ? {} : { body }),
          headersTimeout: timeout,
          bodyTimeout: timeout,
        },
        exchange,
      );
    } catch (err) {
      setImmediate(() => exchange.onError(err as Error));
    }
    return exchange;
  }

  /** The same as a promise, for the control plane: resolves with any HTTP answer, rejects on a transport error. */
  call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, timeoutMs?: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.request(
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
        (failure, status, text) => {
          if (status === 0) reject(new Error(failure?.message ?? 'no answer'));
          else resolve({ status, body: text });
        },
        timeoutMs,
      );
    });
  }

  close(): void {
    this.pool.destroy().catch(() => undefined);
  }
}
