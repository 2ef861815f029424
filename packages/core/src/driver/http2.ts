// The produce path of the gRPC driver without grpc-js: ProduceBatch calls as raw node:http2 streams carrying
// request bytes the engine laid out once (proto/produce-frame.ts). grpc-js costs a call set-up, a metadata
// copy, a serialization and a framing copy per call; here a call is one stream, one header object shared by
// every call, the bytes written as they are, and the status read from the trailers. Errors carry the same
// status names grpc-js gives: UNAVAILABLE when the connection is down, DEADLINE_EXCEEDED at the deadline.
import http2 from 'node:http2';
import { LoadhouseError } from '../errors.js';
import { grpc, statusName, type TlsOptions } from '../proto/client.js';
import { responseCodec } from '../proto/codec.js';
import { STREAMHOUSE_SERVICE_NAME } from '../proto/service.js';
import { splitHostPort } from '../util.js';
import type { DriverFailure, PendingCall, ProduceCallback } from './types.js';

const RETRIABLE = new Set<number>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
]);

/** A gRPC status code in the engine's terms. */
export function statusFailure(code: number, message: string): DriverFailure {
  return { status: statusName(code), retriable: RETRIABLE.has(code), message };
}

export interface Http2ProduceOptions {
  tls?: TlsOptions | boolean | undefined;
  organizationId?: string | undefined;
  metadata?: Record<string, string> | undefined;
  deadlineMs: number;
  /** HTTP/2 sessions (TCP connections) calls rotate over. */
  connections: number;
}

const WINDOW = 4 * 1024 * 1024;
/** After a connection attempt fails, calls fail at once for this long before the next attempt (as grpc-js backs off). */
const RECONNECT_BACKOFF_MS = 1_000;
const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;
const S = grpc.status;

/** The gRPC status of an HTTP answer without one (the mapping of the gRPC HTTP/2 protocol spec). */
function httpStatusCode(http: number): number {
  if (http === 400) return S.INTERNAL;
  if (http === 401) return S.UNAUTHENTICATED;
  if (http === 403) return S.PERMISSION_DENIED;
  if (http === 404) return S.UNIMPLEMENTED;
  if (http === 429 || http === 502 || http === 503 || http === 504) return S.UNAVAILABLE;
  return S.UNKNOWN;
}

function grpcTimeout(ms: number): string {
  return ms < 1e8 ? `${Math.max(1, Math.ceil(ms))}m` : `${Math.ceil(ms / 1000)}S`;
}

function decodeMessage(raw: unknown): string {
  const s = Array.isArray(raw) ? raw.join(',') : String(raw ?? '');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const produceResponse = responseCodec('ProduceBatch');
const noop = () => {};
const NO_CALL: PendingCall = { cancel: noop };

/** The call a stream belongs to: the stream's listeners are shared functions, not closures made per call. */
const CALL = Symbol('loadhouse.http2Call');
type CallStream = http2.ClientHttp2Stream & { [CALL]: Http2Call };

function onStreamHeaders(this: CallStream, h: http2.IncomingHttpHeaders): void {
  this[CALL].headers(h);
}
function onStreamData(this: CallStream, chunk: Buffer): void {
  this[CALL].data(chunk);
}
function onStreamFinish(this: CallStream): void {
  this[CALL].release();
}
function onStreamClose(this: CallStream): void {
  this[CALL].closed();
}
function onCallDeadline(call: Http2Call): void {
  call.deadline();
}

/** One ProduceBatch stream: `written` is called once, before `callback`, which runs at most once. */
class Http2Call implements PendingCall {
  private status = -1;
  private message = '';
  private http = 0;
  private body: Buffer | undefined;
  private done = false;
  private released = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: http2.ClientHttp2Stream,
    private readonly session: http2.ClientHttp2Session,
    request: Uint8Array,
    private readonly written: () => void,
    private readonly callback: ProduceCallback,
    deadlineMs: number,
  ) {
    (stream as CallStream)[CALL] = this;
    stream.on('response', onStreamHeaders);
    stream.on('trailers', onStreamHeaders);
    stream.on('data', onStreamData);
    stream.on('close', onStreamClose);
    stream.on('error', noop);
    // As end()'s callback would: once the request is written (close releases it too, should it fail first).
    stream.on('finish', onStreamFinish);
    this.timer = setTimeout(onCallDeadline, deadlineMs, this);
    stream.end(request);
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.stream.close(NGHTTP2_CANCEL);
    this.release();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.written();
  }

  headers(h: http2.IncomingHttpHeaders): void {
    const http = h[':status'];
    if (http !== undefined) this.http = Number(http);
    const s = h['grpc-status'];
    if (s !== undefined) {
      this.status = Number(s);
      this.message = decodeMessage(h['grpc-message']);
    }
  }

  data(chunk: Buffer): void {
    this.body = this.body ? Buffer.concat([this.body, chunk]) : chunk;
  }

  deadline(): void {
    if (this.done) return;
    this.done = true;
    this.stream.close(NGHTTP2_CANCEL);
    this.release();
    this.callback(statusFailure(S.DEADLINE_EXCEEDED, 'Deadline exceeded'), -1);
  }

  closed(): void {
    clearTimeout(this.timer);
    this.release();
    if (this.done) return;
    this.done = true;
    const [failure, offset, duplicate] = this.outcome();
    this.callback(failure, offset, duplicate);
  }

  private outcome(): [DriverFailure | null, number, boolean?] {
    if (this.status === 0) {
      const d = this.body;
      if (!d || d.length < 5 || d.length < 5 + d.readUInt32BE(1))
        return [statusFailure(S.INTERNAL, 'ProduceBatch answered OK without a response message'), -1];
      try {
        const res = produceResponse.decode(d.subarray(5, 5 + d.readUInt32BE(1)));
        return [null, res.firstOffset, res.duplicatesFiltered];
      } catch (err) {
        return [statusFailure(S.INTERNAL, `ProduceBatch response does not decode: ${(err as Error).message}`), -1];
      }
    }
    if (this.status > 0) return [statusFailure(this.status, this.message), -1];
    if (this.http !== 0 && this.http !== 200)
      return [statusFailure(httpStatusCode(this.http), `HTTP status ${this.http} without a gRPC status`), -1];
    const rst = this.stream.rstCode;
    if (this.http === 0 || this.session.destroyed || this.session.closed || rst === NGHTTP2_REFUSED_STREAM) {
      return [statusFailure(S.UNAVAILABLE, 'The connection closed before the call was answered'), -1];
    }
    if (rst === NGHTTP2_ENHANCE_YOUR_CALM)
      return [statusFailure(S.RESOURCE_EXHAUSTED, 'The server refused the stream (ENHANCE_YOUR_CALM)'), -1];
    return [statusFailure(S.INTERNAL, `The stream ended without a gRPC status (RST_STREAM code ${rst ?? 0})`), -1];
  }
}

/**
 * ProduceBatch over `connections` HTTP/2 sessions, used round-robin. A session that closes is replaced on
 * the next call; one that failed to connect is retried after a back-off, its calls failing UNAVAILABLE.
 */
export class Http2Produce {
  private readonly url: string;
  private readonly connectOptions: http2.SecureClientSessionOptions;
  private readonly headers: http2.OutgoingHttpHeaders;
  private readonly sessions: Array<http2.ClientHttp2Session | undefined>;
  private readonly retryAt: number[];
  private next = 0;
  private closed = false;

  /** Undefined when the address is not host:port (another gRPC name scheme): grpc-js then carries produce too. */
  static create(address: string, o: Http2ProduceOptions): Http2Produce | undefined {
    const hp = splitHostPort(address);
    return hp ? new Http2Produce(hp.host, hp.port, o) : undefined;
  }

  private constructor(
    host: string,
    port: number,
    private readonly o: Http2ProduceOptions,
  ) {
    const tls = o.tls;
    this.url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.connectOptions = { settings: { initialWindowSize: WINDOW }, maxSessionMemory: 64 };
    const serverName = typeof tls === 'object' ? tls.serverName : undefined;
    if (typeof tls === 'object') {
      if (tls.ca !== undefined) this.connectOptions.ca = tls.ca;
      if (tls.cert !== undefined) this.connectOptions.cert = tls.cert;
      if (tls.key !== undefined) this.connectOptions.key = tls.key;
      if (serverName) this.connectOptions.servername = serverName;
    }
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': `/${STREAMHOUSE_SERVICE_NAME}/ProduceBatch`,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': grpcTimeout(o.deadlineMs),
    };
    if (serverName) headers[':authority'] = serverName;
    if (o.organizationId) headers['x-organization-id'] = o.organizationId;
    for (const [k, v] of Object.entries(o.metadata ?? {})) headers[k.toLowerCase()] = v;
    this.headers = headers;
    const n = Math.max(1, Math.floor(o.connections));
    this.sessions = new Array(n).fill(undefined);
    this.retryAt = new Array(n).fill(0);
  }

  /** Opens every session and waits for them (pre-warm); LH_TARGET_UNREACHABLE when one does not come up. */
  async connect(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.sessions.map(
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const s = this.session(i);
            if (!s) return reject(new Error('the last connection attempt failed'));
            if (!s.connecting) return resolve();
            const timer = setTimeout(() => fail(new Error(`no HTTP/2 session within ${timeoutMs} ms`)), timeoutMs);
            const fail = (err: Error) => {
              clearTimeout(timer);
              s.off('connect', ok);
              reject(err);
            };
            const ok = () => {
              clearTimeout(timer);
              s.off('error', fail);
              resolve();
            };
            s.once('connect', ok);
            s.once('error', fail);
          }),
      ),
    ).catch((cause: unknown) => {
      throw new LoadhouseError('LH_TARGET_UNREACHABLE', `Cannot open the produce connection to ${this.url}: ${(cause as Error).message}`, {
        cause,
      });
    });
  }

  private session(i: number): http2.ClientHttp2Session | undefined {
    const s = this.sessions[i];
    if (s && !s.closed && !s.destroyed) return s;
    if (this.closed || Date.now() < this.retryAt[i]!) return undefined;
    return this.open(i);
  }

  private open(i: number): http2.ClientHttp2Session {
    const s = http2.connect(this.url, this.connectOptions);
    let connected = false;
    s.on('connect', () => {
      connected = true;
      s.setLocalWindowSize(WINDOW);
    });
    const drop = () => {
      if (this.sessions[i] === s) this.sessions[i] = undefined;
    };
    s.on('error', () => {
      if (!connected) this.retryAt[i] = Date.now() + RECONNECT_BACKOFF_MS;
      drop();
    });
    s.on('goaway', drop);
    s.on('close', drop);
    this.sessions[i] = s;
    return s;
  }

  produce(request: Uint8Array, written: () => void, callback: ProduceCallback): PendingCall {
    const i = this.next++ % this.sessions.length;
    const s = this.session(i);
    let stream: http2.ClientHttp2Stream | undefined;
    if (s) {
      try {
        stream = s.request(this.headers);
      } catch {
        stream = undefined;
      }
    }
    if (!s || !stream) {
      written();
      // Never synchronously: the caller is still inside its send loop.
      setImmediate(callback, statusFailure(S.UNAVAILABLE, `No connection to ${this.url}`), -1);
      return NO_CALL;
    }
    return new Http2Call(stream, s, request, written, callback, this.o.deadlineMs);
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions) s?.close();
  }
}
