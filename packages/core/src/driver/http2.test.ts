// The two produce transports of the gRPC driver (raw node:http2 with the engine's own request bytes, and
// grpc-js) against the real agent and a TLS server: the same acks, the same status names on the same errors.
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '@loadhouse/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpc } from '../proto/client.js';
import { requestCodec } from '../proto/codec.js';
import { AckMode, type ProduceBatchRequest } from '../proto/messages.js';
import { ProduceFrame } from '../proto/produce-frame.js';
import { streamHouseServiceDefinition } from '../proto/service.js';
import { GrpcDriver, type GrpcTransport } from './grpc.js';
import type { DriverFailure, DriverTarget } from './types.js';

const TRANSPORTS: GrpcTransport[] = ['http2', 'grpc-js'];

function driverFor(address: string, transport: GrpcTransport, extra: Partial<DriverTarget> = {}): GrpcDriver {
  return new GrpcDriver({ address, deadlineMs: 5_000, connections: 2, options: { transport }, ...extra });
}

interface Outcome {
  failure: DriverFailure | null;
  offset: number;
  /** http2 only: written() came before the callback. */
  writtenFirst: boolean;
}

/** One ProduceBatch of `count` records of `size` bytes through the driver's produce path for its transport. */
function produce(driver: GrpcDriver, topic: string, partition: number, count: number, ackMode = 0, size = 64): Promise<Outcome> {
  const frame = new ProduceFrame({ topic, ackMode, batchSize: count, messageSize: size });
  for (let j = 0; j < count; j++) frame.records[j]!.value.fill(0x41 + j);
  return new Promise((resolve) => {
    if (driver.produceFramed) {
      let written = false;
      driver.produceFramed(
        frame.frame(partition, count),
        () => {
          written = true;
        },
        (failure, offset) => resolve({ failure, offset, writtenFirst: written }),
      );
    } else {
      driver.produce({ topic, partition, records: frame.records, ackMode }, (failure, offset) =>
        resolve({ failure, offset, writtenFirst: true }),
      );
    }
  });
}

describe('ProduceBatch over both transports against the agent', () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await startAgent({ grpcPort: 0, httpPort: 0 });
    const setup = driverFor(agent.grpcAddress, 'grpc-js');
    await setup.connect({ timeoutMs: 5_000, verify: false });
    await setup.createTopic('wire', 3);
    setup.close();
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it('the http2 driver is the default, grpc-js on request', () => {
    const d = new GrpcDriver({ address: agent.grpcAddress, deadlineMs: 1000, connections: 1, options: {} });
    expect(d.produceFramed).toBeTypeOf('function');
    d.close();
    const g = driverFor(agent.grpcAddress, 'grpc-js');
    expect(g.produceFramed).toBeUndefined();
    g.close();
    expect(() => driverFor(agent.grpcAddress, 'quic' as GrpcTransport)).toThrow(/transport option must be 'http2' or 'grpc-js'/);
  });

  for (const transport of TRANSPORTS) {
    it(`${transport}: acks with consecutive offsets, and the records read back as sent`, async () => {
      const d = driverFor(agent.grpcAddress, transport);
      try {
        await d.connect({ timeoutMs: 5_000, verify: false });
        const partition = transport === 'http2' ? 1 : 2;
        const before = await d.latestOffset('wire', partition);
        const a = await produce(d, 'wire', partition, 5);
        const b = await produce(d, 'wire', partition, 3);
        expect(a.failure).toBeNull();
        expect(b.failure).toBeNull();
        expect(a.writtenFirst).toBe(true);
        expect(a.offset).toBe(before);
        expect(b.offset).toBe(before + 5);
        const back = await d.client.consume({ topic: 'wire', partition, offset: before, maxRecords: 100 });
        expect(back.records.map((r) => Buffer.from(r.value).toString('latin1'))).toEqual([
          ...[0, 1, 2, 3, 4].map((j) => String.fromCharCode(0x41 + j).repeat(64)),
          ...[0, 1, 2].map((j) => String.fromCharCode(0x41 + j).repeat(64)),
        ]);
      } finally {
        d.close();
      }
    });
  }

  it('both transports name the same statuses: NOT_FOUND, DEADLINE_EXCEEDED (the produce delay fault), UNAVAILABLE (a dead connection)', async () => {
    const statuses: Record<string, string[]> = {};
    for (const transport of TRANSPORTS) {
      const d = driverFor(agent.grpcAddress, transport, { deadlineMs: 300 });
      try {
        await d.connect({ timeoutMs: 5_000, verify: false });
        const missing = await produce(d, 'no-such-topic', 0, 2);
        agent.setFaults({ produceLatencyMs: 2_000 });
        const late = await produce(d, 'wire', 0, 2);
        agent.setFaults({ produceLatencyMs: 0 });
        statuses[transport] = [missing.failure?.status ?? 'OK', late.failure?.status ?? 'OK'];
        expect(late.failure?.retriable).toBe(true);
        expect(missing.failure?.message).toMatch(/no-such-topic/);
      } finally {
        d.close();
      }
    }
    // Nothing listens on a port just freed: the connection is dead before and after the call.
    const gone = await startAgent({ grpcPort: 0, httpPort: 0 });
    const address = gone.grpcAddress;
    await gone.stop();
    for (const transport of TRANSPORTS) {
      const d = driverFor(address, transport, { deadlineMs: 2_000 });
      try {
        const dead = await produce(d, 'wire', 0, 2);
        statuses[transport]!.push(dead.failure?.status ?? 'OK');
      } finally {
        d.close();
      }
    }
    expect(statuses).toEqual({
      http2: ['NOT_FOUND', 'DEADLINE_EXCEEDED', 'UNAVAILABLE'],
      'grpc-js': ['NOT_FOUND', 'DEADLINE_EXCEEDED', 'UNAVAILABLE'],
    });
  }, 30_000);
});

describe('the http2 transport over TLS', () => {
  let dir: string;
  let server: grpc.Server;
  let port: number;
  const seen: Array<{ request: ProduceBatchRequest; org: string; auth: string }> = [];

  beforeAll(async () => {
    // A CA and a server certificate for 127.0.0.1, made with the openssl command line.
    dir = mkdtempSync(join(tmpdir(), 'lh-h2-tls-'));
    const ssl = (args: string) => execSync(`openssl ${args}`, { cwd: dir, stdio: 'pipe' });
    ssl('req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=loadhouse-test-ca -keyout ca.key -out ca.pem');
    ssl('req -newkey rsa:2048 -nodes -subj /CN=streamhouse.test -keyout server.key -out server.csr');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:streamhouse.test\n');
    ssl('x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out server.pem');
    server = new grpc.Server();
    server.addService(streamHouseServiceDefinition(), {
      ProduceBatch: (call: grpc.ServerUnaryCall<ProduceBatchRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        seen.push({
          request: call.request,
          org: String(call.metadata.get('x-organization-id')[0] ?? ''),
          auth: String(call.metadata.get('authorization')[0] ?? ''),
        });
        cb(null, { firstOffset: 40 + seen.length, lastOffset: 0, count: call.request.records.length });
      },
    } as unknown as grpc.UntypedServiceImplementation);
    const read = (f: string) => readFileSync(join(dir, f));
    const creds = grpc.ServerCredentials.createSsl(null, [{ private_key: read('server.key'), cert_chain: read('server.pem') }]);
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
  });
  afterAll(() => {
    server?.forceShutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the same request, metadata and serverName check as grpc-js; an unknown CA fails UNAVAILABLE', async () => {
    const tls = { ca: readFileSync(join(dir, 'ca.pem')), serverName: 'streamhouse.test' };
    const extra = { tls, organizationId: 'org-7', metadata: { authorization: 'Bearer h2' } };
    const offsets: Record<string, number> = {};
    for (const transport of TRANSPORTS) {
      const d = driverFor(`127.0.0.1:${port}`, transport, extra);
      try {
        await d.connect({ timeoutMs: 5_000, verify: false });
        const r = await produce(d, 'secure', 7, 4, AckMode.ACK_DURABLE, 300);
        expect(r.failure).toBeNull();
        offsets[transport] = r.offset;
      } finally {
        d.close();
      }
    }
    expect(offsets).toEqual({ http2: 41, 'grpc-js': 42 });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).toMatchObject({
      org: 'org-7',
      auth: 'Bearer h2',
      request: { topic: 'secure', partition: 7, ackMode: AckMode.ACK_DURABLE },
    });
    expect(seen[0]!.request.records.map((r) => r.value.length)).toEqual([300, 300, 300, 300]);
    // The same bytes as grpc-js serializes: the request decoded on the server re-encodes to the same message.
    const c = requestCodec('ProduceBatch');
    expect(c.encode(seen[0]!.request).equals(c.encode(seen[1]!.request))).toBe(true);

    const untrusted = driverFor(`127.0.0.1:${port}`, 'http2', {
      tls: { ca: readFileSync(join(dir, 'server.pem')), serverName: 'other.test' },
      deadlineMs: 2_000,
    });
    try {
      const r = await produce(untrusted, 'secure', 0, 1);
      expect(r.failure?.status).toBe('UNAVAILABLE');
    } finally {
      untrusted.close();
    }
    expect(seen).toHaveLength(2);
  }, 30_000);
});
