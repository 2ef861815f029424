// Diagnosis end to end: a real agent throttling its storage, or slow to store, is named as the cause, from the
// target's own /metrics scraped during the run; the same agent without the fault gives a passing run with no diagnosis.
// (The outage and data-loss causes are checked on the runs of trust-verdicts.e2e.test.ts.)
import { describe, expect, it } from 'vitest';
import { createLoadTest, type AckModeName, type Criterion } from '@loadhouse/core';
import { prometheus } from '@loadhouse/plugin-prometheus';
import { highThroughput } from '@loadhouse/scenarios';
import type { AgentFaults } from '@loadhouse/agent';
import { agentForTests } from '../../core/src/test-support.js';

// Short-lived segments: many storage PUTs in a 2 s run, so a throttling store shows in its counters.
const agent = agentForTests({ grpcPort: 0, httpPort: 0, segmentMaxAgeMs: 100 });

interface RunOptions {
  criteria?: Criterion[];
  /** Called at the first window with acknowledged records: a fault set then does not hold up the topic's set-up. */
  onLoad?: () => void;
  ackMode?: AckModeName;
  /** The scenario's P99 criterion (default: a bound this machine always meets). */
  p99Ms?: number;
}

async function run({ criteria = [], onLoad = () => {}, ackMode, p99Ms = 600_000 }: RunOptions) {
  const test = createLoadTest({
    target: { address: agent.grpcAddress, httpAddress: agent.httpAddress },
    resultsDir: false,
    workers: 1,
    warmupSeconds: 0,
    plugins: [prometheus({ expose: false, scrape: true })],
    criteria,
    ...(ackMode ? { ackMode } : {}),
  });
  let loaded = false;
  test.on('sample', (sample) => {
    if (!loaded && sample.producer.acked > 0) {
      loaded = true;
      onLoad();
    }
  });
  // A rate bound this machine always meets: only the criteria chosen here can fail.
  return test.run(highThroughput({ durationSeconds: 2, targetRate: 200, partitions: 2, p99Ms, rateTolerancePercent: 100 }));
}

/**
 * A fault for one second of the load: uploads queue behind the slow ones, so a longer fault only makes the drain
 * at the end longer. (Throttling stays on to the end, at 80%: a busy disk may allow only a few uploads in a
 * run, and some must meet a throttle.)
 */
const forASecond = (on: AgentFaults, off: AgentFaults) => () => {
  agent.setFaults(on);
  setTimeout(() => agent.setFaults(off), 1000);
};

const noStorageErrors: Criterion = { metric: 'target.s3.errors', op: '==', value: 0, label: 'No storage errors' };

describe('diagnosis of real runs', () => {
  it('a storage answering most requests with SlowDown: s3-throttling first, high confidence, from the scraped throttles', async () => {
    try {
      const result = await run({ criteria: [noStorageErrors], onLoad: () => agent.setFaults({ s3ErrorRate: 0.8 }) });
      expect(result.criteria.find((c) => c.label === 'No storage errors')?.passed, JSON.stringify(result.metrics)).toBe(false);
      const [first] = result.diagnosis ?? [];
      expect(first, JSON.stringify(result.diagnosis)).toMatchObject({ cause: 's3-throttling', confidence: 'high' });
      expect(first!.explains).toContain('No storage errors');
      expect(first!.evidence.find((e) => e.metric === 'target.s3.throttles')!.value).toBeGreaterThan(0);
    } finally {
      agent.setFaults({ s3ErrorRate: 0 });
    }
  }, 60_000);

  it('storage PUTs taking 600 ms with durable acks: the P99 criterion fails and s3-slow is the target-side cause, high confidence', async () => {
    try {
      const result = await run({ ackMode: 'durable', p99Ms: 200, onLoad: forASecond({ s3LatencyMs: 600 }, { s3LatencyMs: 0 }) });
      const p99 = result.criteria.find((c) => c.metric === 'producer.latency.p99')!;
      expect(p99.passed, JSON.stringify(p99)).toBe(false);
      // A generator saturated on a busy machine may rank beside it (it explains latency too); of the target's causes this is first.
      const target = (result.diagnosis ?? []).filter((d) => d.cause !== 'generator-saturated');
      expect(target[0], JSON.stringify(result.diagnosis)).toMatchObject({ cause: 's3-slow', confidence: 'high' });
      expect(target[0]!.explains).toContain(p99.label);
      expect(target[0]!.evidence.find((e) => e.metric === 'target.s3.putLatencyP99')!.value).toBeGreaterThanOrEqual(500);
    } finally {
      agent.setFaults({ s3LatencyMs: 0 });
    }
  }, 60_000);

  it('the same agent without the fault: every criterion passes and the diagnosis is empty', async () => {
    const result = await run({ criteria: [noStorageErrors] });
    expect(result.criteria.map((c) => [c.label ?? c.metric, c.passed, c.note])).toEqual(
      result.criteria.map((c) => [c.label ?? c.metric, true, c.note]),
    );
    expect(result.diagnosis).toEqual([]);
  }, 60_000);
});
