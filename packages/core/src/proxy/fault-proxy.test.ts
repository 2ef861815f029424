// The fault proxy over real sockets: the TCP relay's latency, blackhole and reset on an echo server, and the S3
// proxy's throttle and latency in front of a small HTTP server standing in for S3; the same relay in a thread of
// its own (a run's proxy): its timeline's start instant, events, counters, and a clean end.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep } from '../timers.js';
import { epochNow } from '../util.js';
import { startFaultProxy } from './fault-proxy.js';

const echo = net.createServer((s) => {
  s.on('error', () => undefined); // the proxy's resets reach the echo side too
  s.pipe(s);
});
const s3 = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end(`stored ${req.method} ${req.url}`));
});
const listening = (server: net.Server) =>
  server.listening
    ? Promise.resolve(`127.0.0.1:${(server.address() as net.AddressInfo).port}`)
    : new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as net.AddressInfo).port}`)),
      );

afterAll(async () => {
  await Promise.all([echo, s3].map((s) => new Promise((r) => s.close(r))));
});

/** Sends a line and waits for its echo: resolves to the round trip in ms. */
async function roundTrip(socket: net.Socket, text: string): Promise<number> {
  const t = performance.now();
  socket.write(text);
  let got = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      got += b.toString();
      if (got.length >= text.length) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  expect(got).toBe(text);
  return performance.now() - t;
}

function connect(address: string): Promise<net.Socket> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), host, () => resolve(s));
    s.once('error', reject);
  });
}

describe('TCP fault proxy', () => {
  it('delays each chunk both ways, holds bytes through a blackhole, resets connections and refuses new ones during a reset', async () => {
    const events: string[] = [];
    const proxy = await startFaultProxy({
      target: await listening(echo),
      faults: 'latency@0s+1s=150ms, blackhole@1.2s+0.8s, reset@2.3s+0.7s',
      onEvent: (e) => events.push(`${e.type} ${e.fault.kind}`),
    });
    try {
      const socket = await connect(proxy.address!);
      // Latency: 150 ms each way, so at least 300 ms a round trip.
      expect(await roundTrip(socket, 'with latency')).toBeGreaterThanOrEqual(290);
      // The blackhole: sent at 1.2 s or later, the echo comes back after its end (2.0 s), the connection kept.
      while (!events.includes('start blackhole')) await sleep(10);
      const echoed = roundTrip(socket, 'held');
      await sleep(200);
      expect(socket.destroyed).toBe(false);
      await echoed;
      // The proxy releases the held bytes on the end event, before this listener hears it: the echo comes after.
      expect(events).toContain('end blackhole');
      // The reset: the open connection is reset, a new one is refused until it ends, then accepted.
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      while (!events.includes('start reset')) await sleep(10);
      await closed;
      // Refused: closed (reset) before a byte goes through, whether or not the handshake completed first.
      const [host, port] = proxy.address!.split(':');
      const refused = net.connect(Number(port), host);
      refused.on('error', () => undefined);
      await new Promise<void>((resolve) => refused.once('close', () => resolve()));
      while (!events.includes('end reset')) await sleep(10);
      const again = await connect(proxy.address!);
      expect(await roundTrip(again, 'after')).toBeGreaterThan(0);
      again.destroy();
      expect(proxy.stats().refused).toBeGreaterThanOrEqual(1);
      expect(events).toEqual(['start latency', 'end latency', 'start blackhole', 'end blackhole', 'start reset', 'end reset']);
    } finally {
      await proxy.close();
    }
  });

  it('delays a connection that was direct before the latency, and keeps every byte in order across the switches', async () => {
    const events: string[] = [];
    const proxy = await startFaultProxy({
      target: await listening(echo),
      faults: 'latency@300ms+1500ms=100ms',
      onEvent: (e) => events.push(`${e.type} ${e.fault.kind}`),
    });
    try {
      const socket = await connect(proxy.address!);
      await roundTrip(socket, 'before');
      while (!events.includes('start latency')) await sleep(10);
      // 100 ms each way on a connection opened before the fault: never under 200 ms (timers do not fire early).
      expect(await roundTrip(socket, 'delayed')).toBeGreaterThanOrEqual(198);
      // A stream written through the rest of the latency and past its end comes back whole and in order.
      let got = '';
      socket.on('data', (b: Buffer) => (got += b.toString()));
      let sent = '';
      for (let after = 0; after < 50; after += events.includes('end latency') ? 1 : 0) {
        let line = '';
        for (let i = 0; i < 20; i++) line += `${sent.length + line.length};`;
        socket.write(line);
        sent += line;
        await sleep(2);
      }
      while (got.length < sent.length) await sleep(10);
      expect(got).toBe(sent);
      socket.destroy();
      expect(events).toEqual(['start latency', 'end latency']);
    } finally {
      await proxy.close();
    }
  });
});

describe('S3 fault proxy', () => {
  it('answers throttled requests 503 SlowDown with an S3 error body, delays requests, relays the rest', async () => {
    const upstream = await listening(s3);
    // No target: the S3 proxy alone (a target, such as the embedded agent, is given its address as its S3 endpoint).
    const proxy = await startFaultProxy({
      s3Upstream: `http://${upstream}`,
      faults: 's3-throttle@0s+1s=1, s3-latency@1.2s+2s=300ms',
    });
    try {
      const put = async (key: string) => {
        const t = performance.now();
        const res = await fetch(`${proxy.s3Address}/bucket/${key}`, { method: 'PUT', body: 'x'.repeat(1000) });
        return { status: res.status, body: await res.text(), ms: performance.now() - t };
      };
      const throttled = await put('a');
      expect(throttled.status).toBe(503);
      expect(throttled.body).toContain('<Code>SlowDown</Code>');
      expect(throttled.body).toContain('<Resource>/bucket/a</Resource>');
      await sleep(1300);
      const slow = await put('b');
      expect(slow).toMatchObject({ status: 200, body: 'stored PUT /bucket/b' });
      expect(slow.ms).toBeGreaterThanOrEqual(290);
      expect(proxy.stats()).toMatchObject({ s3Requests: 2, s3Throttled: 1 });
      expect(proxy.address).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('refuses s3 faults without an S3 upstream and gRPC faults without a target, naming the fault, before listening', async () => {
    await expect(startFaultProxy({ target: '127.0.0.1:1', faults: 'blackhole@1s+1s, s3-throttle@1s+1s=0.5' })).rejects.toThrow(
      /s3-throttle acts on S3 requests: give the S3 upstream/,
    );
    await expect(startFaultProxy({ s3Upstream: 'http://127.0.0.1:1', faults: 'latency@1s+1s=5ms' })).rejects.toThrow(
      /latency acts on the gRPC connections: give the target/,
    );
  });
});

describe('fault proxy in a thread', () => {
  it('relays, plays the timeline from the instant given (not from when the thread hears of it), reports events and counters', async () => {
    const events: Array<{ name: string; atMs: number; heardAt: number }> = [];
    const proxy = await startFaultProxy({
      target: await listening(echo),
      faults: 'latency@5.1s+0.5s=100ms, reset@5.7s',
      startNow: false,
      thread: true,
      onEvent: (e) => events.push({ name: `${e.type} ${e.fault.kind}`, atMs: e.atMs, heardAt: epochNow() }),
    });
    try {
      const socket = await connect(proxy.address!);
      expect(await roundTrip(socket, 'direct')).toBeGreaterThan(0);
      // A start 5 s in the past: the latency is due 100 ms from now. Counted from the message's arrival in the
      // thread instead, it would come 5.1 s from now.
      const called = epochNow();
      const at = called - 5000;
      proxy.startTimeline(at);
      while (events.length === 0) await sleep(5);
      expect(events[0]).toMatchObject({ name: 'start latency', atMs: 5100 });
      // Timers never fire early; the two threads' clocks agree to well under the 5 ms allowed.
      expect(events[0]!.heardAt - at).toBeGreaterThanOrEqual(5095);
      expect(events[0]!.heardAt - called).toBeLessThan(4000);
      expect(await roundTrip(socket, 'delayed')).toBeGreaterThanOrEqual(198);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      await closed;
      while (events.length < 4) await sleep(5);
      expect(events.map((e) => `${e.name}@${e.atMs}`)).toEqual([
        'start latency@5100',
        'end latency@5600',
        'start reset@5700',
        'end reset@5700',
      ]);
      // Posted with each event, after the proxy acted on it: the one connection, reset.
      expect(proxy.stats()).toMatchObject({ connections: 1, open: 0, refused: 0 });
      // A connection open at close() is closed with it.
      const open = await connect(proxy.address!);
      expect(await roundTrip(open, 'after the reset')).toBeGreaterThan(0);
      const openClosed = new Promise<void>((resolve) => open.once('close', () => resolve()));
      open.on('error', () => undefined);
      await proxy.close();
      await openClosed;
    } finally {
      await proxy.close();
    }
    const refused = connect(proxy.address!);
    await expect(refused).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses an address in use with LH_INVALID_OPTION, and leaves no thread behind: a process that closed its proxy exits', async () => {
    const taken = await listening(echo);
    await expect(startFaultProxy({ target: taken, listen: taken, faults: [], thread: true })).rejects.toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: expect.stringMatching(/could not listen: .*EADDRINUSE/),
    });
    // A thread left running would hold the process open until the timeout kills it.
    const script = `const { startFaultProxy } = await import(${JSON.stringify(pathToFileURL(new URL('./fault-proxy.ts', import.meta.url).pathname).href)});
      const p = await startFaultProxy({ target: '127.0.0.1:1', faults: 'latency@0s+0.1s=1ms', thread: true });
      await new Promise((resolve) => p.onEvent((e) => e.type === 'end' && resolve()));
      await p.close();
      console.log('closed', p.stats().connections);`;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--conditions=source', '--import', tsx, '--input-type=module', '-e', script],
        { timeout: 30_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(out.trim()).toBe('closed 0');
  });
});
