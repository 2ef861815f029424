import { describe, expect, it } from 'vitest';
import { isLoadhouseError } from '@loadhouse/core';
import { parseCommandLine } from './main.js';
import { shardFromFlags } from './flags.js';
import { agentFaultsFromFlags } from './embedded-target.js';

describe('flag parsing', () => {
  it('reads flags whose names hold digits (cac leaves s3-endpoint un-camel-cased)', () => {
    const p = parseCommandLine([
      'run',
      'high-throughput',
      '--s3-endpoint',
      'http://s3:9000',
      '--agent-s3-endpoint',
      'http://minio:9000',
      '--s3-probe-interval',
      '2',
    ]);
    expect(p.values.s3Endpoint).toBe('http://s3:9000');
    expect(p.values.agentS3Endpoint).toBe('http://minio:9000');
    expect(p.values.s3ProbeInterval).toBe(2);
  });

  it('keeps text values as typed: a number-like org, token, topic or run id is not turned into a number', () => {
    // A token is for a --target (refused without one, which the embedded agent would ignore).
    const p = parseCommandLine([
      'run',
      'high-throughput',
      '--target',
      'localhost:50051',
      '--run-id',
      '007',
      '--org',
      '0123',
      '--topic',
      '1e3',
      '--auth-token',
      '0x1F',
    ]);
    expect(p.values).toMatchObject({ runId: '007', org: '0123', topic: '1e3', authToken: '0x1F' });
    expect(parseCommandLine(['run', 'high-throughput', '--org=0042']).values.org).toBe('0042');
    expect(parseCommandLine(['merge', 'a.json', '-o', '007.json']).values.out).toBe('007.json');
  });

  it('reads numbers as decimals only, and an empty text as missing', () => {
    const err = (argv: string[]) => {
      try {
        parseCommandLine(argv);
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    };
    expect(err(['run', 'high-throughput', '--partitions', '0x10'])).toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: '--partitions must be a number, got "0x10"',
    });
    expect(err(['run', 'high-throughput', '--org', ''])).toMatchObject({ code: 'LH_INVALID_OPTION', message: '--org needs a value <id>' });
    // A valued flag followed by another flag has no value; the next flag is not taken for one.
    expect(err(['run', 'high-throughput', '--topic', '--json'])).toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: '--topic needs a value <name>',
    });
    expect(parseCommandLine(['run', 'high-throughput', '--target-rate', '1_000', '--warmup', '2.5']).values).toMatchObject({
      targetRate: 1000,
      warmup: 2.5,
    });
  });

  it('refuses flags the scenario does not read, and agent flags with --target, naming them', () => {
    const err = (argv: string[]) => {
      try {
        parseCommandLine(argv);
      } catch (e) {
        return e as Error & { code: string };
      }
      throw new Error('expected a throw');
    };
    expect(err(['run', 'high-throughput', '--producer-count', '3'])).toMatchObject({
      code: 'LH_INVALID_OPTION',
      message: expect.stringMatching(
        /^--producer-count does not apply to high-throughput, which takes --duration, --target-rate, .*--consumers$/,
      ),
    });
    expect(err(['run', 'many-producers', '--duration', '3', '--consumers', '4']).message).toMatch(
      /^--duration, --consumers do not apply to many-producers/,
    );
    expect(err(['run', 'high-throughput', '--target', 'h:1', '--agent-drop-every', '5']).message).toBe(
      '--agent-drop-every configures the embedded agent, which is not started when --target is given',
    );
    expect(err(['run', 'high-throughput', '--partitions', '5', '--shard', '0/6']).message).toBe(
      '--shard 0/6: 6 shards share only 5 producers, so 1 shard(s) would send nothing; use at most 5 shards or raise --producers (or --partitions: one producer each by default)',
    );
    expect(parseCommandLine(['run', 'high-throughput', '--partitions', '5', '--producers', '6', '--shard', '5/6']).shard).toEqual({
      index: 5,
      count: 6,
    });
    // What a scenario reads is accepted.
    expect(
      parseCommandLine(['run', 'consumer-lag', '--produce-rate', '10', '--consumers', '2', '--batch-size', '10']).values.produceRate,
    ).toBe(10);
    expect(parseCommandLine(['run', 'high-throughput', '--agent-drop-every', '5']).values.agentDropEvery).toBe(5);
    const verifyFaults = parseCommandLine(['run', 'high-throughput', '--agent-corrupt-every', '7', '--agent-ack-offset-shift-every', '9']);
    expect(agentFaultsFromFlags(verifyFaults.values)).toEqual({ corruptEvery: 7, ackOffsetShiftEvery: 9 });
    const tail = parseCommandLine(['run', 'high-throughput', '--transactions', '100', '--agent-lose-commits-from', '2']);
    expect(agentFaultsFromFlags(tail.values)).toEqual({ loseCommitsFrom: 2 });
    const exposed = parseCommandLine(['run', 'high-throughput', '--transactions', '100', '--agent-expose-aborts-from', '1']);
    expect(agentFaultsFromFlags(exposed.values)).toEqual({ exposeAbortsFrom: 1 });
    const plainTail = parseCommandLine(['run', 'high-throughput', '--agent-lose-tail-from', '2001']);
    expect(agentFaultsFromFlags(plainTail.values)).toEqual({ loseTailFrom: 2001 });
    expect(err(['run', 'high-throughput', '--target', 'h:1', '--agent-corrupt-every', '5']).message).toBe(
      '--agent-corrupt-every configures the embedded agent, which is not started when --target is given',
    );
  });

  it('applies per-scenario defaults', () => {
    expect(parseCommandLine(['run', 'stability']).values.duration).toBe(604800);
    expect(parseCommandLine(['run', 'consumer-lag']).values.produceRate).toBe(1_000_000);
    expect(parseCommandLine(['run', 'high-throughput', '--duration', '10']).values.duration).toBe(10);
  });

  it('takes the shard index from --shard or from the Indexed Job environment', () => {
    expect(shardFromFlags({ shard: '1/4' }, {})).toEqual({ index: 1, count: 4 });
    expect(shardFromFlags({ shards: 3 }, { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, count: 3 });
    expect(shardFromFlags({ shards: 3 }, { LOADHOUSE_SHARD_INDEX: '0', JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 0, count: 3 });
    for (const bad of [{ shard: '4/4' }, { shard: 'x' }, { shards: 2 }]) {
      try {
        shardFromFlags(bad, {});
        expect.unreachable();
      } catch (err) {
        expect(isLoadhouseError(err, 'LH_INVALID_OPTION')).toBe(true);
      }
    }
  });
});
