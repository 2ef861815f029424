// `loadhouse proxy` in-process: the S3 proxy in front of a small HTTP server throttles as its timeline says,
// prints the faults and its counts, and stops on Ctrl-C; bad usage exits 2 before anything listens.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { args, captureIo, runCli } from './test-io.js';

const upstream = http.createServer((req, res) => {
  req.resume();
  res.end('ok');
});
const upstreamUrl = new Promise<string>((resolve) =>
  upstream.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`)),
);
afterAll(() => new Promise((r) => upstream.close(r)));

describe('loadhouse proxy', () => {
  it('runs the S3 proxy with its timeline until Ctrl-C and says what it did', async () => {
    const io = captureIo();
    let stop: (() => void) | undefined;
    io.onSignal = (handler) => {
      stop = () => handler('SIGINT');
      return () => undefined;
    };
    const exit = runCli(args`proxy --s3-upstream ${await upstreamUrl} --faults ${'s3-throttle@0s+30s=100%'}`, io);
    while (!io.out.includes('Ctrl-C')) await new Promise((r) => setTimeout(r, 20));
    const s3 = /S3 proxy: (http:\/\/[^ ]+) ->/.exec(io.out)![1]!;
    const res = await fetch(`${s3}/bucket/key`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('<Code>SlowDown</Code>');
    expect(io.out).toContain('start s3-throttle@0s+30s=1');
    stop!();
    const { code } = await exit;
    expect(code).toBe(0);
    expect(io.out).toContain('1 S3 requests (1 throttled)');
    expect(io.out).not.toContain('Fault proxy: gRPC');
  });

  it.each([
    ['proxy --faults blackhole@1s+1s', '--target'],
    ['proxy --target 127.0.0.1:5000', '--faults is required'],
    ['proxy --target 127.0.0.1:5000 --faults blackhole@1s', '"blackhole@1s" needs a duration'],
    ['proxy --target 127.0.0.1:5000 --faults s3-latency@1s+1s=5ms', 'give the S3 upstream'],
  ])('exit 2 before listening: %s', async (line, text) => {
    const { code, io } = await runCli(line.split(' '));
    expect(io.err).toContain('LH_INVALID_OPTION');
    expect(io.err).toContain(text);
    expect(code).toBe(2);
  });
});
