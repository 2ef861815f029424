// A typed StreamHouse client over @grpc/grpc-js: a pool of channels (one TCP connection each),
// raised HTTP/2 windows, deadlines, tenant and auth metadata, optional TLS.
import { connect as netConnect } from 'node:net';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { LoadhouseError } from '../errors.js';
import { splitHostPort } from '../util.js';
import type { StreamHouseMethod, StreamHouseMethods } from './messages.js';
import { streamHouseServiceDefinition } from './service.js';

export interface TlsOptions {
  /** PEM of the CA that signed the server certificate (default: the system roots). */
  ca?: string | Buffer;
  /** PEM client certificate and key, for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Overrides the name checked against the server certificate. */
  serverName?: string;
}

export interface ClientOptions {
  /** Sent as the `x-organization-id` metadata on every call. */
  organizationId?: string;
  /** TLS settings; `true` uses the system roots. Plaintext when absent. */
  tls?: TlsOptions | boolean;
  /** Extra metadata on every call, e.g. `{ authorization: 'Bearer …' }`. */
  metadata?: Record<string, string>;
  /** Deadline per call in milliseconds (default 30000). */
  deadlineMs?: number;
  /** Number of channels (TCP connections) calls are spread over (default 1). */
  connections?: number;
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

export type Response<M extends StreamHouseMethod> = StreamHouseMethods[M][1];
export type Request<M extends StreamHouseMethod> = StreamHouseMethods[M][0];
export type UnaryCallback<M extends StreamHouseMethod> = (err: grpc.ServiceError | null, res?: Response<M>) => void;

const MiB = 1024 * 1024;

/** Channel options loadhouse uses by default: large windows and messages, its own connection per channel. */
export function defaultChannelOptions(): grpc.ChannelOptions {
  return {
    'grpc.max_send_message_length': 64 * MiB,
    'grpc.max_receive_message_length': 64 * MiB,
    'grpc-node.flow_control_window': 4 * MiB,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  };
}

function credentialsFor(tls: ClientOptions['tls']): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  if (tls === true) return grpc.credentials.createSsl();
  checkTls(tls);
  const buf = (v: string | Buffer | undefined) => (v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));
  return grpc.credentials.createSsl(buf(tls.ca), buf(tls.key), buf(tls.cert));
}

/**
 * TLS material is checked the way the connection will use it (PEM that parses, a key that matches its
 * certificate), so a wrong file is a coded error now rather than a handshake failure later.
 */
export function checkTls(tls: TlsOptions): void {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.target.tls: a client ${tls.cert === undefined ? 'key' : 'certificate'} needs its ${tls.cert === undefined ? 'certificate' : 'key'} too (mutual TLS takes both; --tls-cert with --tls-key)`,
      { details: { option: 'options.target.tls' } },
    );
  }
  // Node ignores a CA without any certificate block in it; a connection would then fail its handshake.
  if (tls.ca !== undefined && !String(tls.ca).includes('-----BEGIN CERTIFICATE-----')) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      'options.target.tls: the CA holds no PEM certificate (-----BEGIN CERTIFICATE-----); check --tls-ca',
      {
        details: { option: 'options.target.tls' },
      },
    );
  }
  try {
    createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
  } catch (cause) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `options.target.tls: the CA, certificate or key is not usable PEM (${(cause as Error).message}); check --tls-ca, --tls-cert, --tls-key`,
      {
        cause,
        details: { option: 'options.target.tls' },
      },
    );
  }
}

/**
 * Why a gRPC connection could not be set up, from one plain TCP connection to the same address: nothing
 * listening, a name that does not resolve, no answer, or a port that accepts TCP but did not give a gRPC
 * session (TLS on one side only, or not a gRPC port). '' when the address is not host:port.
 */
export function diagnoseConnection(address: string, tls: boolean, timeoutMs = 1_000): Promise<string> {
  const hp = splitHostPort(address);
  if (!hp) return Promise.resolve('');
  const { host, port } = hp;
  if (!(port >= 1 && port <= 65535)) return Promise.resolve(`${port} is not a TCP port`);
  return new Promise((resolve) => {
    let socket: ReturnType<typeof netConnect>;
    try {
      socket = netConnect({ host, port });
    } catch (e) {
      resolve((e as Error).message);
      return;
    }
    const done = (why: string) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} (host down, or a firewall drops the connection)`));
    socket.once('connect', () =>
      done(
        tls
          ? 'it accepts TCP connections but no TLS gRPC session came up: a plaintext server given TLS flags, a certificate the CA does not sign, or not a gRPC port'
          : 'it accepts TCP connections but no gRPC session came up: a TLS server (add --tls-ca), or not a gRPC port (the HTTP port, say)',
      ),
    );
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') done(`connection refused: nothing listens on ${host}:${port}`);
      else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') done(`the host name ${host} does not resolve`);
      else done(`${e.code ?? 'error'}: ${e.message}`);
    });
  });
}

const ClientCtor = grpc.makeGenericClientConstructor(streamHouseServiceDefinition(), 'StreamHouse');

/** Lower-case status name of a gRPC code (`UNAVAILABLE`), the key used in `errorsByCode`. */
export function statusName(code: number): string {
  return (grpc.status as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

export class StreamHouseClient {
  readonly address: string;
  private readonly clients: grpc.Client[];
  private readonly metadata: grpc.Metadata;
  private readonly deadlineMs: number;
  private next = 0;

  private readonly tls: boolean;
  private closed = false;
  private readonly closeWaiters = new Set<() => void>();

  constructor(address: string, options: ClientOptions = {}) {
    this.address = address;
    this.tls = Boolean(options.tls);
    const connections = Math.max(1, Math.floor(options.connections ?? 1));
    const creds = credentialsFor(options.tls);
    const channelOptions: grpc.ChannelOptions = { ...defaultChannelOptions(), ...options.channelOptions };
    if (options.tls && options.tls !== true && options.tls.serverName) {
      channelOptions['grpc.ssl_target_name_override'] = options.tls.serverName;
      channelOptions['grpc.default_authority'] = options.tls.serverName;
    }
    this.clients = [];
    for (let i = 0; i < connections; i++) {
      // A distinct option value keeps grpc-js from sharing one connection between the channels.
      this.clients.push(new ClientCtor(address, creds, { ...channelOptions, 'loadhouse.channel': i }));
    }
    this.metadata = new grpc.Metadata();
    if (options.organizationId) this.metadata.set('x-organization-id', options.organizationId);
    for (const [k, v] of Object.entries(options.metadata ?? {})) this.metadata.set(k, v);
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  get connections(): number {
    return this.clients.length;
  }

  /** Channels whose connectivity state is READY or IDLE (able to take calls now). */
  healthyConnections(): number {
    let n = 0;
    for (const c of this.clients) {
      const s = c.getChannel().getConnectivityState(false);
      if (s === grpc.connectivityState.READY || s === grpc.connectivityState.IDLE) n++;
    }
    return n;
  }

  /** Callback form for hot paths: no promise per call. Calls rotate over the channels. */
  unary<M extends StreamHouseMethod>(
    method: M,
    request: Request<M>,
    callback: UnaryCallback<M>,
    deadlineMs: number = this.deadlineMs,
  ): grpc.ClientUnaryCall {
    const client = this.clients[this.next++ % this.clients.length] as unknown as Record<
      string,
      (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: UnaryCallback<M>) => grpc.ClientUnaryCall
    >;
    const fn = client[method]!;
    return fn.call(client, request, this.metadata, { deadline: Date.now() + deadlineMs }, callback);
  }

  call<M extends StreamHouseMethod>(method: M, request: Request<M>, deadlineMs?: number): Promise<Response<M>> {
    return new Promise((resolve, reject) => {
      this.unary(method, request, (err, res) => (err ? reject(err) : resolve(res as Response<M>)), deadlineMs);
    });
  }

  createTopic(req: Request<'CreateTopic'>) {
    return this.call('CreateTopic', req);
  }
  getTopic(req: Request<'GetTopic'>) {
    return this.call('GetTopic', req);
  }
  listTopics() {
    return this.call('ListTopics', {});
  }
  deleteTopic(req: Request<'DeleteTopic'>) {
    return this.call('DeleteTopic', req);
  }
  produce(req: Request<'Produce'>) {
    return this.call('Produce', req);
  }
  produceBatch(req: Request<'ProduceBatch'>) {
    return this.call('ProduceBatch', req);
  }
  consume(req: Request<'Consume'>) {
    return this.call('Consume', req);
  }
  commitOffset(req: Request<'CommitOffset'>) {
    return this.call('CommitOffset', req);
  }
  getOffset(req: Request<'GetOffset'>) {
    return this.call('GetOffset', req);
  }

  /**
   * Waits until every channel is connected, or throws LH_TARGET_UNREACHABLE naming the address. close() ends
   * the wait at once.
   */
  async waitForReady(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onClose: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        // grpc-js's own deadline timer outlives close(): after an abort it would hold the process for the
        // whole timeout. The deadline is kept here instead, where close() and the answer clear it.
        timer = setTimeout(() => reject(new Error('Deadline passed without a connection')), timeoutMs);
        onClose = () => reject(new Error('The client was closed before it connected'));
        this.closeWaiters.add(onClose);
        let pending = this.clients.length;
        for (const c of this.clients) {
          c.waitForReady(Infinity, (err) => {
            if (err) reject(err);
            else if (--pending === 0) resolve();
          });
        }
      });
    } catch (err) {
      // grpc-js only says the deadline passed; a plain TCP connection says why.
      const why = this.closed ? '' : await diagnoseConnection(this.address, this.tls);
      throw new LoadhouseError(
        'LH_TARGET_UNREACHABLE',
        `Cannot connect to the StreamHouse target at ${this.address} within ${timeoutMs} ms${why ? `: ${why}` : ''}. ` +
          'Check the address (--target host:port), that the server is running and that the port is the gRPC one (50051 by default).',
        { cause: err, details: { address: this.address } },
      );
    } finally {
      clearTimeout(timer);
      if (onClose) this.closeWaiters.delete(onClose);
    }
  }

  /**
   * Checks that the peer serves streamhouse.StreamHouse: ListTopics must answer. Gives the number of topics;
   * LH_TARGET_NOT_STREAMHOUSE when the service is not there, LH_TARGET_UNREACHABLE when it does not answer or
   * refuses us.
   */
  async verifyService(timeoutMs: number): Promise<number> {
    const address = this.address;
    try {
      return (await this.call('ListTopics', {}, Math.max(timeoutMs, 1000))).topics.length;
    } catch (err) {
      if (isServiceError(err) && err.code === grpc.status.UNIMPLEMENTED) {
        throw new LoadhouseError(
          'LH_TARGET_NOT_STREAMHOUSE',
          `The target at ${address} answers gRPC but not the streamhouse.StreamHouse service (ListTopics is UNIMPLEMENTED). ` +
            'Check that the address is the StreamHouse gRPC port (50051 by default), not another service.',
          { cause: err, details: { address } },
        );
      }
      if (isServiceError(err) && (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)) {
        throw new LoadhouseError(
          'LH_TARGET_UNREACHABLE',
          `The target at ${address} did not answer ListTopics: ${err.details || err.message}`,
          {
            cause: err,
            details: { address },
          },
        );
      }
      // Other statuses (an auth failure, say) mean a StreamHouse that refuses us: say so with the status.
      throw new LoadhouseError(
        'LH_TARGET_UNREACHABLE',
        `The target at ${address} refused ListTopics (${isServiceError(err) ? grpc.status[err.code] : 'error'}: ${(err as Error).message}). ` +
          'Check organizationId, TLS and auth metadata.',
        { cause: err, details: { address } },
      );
    }
  }

  close(): void {
    this.closed = true;
    for (const onClose of [...this.closeWaiters]) onClose();
    for (const c of this.clients) c.close();
  }
}

export function isServiceError(err: unknown): err is grpc.ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && 'metadata' in err;
}

export { grpc };
