// `--protocol`: the same scenarios through the REST door of the embedded agent, with the books and the
// integrity checks as exact as on gRPC; a door loadhouse cannot drive yet, or an address of the wrong form for
// the door, is refused before anything starts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { args, runCli } from './test-io.js';

const dir = mkdtempSync(join(tmpdir(), 'lh-protocols-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function resultOf(err: string): LoadTestResult {
  const path = /Result written to (.+)\n/.exec(err)?.[1];
  expect(path, err).toBeDefined();
  return JSON.parse(readFileSync(path!, 'utf8')) as LoadTestResult;
}

/** Criteria that do not bound a speed must pass: a loaded machine may only miss latency and rate bounds. */
function expectNonSpeedCriteriaPass(r: LoadTestResult): void {
  for (const c of r.criteria) {
    if (/latency|msgsPerSec|rateErrorPercent|catchUpRate|timeToClear/.test(c.metric)) continue;
    expect(c.passed || c.measured === null, `${c.metric}: measured ${c.measured}`).toBe(true);
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

describe('--protocol refuses before anything starts', () => {
  it('kafka, until loadhouse has a Kafka driver', async () => {
    const { code, io } = await runCli(args`run high-throughput --protocol kafka --duration 2 --results-dir ${dir}`);
    expect(code).toBe(2);
    expect(io.err).toMatch(/LH_PROTOCOL_UNSUPPORTED: loadhouse cannot drive the kafka door yet \(it drives grpc, rest\)/);
    expect(io.err).not.toContain('starting the embedded reference agent');
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
