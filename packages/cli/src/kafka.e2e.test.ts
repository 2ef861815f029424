// `--protocol kafka`: every built-in scenario through the Kafka door of one agent, with the books, integrity
// and the acked-offset checks exact; the embedded agent opening its Kafka door for a three-door comparison;
// consumers joining their Kafka group; SASL credentials reaching the agent and never showing anywhere.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LoadTestResult } from '@loadhouse/core';
import { agentForTests } from '../../core/src/test-support.js';
import { args, captureIo, runCli } from './test-io.js';

const dir = mkdtempSync(join(tmpdir(), 'lh-kafka-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const agent = agentForTests({ grpcPort: 0, httpPort: 0, kafkaPort: 0 });

function resultOf(err: string): LoadTestResult {
  const path = /Result written to (.+)\n/.exec(err)?.[1];
  expect(path, err).toBeDefined();
  return JSON.parse(readFileSync(path!, 'utf8')) as LoadTestResult;
}

/** What the door must not change: no loss, no copies, every read record where its ack put it. */
function expectExact(r: LoadTestResult): void {
  expect(r.state, JSON.stringify(r.errors)).toBe('completed');
  expect(r.config.target).toMatchObject({ protocol: 'kafka' });
  expect(r.producer).toMatchObject({ acked: r.producer.scheduled, failed: 0, dropped: 0 });
  expect(r.integrity).toMatchObject({ checked: true, missing: 0, duplicates: 0, reordered: 0, corrupted: 0 });
  expect(r.integrity.offsetMismatches).toBe(0);
  expect(r.integrity.unackedSeen).toBe(0);
  if (r.integrity.lostAcked !== undefined) expect(r.integrity.lostAcked).toBe(0);
  for (const c of r.criteria) {
    // Speed bounds may miss on a loaded machine; target.* figures come from the target's HTTP side, not given here.
    if (/latency|msgsPerSec|rateErrorPercent|catchUpRate|timeToClear|CacheHitRate|variance|memoryGrowth|^target\./i.test(c.metric))
      continue;
    expect(c.passed || c.notApplicable !== undefined, `${c.metric}: measured ${c.measured}`).toBe(true);
  }
}

// One worker per run: each load worker loads the Kafka client (about a second of schema compiling) on its own.
describe('--protocol kafka against the agent', () => {
  it.each([
    // Every option of the door at once: idempotent sequences, gzip batches, consumers joining their Kafka group.
    [
      'high-throughput',
      '--duration 2 --target-rate 800 --partitions 2 --consumers 2 --idempotent --kafka-compression gzip --kafka-group-membership',
    ],
    // No consumers in this one: the books and the acknowledgements are what it checks.
    ['many-producers', '--producer-count 20 --messages-per-producer 40 --target-rate 800 --partitions 2'],
    ['consumer-lag', '--duration 3 --produce-rate 800 --consume-rate 300 --partitions 2'],
    // Logged in with SASL/PLAIN (the password from the environment).
    ['stability', '--duration 2 --target-rate 400 --partitions 2 --sasl-username org-kd'],
    // Commits through the Kafka door (OffsetCommit/OffsetFetch): a crashed group resumes where it committed.
    ['consumer-group-restart', '--duration 3 --target-rate 400 --partitions 2 --restarts 1'],
  ])('%s: every record acked, read once, at the offset its ack gave', async (scenario, flags) => {
    const { code, io } = await runCli(
      [
        ...args`run ${scenario} --protocol kafka --target ${agent.kafkaAddress!} --workers 1 --warmup 0 --results-dir ${dir}`,
        ...flags.split(' '),
      ],
      captureIo(scenario === 'stability' ? { LOADHOUSE_SASL_PASSWORD: 'org-kd' } : {}),
    );
    expect([0, 1], io.err).toContain(code);
    const r = resultOf(io.err);
    if (scenario === 'many-producers') {
      expect(r.state).toBe('completed');
      expect(r.producer).toMatchObject({ scheduled: 800, acked: 800, failed: 0, dropped: 0 });
      return;
    }
    expectExact(r);
    expect(r.config.target.address).toBe(agent.kafkaAddress);
    if (scenario === 'consumer-lag') expect(r.scenarioResults.lagBuilt as number).toBeGreaterThan(0);
    else if (scenario === 'consumer-group-restart') {
      // A restart may read again what was read after the last commit: never more, never a gap.
      expect(r.consumer!.restarts).toMatchObject({ restarts: 1, beyondBound: 0, skipped: 0 });
      expect(r.consumer!.consumed).toBeGreaterThanOrEqual(r.producer.acked);
    } else expect(r.consumer!.consumed).toBe(r.producer.acked);
    if (scenario === 'high-throughput') {
      expect(r.producer.idempotence?.initProducerCalls).toBeGreaterThan(0);
      // The one worker's member joined each consumer group once, and the join was timed.
      expect(r.metrics['driver.groupRebalances']).toBeGreaterThanOrEqual(1);
      expect(r.metrics['driver.groupRebalanceMaxMs']).toBeGreaterThanOrEqual(r.metrics['driver.groupRebalanceP50Ms']!);
    } else expect(r.metrics['driver.groupRebalances']).toBeUndefined();
    // The credentials reach the agent (a refused login stops the run before any load) and stay out of the result.
    if (scenario === 'stability') expect(readFileSync(/Result written to (.+)\n/.exec(io.err)![1]!, 'utf8')).not.toMatch(/org-kd|sasl/i);
  });

  it('SASL/PLAIN: a wrong password is refused before any load, and the secret is shown nowhere', async () => {
    const secret = 'kd-hunter2-secret';
    const bad = await runCli(
      args`run high-throughput --protocol kafka --target ${agent.kafkaAddress!} --sasl-username ${'org-kd'} --sasl-password ${secret} --duration 1 --results-dir ${join(dir, 'refused')}`,
    );
    expect(bad.code, bad.io.err).toBe(2);
    expect(bad.io.err).toMatch(/LH_TARGET_NOT_STREAMHOUSE: The Kafka broker at .+ refused the SASL\/PLAIN login/);
    expect(bad.io.out + bad.io.err).not.toContain(secret);
  });

  it('check --protocol kafka asks the Kafka door, then runs the HTTP pre-flight', async () => {
    const ok = await runCli(args`check --protocol kafka --target ${agent.kafkaAddress!} --http-target ${agent.httpAddress}`);
    expect(ok.code, ok.io.err).toBe(0);
    expect(ok.io.out).toMatch(/^ok {2}Kafka 127\.0\.0\.1:\d+: the Kafka door answers$/m);
    const grpcPort = await runCli(args`check --protocol kafka --target ${agent.grpcAddress} --http-target ${agent.httpAddress}`);
    expect(grpcPort.code).toBe(2);
    expect(grpcPort.io.err).toMatch(/LH_TARGET_NOT_STREAMHOUSE: .+ does not answer as a Kafka broker/);
  });

  it('refuses SASL flags for another door, and half a login, before anything starts', async () => {
    const grpc = await runCli(
      args`run high-throughput --target ${agent.grpcAddress} --sasl-username x --sasl-password y --results-dir ${dir}`,
    );
    expect(grpc.code).toBe(2);
    expect(grpc.io.err).toMatch(/LH_INVALID_OPTION: --sasl-username \/ --sasl-password log in to the Kafka door/);
    const half = await runCli(
      args`run high-throughput --protocol kafka --target ${agent.kafkaAddress!} --sasl-username x --results-dir ${dir}`,
    );
    expect(half.code).toBe(2);
    expect(half.io.err).toMatch(/LH_INVALID_OPTION: SASL\/PLAIN needs both a username and a password/);
  });
});

describe('the embedded agent with its Kafka door', () => {
  it('--protocols grpc,kafka,rest runs the same workload through each door and prints one table of three rows', async () => {
    const { code, io } = await runCli(
      args`run high-throughput --protocols grpc,kafka,rest --workers 1 --duration 1 --warmup 0 --target-rate 500 --partitions 2 --consumers 2 --results-dir ${dir}`,
    );
    expect([0, 1], io.err).toContain(code);
    const table = io.out.slice(io.out.indexOf('Doors side by side'));
    const rows = table.split('\n').slice(2, 5);
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(['grpc', 'kafka', 'rest']);
    for (const row of rows) expect(row).toMatch(/ completed/);
    const kafka = [...io.err.matchAll(/Result written to (.+)\n/g)].map(
      (m) => JSON.parse(readFileSync(m[1]!, 'utf8')) as LoadTestResult,
    )[1]!;
    expect(kafka.config.target.protocol).toBe('kafka');
    expectExact(kafka);
  });
});
