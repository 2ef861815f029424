// `--protocol`: the same scenarios through the REST door of the embedded agent, with the books and the
// integrity checks as exact as on gRPC; a door loadhouse cannot drive yet, or an address of the wrong form for
// the door, is refused before anything starts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgent } from '@loadhouse/agent';
import type { LoadTestResult } from '@loadhouse/core';
import type { FlagValues } from './catalog.js';
import { formatDoorTable, protocolsFromFlags } from './protocols-compare.js';
import { args, runCli } from './test-io.js';

const dir = mkdtempSync(join(tmpdir(), 'lh-protocols-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function resultOf(err: string): LoadTestResult {
  const path = /Result written to (.+)\n/.exec(err)?.[1];
  expect(path, err).toBeDefined();
  return JSON.parse(readFileSync(path!, 'utf8')) as LoadTestResult;
}

/**
 * Criteria on what a door must not change (errors, loss, duplicates) must pass. A loaded machine may miss speed
 * bounds, and at this scale the catch-up reads too few stored segments for the target's cache hit rate to mean much.
 */
function expectNonSpeedCriteriaPass(r: LoadTestResult): void {
  for (const c of r.criteria) {
    if (/latency|msgsPerSec|rateErrorPercent|catchUpRate|timeToClear|CacheHitRate/.test(c.metric)) continue;
    expect(c.passed || c.notApplicable !== undefined, `${c.metric}: measured ${c.measured}`).toBe(true);
  }
}

describe('--protocol rest against the embedded agent', () => {
  it('runs high-throughput through the REST door with every record acked and consumed exactly once', async () => {
    const { code, io } = await runCli(
      args`run high-throughput --protocol rest --duration 2 --warmup 0 --target-rate 1000 --partitions 2 --consumers 2 --results-dir ${dir}`,
    );
    expect([0, 1], io.err).toContain(code);
    expect(io.err).toMatch(/Embedded agent: gRPC 127\.0\.0\.1:\d+, HTTP http:\/\/127\.0\.0\.1:\d+/);
    const r = resultOf(io.err);
    expect(r.state, JSON.stringify(r.errors)).toBe('completed');
    expect(r.config.target).toMatchObject({ protocol: 'rest' });
    expect(r.config.target.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.producer.scheduled).toBeGreaterThan(500);
    expect(r.producer).toMatchObject({ acked: r.producer.scheduled, failed: 0, dropped: 0 });
    expect(r.consumer!.consumed).toBe(r.producer.acked);
    expect(r.consumer!.foreign).toBe(0);
    expect(r.integrity).toMatchObject({ checked: true, missing: 0, duplicates: 0, consumedChecked: r.producer.acked });
    expectNonSpeedCriteriaPass(r);
    // The --protocols table reads the same result: its rate, and an end-to-end latency since consumers ran.
    const table = formatDoorTable([{ door: 'rest', result: r }]).split('\n');
    expect(table[1]).toMatch(/^door +msgs\/s +p50 +p99 +errors +e2e p50 +e2e p99 +run$/);
    expect(table[2]).toMatch(
      new RegExp(`^rest +${Math.round(r.producer.msgsPerSec).toLocaleString('en-US')} +[\\d.]+ ms +[\\d.]+ ms +0 +[\\d.]+ ms`),
    );
  });

  it('runs consumer-lag through the REST door: lag builds, and the catch-up reads every record', async () => {
    const { code, io } = await runCli(
      args`run consumer-lag --protocol rest --duration 3 --warmup 0 --produce-rate 1000 --consume-rate 400 --partitions 2 --results-dir ${dir}`,
    );
    expect([0, 1], io.err).toContain(code);
    const r = resultOf(io.err);
    expect(r.state, JSON.stringify(r.errors)).toBe('completed');
    expect(r.producer).toMatchObject({ acked: r.producer.scheduled, failed: 0 });
    expect(r.scenarioResults.lagBuilt as number).toBeGreaterThan(0);
    expect(r.integrity).toMatchObject({ checked: true, missing: 0, duplicates: 0 });
    if (r.scenarioResults.lagCleared === true) expect(r.consumer!.consumed).toBe(r.producer.acked);
    expectNonSpeedCriteriaPass(r);
  });
});

describe('check --protocol rest', () => {
  it('asks the REST API, then runs the HTTP pre-flight; a URL that is not the REST API is refused', async () => {
    const agent = await startAgent({ grpcPort: 0, httpPort: 0 });
    try {
      const ok = await runCli(args`check --protocol rest --target ${agent.httpAddress}`);
      expect(ok.code, ok.io.err).toBe(0);
      expect(ok.io.out).toMatch(/^ok {2}REST http:\/\/127\.0\.0\.1:\d+: StreamHouse's REST API answers$/m);
      const elsewhere = await runCli(args`check --protocol rest --target ${agent.httpAddress}/elsewhere`);
      expect(elsewhere.code).not.toBe(0);
      expect(elsewhere.io.err).toMatch(/LH_TARGET_NOT_STREAMHOUSE: .+ is not StreamHouse's REST API/);
    } finally {
      await agent.stop();
    }
  });
});

describe('--protocol refuses before anything starts', () => {
  it('kafka with an address that is not host:port', async () => {
    const { code, io } = await runCli(args`run high-throughput --protocol kafka --target http://h:9092 --duration 2 --results-dir ${dir}`);
    expect(code).toBe(2);
    expect(io.err).toMatch(/LH_INVALID_OPTION: --target must be host:port/);
  });

  it('--protocols names two or more different doors, REST beside a --target needs --http-target', () => {
    const refused = (v: FlagValues, raw: Record<string, unknown> = {}): string => {
      try {
        protocolsFromFlags(v, raw);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(protocolsFromFlags({ protocols: 'grpc, rest' }, {})).toEqual(['grpc', 'rest']);
    expect(refused({ protocols: 'grpc' })).toMatch(/two or more different doors/);
    expect(refused({ protocols: 'grpc,grpc' })).toMatch(/two or more different doors/);
    expect(protocolsFromFlags({ protocols: 'grpc,kafka' }, {})).toEqual(['grpc', 'kafka']);
    expect(refused({ protocols: 'grpc,kafka', target: 'h:50051' })).toMatch(/needs --kafka-target/);
    expect(refused({ protocols: 'grpc,rest', protocol: 'rest' }, { protocol: 'rest' })).toMatch(/exclude each other/);
    expect(refused({ protocols: 'grpc,rest', target: 'h:50051' })).toMatch(/needs --http-target/);
  });

  it('a REST target that is not a URL, and a door that does not exist', async () => {
    const hostPort = await runCli(args`run high-throughput --protocol rest --target ftp://localhost:1 --duration 2 --results-dir ${dir}`);
    expect(hostPort.code).toBe(2);
    expect(hostPort.io.err).toMatch(/--target must be an http\(s\) address/);
    const unknown = await runCli(args`run high-throughput --protocol soap --duration 2 --results-dir ${dir}`);
    expect(unknown.code).toBe(2);
    expect(unknown.io.err).toMatch(/--protocol must be one of grpc, rest, kafka/);
  });
});
