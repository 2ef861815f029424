import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentOptionsFromFlags, parseBinArgs, runAgentCli } from './cli.js';
import { agentArgs, agentEnv, childEnv, spawnAgent } from './spawn.js';

const parse = (argv: string[]) => {
  const raw = parseBinArgs(argv, () => {});
  return agentOptionsFromFlags(raw!, ['node', 'bin', ...argv]).options;
};

describe('loadhouse-agent flags', () => {
  it('defaults to 127.0.0.1:50051 and :8080', () => {
    expect(parse([])).toEqual({ host: '127.0.0.1', grpcPort: 50051, httpPort: 8080 });
  });

  it('maps every flag to an option', () => {
    expect(
      parse([
        '--grpc-port',
        '0',
        '--http-port',
        '0',
        '--kafka-port',
        '0',
        '--data-dir',
        '/tmp/x',
        '--segment-max-bytes',
        '4096',
        '--segment-max-age-ms',
        '50',
        '--cache-max-bytes',
        '0',
        '--retention-ms',
        '60000',
        '--sink',
        '--fault-s3-error-rate',
        '0.1',
        '--fault-s3-latency-ms',
        '50',
        '--fault-produce-latency-ms',
        '10-30',
        '--fault-stall',
        '3-4',
        '--fault-drop-every',
        '1000',
        '--fault-memory-growth-mib-per-s',
        '20',
        '--fault-corrupt-every',
        '250',
        '--fault-ack-offset-shift-every',
        '7',
      ]),
    ).toEqual({
      host: '127.0.0.1',
      grpcPort: 0,
      httpPort: 0,
      kafkaPort: 0,
      dataDir: '/tmp/x',
      segmentMaxBytes: 4096,
      segmentMaxAgeMs: 50,
      cacheMaxBytes: 0,
      retentionMs: 60000,
      sink: true,
      s3ErrorRate: 0.1,
      s3LatencyMs: 50,
      produceLatencyMs: [10, 30],
      stall: [3, 4],
      dropEvery: 1000,
      memoryGrowthMibPerSecond: 20,
      corruptEvery: 250,
      ackOffsetShiftEvery: 7,
    });
    expect(parse(['--fault-produce-latency-ms', '20']).produceLatencyMs).toBe(20);
  });

  it('spawnAgent passes every option to the child as the flag that maps back to it', () => {
    const options = {
      host: '127.0.0.1',
      grpcPort: 0,
      httpPort: 0,
      kafkaPort: 9092,
      dataDir: '/tmp/x',
      keepData: true,
      segmentMaxBytes: 4096,
      segmentMaxAgeMs: 50,
      cacheMaxBytes: 0,
      retentionMs: 60000,
      maxRequestBytes: 2048,
      sink: true,
      s3ErrorRate: 0.1,
      s3LatencyMs: 50,
      produceLatencyMs: [10, 30] as const,
      stall: [3, 4] as const,
      dropEvery: 1000,
      memoryGrowthMibPerSecond: 20,
      corruptEvery: 250,
      ackOffsetShiftEvery: 7,
      commitDropEvery: 3,
      loseCommitsFrom: 2,
      exposeAbortsFrom: 3,
    };
    expect(parse(agentArgs(options))).toEqual(options);
  });

  it('spawnAgent passes S3 credentials in the environment, never as flags (argv is visible in ps)', () => {
    const options = {
      s3: { endpoint: 'http://127.0.0.1:9000', bucket: 'b', region: 'r', accessKeyId: 'KEYID', secretAccessKey: 'SECRETKEY' },
    };
    const argv = agentArgs(options).join(' ');
    expect(argv).toContain('--s3-endpoint');
    expect(argv).not.toMatch(/KEYID|SECRETKEY|access-key/);
    expect(agentEnv(options)).toEqual({ AWS_ACCESS_KEY_ID: 'KEYID', AWS_SECRET_ACCESS_KEY: 'SECRETKEY' });
    expect(agentEnv({})).toEqual({});
    // A session token the parent holds belongs to the parent's keys: with other keys given, the child gets none.
    const parent = { AWS_ACCESS_KEY_ID: 'PARENT', AWS_SECRET_ACCESS_KEY: 'P', AWS_SESSION_TOKEN: 'STS', PATH: '/bin' };
    expect(childEnv(parent, options)).toMatchObject({ AWS_ACCESS_KEY_ID: 'KEYID', AWS_SECRET_ACCESS_KEY: 'SECRETKEY', PATH: '/bin' });
    expect(childEnv(parent, options)).not.toHaveProperty('AWS_SESSION_TOKEN');
    expect(childEnv(parent, {})).toMatchObject({ AWS_ACCESS_KEY_ID: 'PARENT', AWS_SESSION_TOKEN: 'STS' });
  });

  it('spawnAgent refuses start and stop timeouts a timer cannot hold, before any process starts', async () => {
    await expect(spawnAgent({ stopGraceMs: 3e9 })).rejects.toThrow(/options\.stopGraceMs must be a positive number of milliseconds up to/);
    await expect(spawnAgent({ startTimeoutMs: 2 ** 31 })).rejects.toThrow(/options\.startTimeoutMs/);
  });

  it('keeps S3 strings as typed (no number coercion)', () => {
    const o = parse(['--s3-endpoint', 'http://127.0.0.1:9000', '--bucket', 'b-1', '--access-key-id', '0123', '--secret-access-key', '1e3']);
    expect(o.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', bucket: 'b-1', accessKeyId: '0123', secretAccessKey: '1e3' });
  });

  it('rejects bad values with coded errors naming the flag', () => {
    expect(() => parse(['--fault-stall', '3'])).toThrow(
      expect.objectContaining({ code: 'LH_INVALID_OPTION', message: expect.stringContaining('--fault-stall') }),
    );
    expect(() => parse(['--grpc-port=-1'])).toThrow(/--grpc-port/);
    expect(() => parse(['--fault-s3-error-rate', '2'])).toThrow(/--fault-s3-error-rate/);
    expect(() => parse(['--data-dir', 'x', '--bucket', 'b'])).toThrow(/--data-dir/);
    expect(() => parse(['--access-key-id', 'x'])).toThrow(/--access-key-id/);
    expect(() => parseBinArgs(['--nope'], () => {})).toThrow(expect.objectContaining({ code: 'LH_UNKNOWN_FLAG' }));
  });

  it('prints help', () => {
    let out = '';
    expect(parseBinArgs(['--help'], (t) => (out += t))).toBeUndefined();
    expect(out).toContain('--fault-drop-every');
    expect(out).toContain('"event":"listening"');
  });

  it('a second signal exits at once (130) and still removes the temporary data folder', async () => {
    const argv = ['--grpc-port', '0', '--http-port', '0'];
    let err = '';
    let signal: ((s: NodeJS.Signals) => void) | undefined;
    const code = runAgentCli(
      parseBinArgs(argv, () => {})!,
      {
        stdout: () => {},
        stderr: (t) => {
          err += t;
        },
        onSignal: (handler) => {
          signal = handler;
          return () => {};
        },
      },
      ['node', 'bin', ...argv],
    );
    while (!/listening/.test(err)) await new Promise((r) => setTimeout(r, 10));
    const dir = /storage folder (\S+)/.exec(err)?.[1];
    expect(dir, err).toBeDefined();
    expect(existsSync(dir!)).toBe(true);
    // The second comes before the first one's stop (flush, servers) has finished.
    signal!('SIGINT');
    signal!('SIGINT');
    expect(await code).toBe(130);
    expect(existsSync(dir!), err).toBe(false);
  });
});
