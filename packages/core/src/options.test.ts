// Bad options fail before any load with a coded error naming the option; pre-flight failures (unreachable
// target, a target that is not StreamHouse, a topic with another partition count) fail fast and clearly.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { startAgent, type Agent } from '@loadhouse/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadTest, isLoadhouseError, type LoadTestOptions, type ProduceOptions } from './index.js';
import { grpc, isServiceError, StreamHouseClient } from './wire.js';
import { GrpcDriver } from './driver/grpc.js';
import { ensureTopic } from './target.js';
import { thrown } from './test-support.js';

let agent: Agent;
let client: StreamHouseClient;
let driver: GrpcDriver;

beforeAll(async () => {
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  client = new StreamHouseClient(agent.grpcAddress);
  driver = new GrpcDriver({ address: agent.grpcAddress, deadlineMs: 30_000, connections: 1, options: {} });
});

afterAll(async () => {
  client?.close();
  driver?.close();
  await agent?.stop();
});

async function topicExists(name: string): Promise<boolean> {
  try {
    await client.getTopic({ name });
    return true;
  } catch (err) {
    if (isServiceError(err) && err.code === grpc.status.NOT_FOUND) return false;
    throw err;
  }
}

/** A process that has just exited: its PID is not running, and not reused this soon. */
const exitedPid = Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());

describe('load test options', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['target missing', {}, /options\.target is required/],
    ['empty address', { target: '' }, /options\.target\.address must be a gRPC address 'host:port', got ""/],
    [
      'port out of range',
      { target: '127.0.0.1:70000' },
      /options\.target\.address must be a gRPC address 'host:port' with a port 1-65535, got "127\.0\.0\.1:70000"/,
    ],
    ['no port', { target: 'localhost' }, /with a port 1-65535, got "localhost"/],
    ['an http URL', { target: 'http://127.0.0.1:1' }, /not a URL \(an http:\/\/ address belongs in target\.httpAddress\)/],
    ['workers', { workers: 0 }, /options\.workers must be a positive integer, got 0/],
    ['connections', { connections: 1.5 }, /options\.connections must be a positive integer, got 1.5/],
    ['maxCallsPerConnection', { maxCallsPerConnection: 0 }, /options\.maxCallsPerConnection must be a positive integer, got 0/],
    ['intervalMs', { intervalMs: -1 }, /options\.intervalMs must be a positive number, got -1/],
    ['warmupSeconds', { warmupSeconds: -2 }, /options\.warmupSeconds must be a number >= 0, got -2/],
    ['dropAfterMs', { dropAfterMs: 0 }, /options\.dropAfterMs must be a positive number, got 0/],
    ['ackMode', { ackMode: 'sometimes' }, /options\.ackMode must be 'buffered', 'durable' or 'none', got "sometimes"/],
    ['resultsDir', { resultsDir: 3 }, /options\.resultsDir must be a folder path or false, got 3/],
    ['shard', { shard: { index: 2, count: 2 } }, /options\.shard\.index must be an integer from 0 to 1, got 2/],
    [
      'connectTimeoutMs',
      { target: { address: 'x:1', connectTimeoutMs: 'soon' } },
      /options\.target\.connectTimeoutMs must be a positive number, got "soon"/,
    ],
    ['unknown option', { rate: 5 }, /options\.rate is not an option loadhouse knows/],
    ['seed', { seed: -1 }, /options\.seed must be an integer from 0 to 4294967295, got -1/],
    ['labels', { labels: ['env=ci'] }, /options\.labels must be an object of string values/],
    ['label name', { labels: { '1env': 'ci' } }, /options\.labels: "1env" must be a label name/],
    ['label value', { labels: { env: 1 } }, /options\.labels\.env must be a string, got 1/],
    ['criteria', { criteria: [{ metric: 'producer.latency.p99', op: '~', value: 1 }] }, /options\.criteria\[0\]\.op must be one of/],
    [
      'criterion key',
      { criteria: [{ metric: 'producer.latency.p99', op: '<', value: 1, abortAfter: 5 }] },
      /options\.criteria\[0\]\.abortAfter is not an option loadhouse knows/,
    ],
    [
      'empty N/A reason',
      { criteria: [{ metric: 'producer.errors', op: '==', value: 0, notApplicable: ' ' }] },
      /options\.criteria\[0\]\.notApplicable must be the reason/,
    ],
    [
      'criterion live',
      { criteria: [{ metric: 'producer.latency.p99', op: '<', value: 1, live: 'no' }] },
      /options\.criteria\[0\]\.live must be true or false, got "no"/,
    ],
    [
      'topic as a path',
      { topic: '../../etc/x' },
      /options\.topic must be 1-249 letters, digits, '\.', '_' or '-' \(not '\.' or '\.\.'\), got "\.\.\/\.\.\/etc\/x"/,
    ],
    ['topic too long', { topic: 'x'.repeat(5000) }, /options\.topic must be 1-249 letters.*, got "x{40}"\.\.\. \(5000 characters\)$/],
    ['topic ..', { topic: '..' }, /options\.topic must be 1-249 letters/],
    [
      'pid not running',
      { target: { address: 'x:1', pid: exitedPid } },
      new RegExp(`options\\.target\\.pid must be the PID of a running process on this machine, got ${exitedPid}`),
    ],
  ];
  it.each(cases)('%s fails with LH_INVALID_OPTION naming the option', (_name, over, message) => {
    const options = { target: '127.0.0.1:1', ...over } as LoadTestOptions;
    if (_name === 'target missing') delete (options as Partial<LoadTestOptions>).target;
    const err = thrown(() => createLoadTest(options));
    expect(isLoadhouseError(err, 'LH_INVALID_OPTION')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

describe('calls in flight', () => {
  it("options.maxCallsPerConnection bounds a worker's calls, is recorded, and flags the windows it held back", async () => {
    const r = await createLoadTest({
      target: agent.grpcAddress,
      resultsDir: false,
      topic: 'call-cap',
      workers: 1,
      connections: 1,
      maxCallsPerConnection: 1,
      intervalMs: 200,
    }).run({
      name: 'call-cap',
      criteria: [],
      async run(c) {
        // 8 producers each wanting a call every linger (5 ms) against one call at a time: they must wait.
        const g = await c.produce({ rate: 4_000, producers: 8, partitions: 4 });
        await c.waitFor(1.5);
        await g.stop();
      },
    });
    expect(r.config.maxCallsPerConnection).toBe(1);
    const reasons = r.series.flatMap((s) => s.generator.reasons);
    expect(
      reasons.some((x) => x.includes("a worker's cap of 1 ")),
      JSON.stringify(reasons.slice(0, 3)),
    ).toBe(true);
    expect(r.producer.acked).toBeGreaterThan(0);
    expect(r.producer.acked + r.producer.failed + r.producer.dropped).toBe(r.producer.scheduled);
  });
});

describe('produce options', () => {
  const MiB = 1024 * 1024;
  const cases: Array<[Partial<ProduceOptions> & Record<string, unknown>, RegExp]> = [
    [{ rate: -5 }, /^options\.rate must be a positive number, got -5$/],
    [{ rate: 0 }, /options\.rate must be a positive number, got 0/],
    [{ rate: 1e30 }, /options\.rate must be at most 1000000000 records per second \(beyond it counts lose precision\), got 1e\+30/],
    [{ rate: 100, producers: 0 }, /options\.producers must be a positive integer, got 0/],
    [{ rate: 100, partitions: 0 }, /options\.partitions must be a positive integer, got 0/],
    [{ rate: 100, messageSize: 16 }, /options\.messageSize must be at least 36 bytes \(the loadhouse record header\), got 16/],
    [{ rate: 100, messageSize: 65 * MiB }, /options\.messageSize must be at most \d+ bytes \(a 64 MiB request\)/],
    [{ rate: 100, messageSize: MiB, batchSize: 100 }, /options\.batchSize x options\.messageSize must fit a 64 MiB request/],
    [{ rate: 100, lingerMs: -1 }, /options\.lingerMs must be a number >= 0, got -1/],
    [{ rate: 100, maxInFlight: 0 }, /options\.maxInFlight must be a positive integer, got 0/],
    [{ rate: 100, messagesPerProducer: 2.5 }, /options\.messagesPerProducer must be a positive integer, got 2.5/],
    [{ rate: 100, payload: 'bogus' as 'random' }, /options\.payload must be 'random', 'text' or 'zeros', got "bogus"/],
    [{ rate: 100, batchsize: 10 }, /options\.batchsize is not an option loadhouse knows/],
    [{ rate: 100, keys: 'hot:10' }, /options\.keys must be 'none', 'sequential', 'uniform:N', 'zipf:N:S' or 'hot:N:SHARE'/],
    [{ rate: 100, keys: 'uniform:10', keyRouting: 'random' as 'hash' }, /options\.keyRouting must be 'hash' or 'pinned'/],
    [{ rate: 100, messageSize: 'uniform:20-100' }, /options\.messageSize must be .*MIN must be at least 36 bytes/],
  ];
  it.each(cases)('%o fails the run with LH_INVALID_OPTION before any load', async (produce, message) => {
    const topic = `bad-produce-${Math.random().toString(36).slice(2)}`;
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic });
    const result = await lt.run({
      name: 'bad-produce',
      criteria: [],
      async run(c) {
        await c.produce(produce as ProduceOptions);
        await c.waitFor(5);
      },
    });
    expect(result.state).toBe('failed');
    if (result.state !== 'failed') return;
    expect(result.error.code).toBe('LH_INVALID_OPTION');
    expect(result.error.message).toMatch(message);
    expect(result.producer.sent).toBe(0);
    expect(await topicExists(topic)).toBe(false); // nothing reached the target, not even the topic
  });
});

describe('pre-flight', () => {
  it('an unreachable target fails fast with LH_TARGET_UNREACHABLE naming the address', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const address = `127.0.0.1:${port}`;
    const lt = createLoadTest({ target: { address, connectTimeoutMs: 300 }, resultsDir: false });
    let scenarioRan = false;
    const started = Date.now();
    const err = await lt.run({ name: 'nowhere', criteria: [], run: async () => void (scenarioRan = true) }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isLoadhouseError(err, 'LH_TARGET_UNREACHABLE')).toBe(true);
    expect((err as Error).message).toContain(address);
    // Why, from a plain TCP connection: nothing listens there.
    expect((err as Error).message).toContain(`within 300 ms: connection refused: nothing listens on ${address}.`);
    expect(scenarioRan).toBe(false);
  });

  it('a gRPC server that is not StreamHouse fails with LH_TARGET_NOT_STREAMHOUSE', async () => {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    try {
      const lt = createLoadTest({ target: `127.0.0.1:${port}`, resultsDir: false });
      const err = await lt.run({ name: 'other', criteria: [], run: async () => undefined }).catch((e: unknown) => e);
      expect(isLoadhouseError(err, 'LH_TARGET_NOT_STREAMHOUSE')).toBe(true);
      expect((err as Error).message).toMatch(/UNIMPLEMENTED/);
    } finally {
      server.forceShutdown();
    }
  });

  it('accepts an existing topic with the same partition count and refuses another count with LH_TOPIC_MISMATCH', async () => {
    expect(await ensureTopic(driver, 'mismatch', 2)).toBe(2); // created
    expect(await ensureTopic(driver, 'mismatch', 2)).toBe(2); // exists, same count
    expect(await ensureTopic(driver, 'mismatch', undefined)).toBe(2); // exists, any count accepted
    expect(await ensureTopic(driver, 'defaults-to-one', undefined)).toBe(1);
    const err = await ensureTopic(driver, 'mismatch', 3).catch((e: unknown) => e);
    expect(isLoadhouseError(err, 'LH_TOPIC_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/exists with 2 partitions, but the run asks for 3/);

    // Found before any load, it is a set-up error: run() rejects with it, as for a failed pre-flight.
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'mismatch' });
    const run = lt.run({
      name: 'mismatch',
      criteria: [],
      async run(c) {
        await c.produce({ rate: 100, partitions: 3 });
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'LH_TOPIC_MISMATCH' });
  });

  it('a warm-up as long as the planned run is refused before connecting: nothing would be measured', async () => {
    // An unreachable target: the refusal must come first.
    const lt = createLoadTest({ target: { address: '127.0.0.1:1', connectTimeoutMs: 100 }, resultsDir: false, warmupSeconds: 5 });
    const err = await lt.run({ name: 'short', criteria: [], plannedSeconds: 5, run: async () => undefined }).catch((e: unknown) => e);
    expect(isLoadhouseError(err, 'LH_INVALID_OPTION')).toBe(true);
    expect((err as Error).message).toBe("options.warmupSeconds (5 s) must be shorter than the scenario's 5 s: nothing would be measured");
  });

  it('a results folder that cannot be written is refused before connecting', async () => {
    const lt = createLoadTest({ target: { address: '127.0.0.1:1', connectTimeoutMs: 100 }, resultsDir: '/dev/null/results' });
    const err = await lt.run({ name: 'nowhere', criteria: [], run: async () => undefined }).catch((e: unknown) => e);
    expect(isLoadhouseError(err, 'LH_INVALID_OPTION')).toBe(true);
    expect((err as Error).message).toMatch(/^options\.resultsDir \/dev\/null\/results cannot be created: \/dev\/null is not a folder/);
  });

  it('options.signal aborting during the connect ends the run at once, aborted and partial, nothing sent', async () => {
    // A port nothing answers on would take the whole 5 s connect timeout.
    const lt = createLoadTest({
      target: { address: '127.0.0.1:1', connectTimeoutMs: 5000 },
      resultsDir: false,
      signal: AbortSignal.timeout(200),
    });
    const started = Date.now();
    const result = await lt.run({ name: 'aborted', criteria: [], run: async () => undefined });
    expect(result).toMatchObject({ state: 'aborted', partial: true, endReason: 'signal' });
    expect(result.endMessage).toContain('before any load was sent');
    expect(result.producer.scheduled).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('an options.signal already aborted gives the aborted result without connecting', async () => {
    const ac = new AbortController();
    ac.abort();
    const lt = createLoadTest({ target: { address: '127.0.0.1:1', connectTimeoutMs: 5000 }, resultsDir: false, signal: ac.signal });
    let ran = false;
    const result = await lt.run({ name: 'pre-aborted', criteria: [], run: async () => void (ran = true) });
    expect(result).toMatchObject({ state: 'aborted', partial: true, endReason: 'signal' });
    expect(ran).toBe(false);
  });

  it('waitFor refuses a timeout that is not a number >= 0', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'wait-timeout' });
    const result = await lt.run({
      name: 'wait',
      criteria: [],
      run: async (c) => void (await c.waitFor(() => false, { timeoutSeconds: Number.NaN })),
    });
    expect(result.state).toBe('failed');
    expect((result as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: expect.stringContaining('timeoutSeconds must be a number >= 0, got NaN'),
    });
  });

  it('run() can be called once per load test', async () => {
    const lt = createLoadTest({ target: { address: '127.0.0.1:1', connectTimeoutMs: 100 }, resultsDir: false });
    await lt.run({ name: 'once', criteria: [], run: async () => undefined }).catch(() => undefined);
    const err = await lt.run({ name: 'twice', criteria: [], run: async () => undefined }).catch((e: unknown) => e);
    expect(isLoadhouseError(err, 'LH_RUN_STATE')).toBe(true);
  });
});
