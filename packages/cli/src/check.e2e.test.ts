// `loadhouse check`: the pre-flight on its own, against the agent and against things that are not StreamHouse.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { grpc } from '@loadhouse/core';
import { startAgent, type Agent } from '@loadhouse/agent';
import { main } from './main.js';
import { captureIo } from './test-io.js';

let agent: Agent;
let notStreamHouse: grpc.Server;
let notStreamHousePort: number;
let notReady: Server;
let notReadyUrl: string;

beforeAll(async () => {
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
  // A gRPC server that serves no StreamHouse service: every call answers UNIMPLEMENTED.
  notStreamHouse = new grpc.Server();
  notStreamHousePort = await new Promise<number>((resolve, reject) =>
    notStreamHouse.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  // An HTTP endpoint that is up but never ready.
  notReady = createServer((req, res) => {
    res.writeHead(req.url === '/ready' ? 503 : 200, { 'content-type': 'application/json' });
    res.end(req.url === '/ready' ? '{"status":"not ready"}' : '{"status":"ok"}');
  });
  await new Promise<void>((r) => notReady.listen(0, '127.0.0.1', r));
  notReadyUrl = `http://127.0.0.1:${(notReady.address() as { port: number }).port}`;
});
afterAll(async () => {
  await agent.stop();
  notStreamHouse.forceShutdown();
  notReady.closeAllConnections();
  await new Promise((r) => notReady.close(r));
});

it('passes against the reference agent', async () => {
  const io = captureIo();
  const code = await main(['check', '--target', agent.grpcAddress, '--http-target', agent.httpAddress], io);
  expect(code, io.err).toBe(0);
  expect(io.out).toContain('streamhouse.StreamHouse answers');
  expect(io.err).toMatch(/\/health 200, \/ready 200/);
});

it('names a gRPC peer that is not StreamHouse', async () => {
  const io = captureIo();
  const code = await main(['check', '--target', `127.0.0.1:${notStreamHousePort}`, '--http-target', agent.httpAddress], io);
  expect(code).toBe(2);
  expect(io.err).toContain('LH_TARGET_NOT_STREAMHOUSE');
  expect(io.err).toContain(`127.0.0.1:${notStreamHousePort}`);
});

it('fails the readiness check with the URL and what it received', async () => {
  const io = captureIo();
  const code = await main(['check', '--target', agent.grpcAddress, '--http-target', notReadyUrl, '--ready-timeout', '1'], io);
  expect(code).toBe(2);
  expect(io.err).toContain('LH_HEALTH_CHECK_FAILED');
  expect(io.err).toContain(`${notReadyUrl}/ready`);
  expect(io.err).toContain('503');
});
