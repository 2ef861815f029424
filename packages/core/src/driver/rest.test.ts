// The REST driver against real HTTP servers: the reference agent's REST door (binary values survive as base64url
// text, acks are first offsets, lag comes from the partitions endpoint) and a local server that answers 503, 429,
// 404 or nothing at all, and the agent's stall fault, whose answers must reach the engine under the gRPC status
// names it counts.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoadhouseError } from '../errors.js';
import { resolveTarget } from '../options-target.js';
import { agentForTests } from '../test-support.js';
import { RestDriver } from './rest.js';
import type { DriverFailure, FetchedBatch } from './types.js';

const driverFor = (address: string, deadlineMs = 5_000, organizationId?: string): RestDriver =>
  new RestDriver({ address, deadlineMs, connections: 1, options: {}, ...(organizationId ? { organizationId } : {}) });

function produce(
  d: RestDriver,
  topic: string,
  partition: number,
  values: Uint8Array[],
): Promise<{ failure: DriverFailure | null; offset: number }> {
  return new Promise((resolve) => {
    d.produce({ topic, partition, ackMode: 0, records: values.map((value) => ({ value })) }, (failure, offset) =>
      resolve({ failure, offset }),
    );
  });
}

function fetchOnce(
  d: RestDriver,
  topic: string,
  partition: number,
  offset: number,
): Promise<{ failure: DriverFailure | null; batch: FetchedBatch | undefined }> {
  return new Promise((resolve) => d.fetch({ topic, partition, offset, maxRecords: 100 }, (failure, batch) => resolve({ failure, batch })));
}

describe('the REST driver on the agent', () => {
  const agent = agentForTests();

  it('creates a topic, produces binary values and reads them back byte for byte with the high watermark', async () => {
    const d = driverFor(agent.httpAddress);
    try {
      await d.connect({ timeoutMs: 5_000, verify: true });
      expect(await d.describeTopic('rest-bin')).toBeUndefined();
      expect(await d.createTopic('rest-bin', 2)).toBe('created');
      expect(await d.createTopic('rest-bin', 2)).toBe('exists');
      expect(await d.describeTopic('rest-bin')).toEqual({ partitions: 2 });
      const values = [Uint8Array.from([0, 255, 1, 254, 10, 13]), Uint8Array.from([0x4c, 0x48, 0, 0])];
      expect(await produce(d, 'rest-bin', 1, values)).toEqual({ failure: null, offset: 0 });
      expect(await produce(d, 'rest-bin', 1, values)).toEqual({ failure: null, offset: 2 });
      const read = await fetchOnce(d, 'rest-bin', 1, 1);
      expect(read.failure).toBeNull();
      expect(read.batch!.records.map((r) => [r.offset, Array.from(r.value)])).toEqual([
        [1, Array.from(values[1]!)],
        [2, Array.from(values[0]!)],
        [3, Array.from(values[1]!)],
      ]);
      expect(read.batch!.highWatermark).toBe(4);
      expect(await d.latestOffset('rest-bin', 1)).toBe(4);
      await new Promise<void>((resolve, reject) =>
        d.commitOffset({ group: 'g', topic: 'rest-bin', partition: 1, offset: 3 }, (f) => (f ? reject(new Error(f.message)) : resolve())),
      );
      expect(await d.committedOffset('g', 'rest-bin', 1)).toBe(3);
      expect(await d.committedOffset('never', 'rest-bin', 1)).toBe(0);
      // An unknown topic is NOT_FOUND, as on gRPC.
      expect((await produce(d, 'no-such', 0, values)).failure).toMatchObject({ status: 'NOT_FOUND', retriable: false });
    } finally {
      d.close();
    }
  });

  it('refuses a target that is not StreamHouse REST, before any load', async () => {
    const d = driverFor(`${agent.httpAddress}/elsewhere`);
    try {
      const err = await d.connect({ timeoutMs: 5_000, verify: true }).catch((e: unknown) => e);
      expect(isLoadhouseError(err, 'LH_TARGET_NOT_STREAMHOUSE')).toBe(true);
    } finally {
      d.close();
    }
  });
});

describe('the REST driver on a stalled agent', () => {
  // The agent's faults live in the handlers both doors share: its stall holds REST produce calls too.
  const stalled = agentForTests({ grpcPort: 0, httpPort: 0, stall: [0, 2] });

  it('a produce the stall holds past the deadline is DEADLINE_EXCEEDED, and retriable', async () => {
    const setup = driverFor(stalled.httpAddress);
    const d = driverFor(stalled.httpAddress, 300);
    try {
      expect(await setup.createTopic('stalled', 1)).toBe('created');
      expect((await produce(d, 'stalled', 0, [Uint8Array.of(1)])).failure).toMatchObject({ status: 'DEADLINE_EXCEEDED', retriable: true });
    } finally {
      setup.close();
      d.close();
    }
  });
});

describe('the REST driver maps HTTP answers to status names', () => {
  let server: Server;
  let base = '';
  /** What the server answers next: an HTTP status, or 'hang' to never answer. */
  let answer: number | 'hang' = 503;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'X', message: `answered ${answer}` }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  it.each([
    [503, 'UNAVAILABLE', true],
    [429, 'RESOURCE_EXHAUSTED', true],
    [504, 'DEADLINE_EXCEEDED', true],
    [404, 'NOT_FOUND', false],
    [400, 'INVALID_ARGUMENT', false],
    [500, 'INTERNAL', false],
  ] as const)('HTTP %i -> %s', async (status, name, retriable) => {
    answer = status;
    const d = driverFor(base);
    try {
      const { failure, offset } = await produce(d, 't', 0, [Uint8Array.of(1)]);
      expect(offset).toBe(-1);
      expect(failure).toMatchObject({ status: name, retriable });
      expect(failure!.message).toContain(`answered ${status}`);
      expect((await fetchOnce(d, 't', 0, 0)).failure).toMatchObject({ status: name });
    } finally {
      d.close();
    }
  });

  it('a call the server holds past the deadline is DEADLINE_EXCEEDED; nothing listening is UNAVAILABLE', async () => {
    answer = 'hang';
    const d = driverFor(base, 300);
    const closed = driverFor('http://127.0.0.1:1', 2_000);
    try {
      expect((await produce(d, 't', 0, [Uint8Array.of(1)])).failure).toMatchObject({ status: 'DEADLINE_EXCEEDED', retriable: true });
      expect((await produce(closed, 't', 0, [Uint8Array.of(1)])).failure).toMatchObject({ status: 'UNAVAILABLE', retriable: true });
    } finally {
      d.close();
      closed.close();
    }
  });

  it('target.protocol rest takes a base URL, refuses a host:port; kafka takes host:port and its driver package', () => {
    expect(resolveTarget({ address: 'http://h:8080', protocol: 'rest' })).toMatchObject({
      protocol: 'rest',
      httpAddress: 'http://h:8080',
      driver: { module: 'loadhouse:rest' },
    });
    const hostPort = (() => {
      try {
        return resolveTarget({ address: 'h:8080', protocol: 'rest' });
      } catch (e) {
        return e;
      }
    })();
    expect(isLoadhouseError(hostPort, 'LH_INVALID_OPTION')).toBe(true);
    const kafka = resolveTarget({ address: 'h:9092,h2:9092', protocol: 'kafka', driver: { options: { compression: 'gzip' } } });
    expect(kafka).toMatchObject({ protocol: 'kafka', driver: { url: 'loadhouse:kafka', options: { compression: 'gzip' } } });
    const kafkaUrl = (() => {
      try {
        return resolveTarget({ address: 'http://h:9092', protocol: 'kafka' });
      } catch (e) {
        return e;
      }
    })();
    expect(isLoadhouseError(kafkaUrl, 'LH_INVALID_OPTION')).toBe(true);
    expect(resolveTarget('h:50051').protocol).toBe('grpc');
  });
});
