// `loadhouse check`: the pre-flight on its own, against the agent and against things that are not StreamHouse.
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { grpc, streamHouseServiceDefinition } from '@loadhouse/core/wire';
import { startAgent, type Agent } from '@loadhouse/agent';
import { main } from './main.js';
import { args, captureIo, runCli } from './test-io.js';

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
  const { code, io } = await runCli(args`check --target ${agent.grpcAddress} --http-target ${agent.httpAddress}`);
  expect(code, io.err).toBe(0);
  expect(io.out).toContain('streamhouse.StreamHouse answers');
  expect(io.err).toMatch(/\/health 200, \/ready 200/);
});

it('takes --http-target as host:port too, and refuses what is no http(s) address', async () => {
  const io = captureIo();
  expect(await main(['check', '--target', agent.grpcAddress, '--http-target', agent.httpAddress.replace('http://', '')], io), io.err).toBe(
    0,
  );
  expect(io.err).toContain(`Pre-flight ${agent.httpAddress}: /health 200`);
  const bad = captureIo();
  expect(await main(['check', '--target', agent.grpcAddress, '--http-target', 'ftp://host:21'], bad)).toBe(2);
  expect(bad.err).toContain(
    'LH_INVALID_OPTION: --http-target must be an http(s) address like http://host:8080 (or host:8080), got "ftp://host:21"',
  );
});

it('names a gRPC peer that is not StreamHouse', async () => {
  const { code, io } = await runCli(args`check --target 127.0.0.1:${notStreamHousePort} --http-target ${agent.httpAddress}`);
  expect(code).toBe(2);
  expect(io.err).toContain('LH_TARGET_NOT_STREAMHOUSE');
  expect(io.err).toContain(`127.0.0.1:${notStreamHousePort}`);
});

it('fails the readiness check with the URL and what it received', async () => {
  const { code, io } = await runCli(args`check --target ${agent.grpcAddress} --http-target ${notReadyUrl} --ready-timeout 1`);
  expect(code).toBe(2);
  expect(io.err).toContain('LH_HEALTH_CHECK_FAILED');
  expect(io.err).toContain(`${notReadyUrl}/ready`);
  expect(io.err).toContain('503');
});

it('checks a TLS target with --tls-ca and a bearer token, the way `run` connects', async () => {
  // A CA and a server certificate for 127.0.0.1, made with the openssl command line.
  const dir = mkdtempSync(join(tmpdir(), 'lh-tls-'));
  const ssl = (args: string) => execSync(`openssl ${args}`, { cwd: dir, stdio: 'pipe' });
  ssl('req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=loadhouse-test-ca -keyout ca.key -out ca.pem');
  ssl('req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out server.pem');
  // A TLS gRPC server answering ListTopics, recording the authorization it was sent.
  const seen: string[] = [];
  const server = new grpc.Server();
  server.addService(streamHouseServiceDefinition(), {
    ListTopics: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      seen.push(String(call.metadata.get('authorization')[0] ?? ''));
      cb(null, { topics: [] });
    },
  } as unknown as grpc.UntypedServiceImplementation);
  const read = (f: string) => readFileSync(join(dir, f));
  const creds = grpc.ServerCredentials.createSsl(null, [{ private_key: read('server.key'), cert_chain: read('server.pem') }]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  try {
    const args = ['check', '--target', `127.0.0.1:${port}`, '--http-target', agent.httpAddress, '--connect-timeout', '3'];
    const ok = captureIo();
    expect(await main([...args, '--tls-ca', join(dir, 'ca.pem'), '--auth-token', 's3cret'], ok), ok.err).toBe(0);
    expect(ok.out).toContain(`ok  gRPC 127.0.0.1:${port}: streamhouse.StreamHouse answers (0 topics)`);
    expect(seen).toEqual(['Bearer s3cret']);
    // Without the CA the handshake fails: the check says the target is unreachable.
    const plain = captureIo();
    expect(await main(args, plain)).toBe(2);
    expect(plain.err).toContain('LH_TARGET_UNREACHABLE');
    expect(plain.err).toContain('it accepts TCP connections but no gRPC session came up: a TLS server (add --tls-ca)');
    const missing = captureIo();
    expect(await main([...args, '--tls-ca', join(dir, 'nope.pem')], missing)).toBe(2);
    expect(missing.err).toMatch(/LH_INVALID_OPTION.*--tls-ca cannot read/);
    // Material that cannot work is refused before connecting: a certificate without its key, a CA that is no PEM.
    const noKey = captureIo();
    expect(await main([...args, '--tls-cert', join(dir, 'server.pem')], noKey)).toBe(2);
    expect(noKey.err).toContain('LH_INVALID_OPTION: options.target.tls: a client certificate needs its key too');
    const notPem = captureIo();
    expect(await main([...args, '--tls-ca', join(dir, 'san.ext')], notPem)).toBe(2);
    expect(notPem.err).toContain('the CA holds no PEM certificate');
  } finally {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
