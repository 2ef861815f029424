// The Kafka listener: length-prefixed frames, request headers, dispatch by API key and version, and answers
// written in request order per connection (Kafka clients pipeline requests and match them in order).
import { createServer, type Server, type Socket } from 'node:net';
import type { Handlers } from '../grpc-service.js';
import type { TopicRegistry } from '../topics.js';
import { createBridge, type Bridge } from './bridge.js';
import { type Conn, fetch, listOffsets, produce } from './data.js';
import { describeGroups, heartbeat, joinGroup, leaveGroup, listGroups, offsetCommit, offsetFetch, syncGroup } from './group-apis.js';
import { GroupCoordinator } from './groups.js';
import { apiVersions, type BrokerAddress, createTopics, deleteTopics, findCoordinator, initProducerId, metadata } from './metadata.js';
import { KafkaDecodeError, Reader, type Writer } from './protocol.js';
import { plainLogin, saslAuthenticate, saslHandshake } from './sasl.js';
import { API, isFlexible, VERSIONS } from './versions.js';

export interface KafkaServer {
  readonly port: number;
  close(): Promise<void>;
}

interface Ctx {
  bridge: Bridge;
  groups: GroupCoordinator;
  port: number;
  log: (line: string) => void;
}

type Answer = Writer | null | Promise<Writer | null>;

function dispatch(key: number, v: number, r: Reader, c: Conn, ctx: Ctx, broker: BrokerAddress): Answer {
  const b = ctx.bridge;
  switch (key) {
    case API.ApiVersions:
      return apiVersions(r, v);
    case API.Metadata:
      return metadata(r, v, c, b, broker);
    case API.Produce:
      return produce(r, v, c, b);
    case API.Fetch:
      return fetch(r, v, c, b);
    case API.ListOffsets:
      return listOffsets(r, v, c, b);
    case API.CreateTopics:
      return createTopics(r, v, c, b);
    case API.FindCoordinator:
      return findCoordinator(r, v, broker);
    case API.InitProducerId:
      return initProducerId(r);
    case API.JoinGroup:
      return joinGroup(r, v, c, ctx.groups);
    case API.SyncGroup:
      return syncGroup(r, v, c, ctx.groups);
    case API.Heartbeat:
      return heartbeat(r, v, c, ctx.groups);
    case API.LeaveGroup:
      return leaveGroup(r, v, c, ctx.groups);
    case API.OffsetCommit:
      return offsetCommit(r, v, c, b);
    case API.OffsetFetch:
      return offsetFetch(r, v, c, b);
    case API.DeleteTopics:
      return deleteTopics(r, v, c, b);
    case API.ListGroups:
      return listGroups(r, v, c, ctx.groups);
    case API.DescribeGroups:
      return describeGroups(r, v, c, ctx.groups);
    case API.SaslHandshake:
      return saslHandshake(r, v, c);
    case API.SaslAuthenticate:
      return saslAuthenticate(r, v, c);
    default:
      throw new KafkaDecodeError(`API key ${key} is not implemented`);
  }
}

function serve(socket: Socket, ctx: Ctx, maxFrameBytes: number): void {
  const conn: Conn = { org: '', clientId: '', closed: false };
  // The address the client reached is the one Metadata and FindCoordinator name, whatever interface it was.
  const broker: BrokerAddress = { nodeId: 0, host: socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1', port: ctx.port };
  let buffered: Buffer = Buffer.alloc(0);
  let tail: Promise<void> = Promise.resolve();
  const drop = (why: string): void => {
    if (conn.closed) return;
    ctx.log(`kafka: closing connection from ${socket.remoteAddress}:${socket.remotePort}: ${why}`);
    socket.destroy();
  };
  const handle = (frame: Buffer): void => {
    if (conn.rawSaslToken) {
      conn.rawSaslToken = false;
      const refused = plainLogin(frame, conn);
      // Success is an empty frame; a refused token closes the connection (v0 has no error field).
      tail = tail.then(() => (refused ? drop(refused) : void socket.write(Buffer.alloc(4))));
      return;
    }
    const r = new Reader(frame);
    const key = r.int16();
    const v = r.int16();
    const correlationId = r.int32();
    conn.clientId = r.classicString() ?? '';
    const range = VERSIONS.get(key);
    // ApiVersions answers any version (an unsupported one with the v0 form and the versions it has).
    if (!range || (key !== API.ApiVersions && (v < range[0] || v > range[1]))) {
      drop(`API key ${key} version ${v} is not supported (ApiVersions lists what is)`);
      return;
    }
    // Request header v2 (flexible versions) ends with tagged fields; the body then uses the compact forms.
    const flexible = isFlexible(key, v);
    if (flexible) r.taggedFields();
    r.flexible = flexible;
    // Response header v1 adds an empty tagged-fields section, except for ApiVersions (clients read its
    // header before they know which versions the broker has).
    const headerTags = flexible && key !== API.ApiVersions;
    let answer: Promise<Writer | null>;
    try {
      answer = Promise.resolve(dispatch(key, v, r, conn, ctx, broker));
    } catch (err) {
      answer = Promise.reject(err);
    }
    tail = tail.then(async () => {
      let body: Writer | null;
      try {
        body = await answer;
      } catch (err) {
        drop(`request API ${key} v${v} failed: ${(err as Error).message}`);
        return;
      }
      if (body === null || conn.closed) return;
      const payload = body.toBuffer();
      const head = Buffer.alloc(headerTags ? 9 : 8);
      head.writeInt32BE(payload.length + head.length - 4, 0);
      head.writeInt32BE(correlationId, 4);
      socket.write(head);
      socket.write(payload);
    });
  };
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const size = buffered.readInt32BE(0);
      if (size < 8 || size > maxFrameBytes) {
        drop(`request of ${size} bytes is outside 8..${maxFrameBytes}`);
        return;
      }
      if (buffered.length < 4 + size) break;
      const frame = buffered.subarray(4, 4 + size);
      buffered = buffered.subarray(4 + size);
      try {
        handle(frame);
      } catch (err) {
        drop(`malformed request: ${(err as Error).message}`);
        return;
      }
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    conn.closed = true;
  });
}

/** Starts the Kafka listener on the same handlers (and so the same partition logs) as gRPC. */
export async function startKafkaServer(
  handlers: Handlers,
  registry: TopicRegistry,
  host: string,
  port: number,
  maxRequestBytes: number,
  log: (line: string) => void,
): Promise<KafkaServer> {
  const ctx: Ctx = { bridge: createBridge(handlers, registry), groups: new GroupCoordinator(), port: 0, log };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, ctx, maxRequestBytes + 1024 * 1024);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  ctx.port = typeof address === 'object' && address ? address.port : port;
  return {
    port: ctx.port,
    close: () =>
      new Promise<void>((resolve) => {
        ctx.groups.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
