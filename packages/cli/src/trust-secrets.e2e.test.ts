// Secrets stay secret: auth metadata is checked before anything connects and is never printed, and the
// embedded agent's S3 credentials never appear on its command line (visible in `ps` to every local user).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLoadTest, isLoadhouseError } from '@loadhouse/core';
import { main } from './main.js';
import { args, captureIo, runCli } from './test-io.js';
import { agentForTests } from '../../core/src/test-support.js';
import { s3rverForTests } from './test-servers.js';
import { tempDirs } from './test-files.js';

const dir = tempDirs('lh-secrets-')();
const agent = agentForTests();

const SECRET = 'hunter2-top-secret';

describe('auth token and --org are checked before connecting, and never printed', () => {
  it.each([
    ['a line break inside the token (env)', { LOADHOUSE_AUTH_TOKEN: `${SECRET}\nX-Other: 1` }, [] as string[], '--auth-token'],
    ['a non-ASCII token (env)', { LOADHOUSE_AUTH_TOKEN: `${SECRET}é` }, [], '--auth-token'],
    ['a control character in --auth-token', {}, ['--auth-token', `${SECRET}\u0001`], '--auth-token'],
    ['a line break in --org', {}, ['--org', `${SECRET}\n`], '--org'],
    ['a non-ASCII --org', {}, ['--org', `${SECRET}ü`], '--org'],
  ])('exit 2 for %s with --target', async (_what, env, flags, flag) => {
    const results = join(dir, `r-${Math.random().toString(36).slice(2)}`);
    const { code, io } = await runCli(
      [...args`run high-throughput --target ${agent.grpcAddress} --duration 2 --results-dir ${results}`, ...flags],
      captureIo(env),
    );
    expect(code, io.err).toBe(2);
    expect(io.err).toContain('LH_INVALID_OPTION');
    expect(io.err).toContain(flag);
    expect(io.out + io.err).not.toContain(SECRET);
    expect(io.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(results)).toBe(false); // refused before the run began
  });

  it('exit 2 for a bad --org before the embedded agent is started', async () => {
    const { code, io } = await runCli(
      args`run high-throughput --org ${`${SECRET}\r\n`} --duration 2 --results-dir ${join(dir, 'embedded')}`,
    );
    expect(code, io.err).toBe(2);
    expect(io.err).toContain('--org');
    expect(io.err).not.toContain('starting the embedded reference agent');
    expect(io.out + io.err).not.toContain(SECRET);
  });

  it('`check` refuses a bad token the same way', async () => {
    const { code, io } = await runCli(
      args`check --target ${agent.grpcAddress} --http-target ${agent.httpAddress}`,
      captureIo({ LOADHOUSE_AUTH_TOKEN: `${SECRET}\u00a0` }),
    );
    expect(code, io.err).toBe(2);
    expect(io.err).toContain('LH_INVALID_OPTION');
    expect(io.out + io.err).not.toContain(SECRET);
  });

  it('a token read from a secret file keeps working: its trailing line break is dropped', async () => {
    const { code, io } = await runCli(
      args`check --target ${agent.grpcAddress} --http-target ${agent.httpAddress} --auth-token ${`${SECRET}\r\n`}`,
      captureIo({ LOADHOUSE_AUTH_TOKEN: `${SECRET}\n` }),
    );
    expect(code, io.err).toBe(0);
    expect(io.out).toContain('streamhouse.StreamHouse answers');
  });

  it('the SDK refuses metadata values gRPC cannot send, naming the key but not the value', async () => {
    for (const target of [
      { address: agent.grpcAddress, metadata: { authorization: `Bearer ${SECRET}\n` } },
      { address: agent.grpcAddress, organizationId: `${SECRET}\t` },
    ]) {
      let err: unknown;
      try {
        createLoadTest({ target, resultsDir: false });
      } catch (e) {
        err = e;
      }
      expect(isLoadhouseError(err, 'LH_INVALID_OPTION')).toBe(true);
      expect((err as Error).message).toMatch(/options\.target\.(metadata\.authorization|organizationId)/);
      expect((err as Error).message).not.toContain(SECRET);
      expect(JSON.stringify(err)).not.toContain(SECRET);
    }
    // Keys in any case are accepted, as grpc-js takes them (it lower-cases them); a key gRPC cannot send is not.
    expect(() =>
      createLoadTest({ target: { address: agent.grpcAddress, metadata: { Authorization: 'Bearer x' } }, resultsDir: false }),
    ).not.toThrow();
    expect(() => createLoadTest({ target: { address: agent.grpcAddress, metadata: { 'bad key': 'x' } }, resultsDir: false })).toThrow(
      /metadata key/,
    );
  });
});

describe('the embedded agent gets its S3 credentials through the environment', () => {
  const s3 = s3rverForTests(dir);
  const KEY_ID = 'S3RVER';
  const SECRET_KEY = 'S3RVER';

  it('its command line (/proc/<pid>/cmdline) holds no credential, and the run stores segments in the bucket', async () => {
    const results = join(dir, 's3-results');
    const io = captureIo({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET_KEY });
    let cmdline: string | undefined;
    const running = main(
      args`run high-throughput --duration 3 --target-rate 300 --partitions 1 --agent-s3-endpoint ${s3.endpoint} --results-dir ${results}`,
      io,
    );
    // Read the agent's argv while it runs, as `ps` would.
    const deadline = Date.now() + 30_000;
    while (cmdline === undefined && Date.now() < deadline) {
      const pid = /Embedded agent: .* PID (\d+)/.exec(io.err)?.[1];
      if (pid) cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      else await new Promise((r) => setTimeout(r, 50));
    }
    const code = await running;
    expect(cmdline, io.err).toBeDefined();
    expect(cmdline).toContain('--s3-endpoint');
    expect(cmdline).not.toContain('--secret-access-key');
    expect(cmdline).not.toContain('--access-key-id');
    expect(cmdline).not.toContain(SECRET_KEY);
    // The agent still authenticated to the bucket with them: the run acked and stored.
    expect(code, io.err).toBeLessThan(2);
    const file = readdirSync(results).find((f) => f.endsWith('.json'))!;
    const result = JSON.parse(readFileSync(join(results, file), 'utf8')) as { producer: { acked: number; failed: number } };
    expect(result.producer.acked).toBeGreaterThan(100);
    expect(result.producer.failed).toBe(0);
  });
});
