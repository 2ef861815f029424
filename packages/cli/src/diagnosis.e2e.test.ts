// Diagnosis end to end: a real agent throttling its storage is named as the cause, from the target's own
// /metrics scraped during the run; the same agent without the fault gives a passing run with no diagnosis.
// (The outage and data-loss causes are checked on the runs of trust-verdicts.e2e.test.ts.)
import { describe, expect, it } from 'vitest';
import { createLoadTest, type Criterion } from '@loadhouse/core';
import { prometheus } from '@loadhouse/plugin-prometheus';
import { highThroughput } from '@loadhouse/scenarios';
import { agentForTests } from '../../core/src/test-support.js';

// Short-lived segments: many storage PUTs in a 2 s run, so a throttling store shows in its counters.
const agent = agentForTests({ grpcPort: 0, httpPort: 0, segmentMaxAgeMs: 100 });

/** A run of the agent; `onLoad` is called at the first window with acknowledged records. */
async function run(criteria: Criterion[], onLoad = () => {}) {
  const test = createLoadTest({
    target: { address: agent.grpcAddress, httpAddress: agent.httpAddress },
    resultsDir: false,
    workers: 1,
    warmupSeconds: 0,
    plugins: [prometheus({ expose: false, scrape: true })],
    criteria,
  });
  let loaded = false;
  test.on('sample', (sample) => {
    if (!loaded && sample.producer.acked > 0) {
      loaded = true;
      onLoad();
    }
  });
  // Latency and rate bounds this machine always meets: only the criteria given here can fail.
  return test.run(highThroughput({ durationSeconds: 2, targetRate: 200, partitions: 2, p99Ms: 600_000, rateTolerancePercent: 100 }));
}

describe('diagnosis of real runs', () => {
  it('a storage answering half its requests with SlowDown: s3-throttling first, high confidence, from the scraped throttles', async () => {
    try {
      // From the first loaded window: the topic's set-up is not held up by retries.
      const result = await run([{ metric: 'target.s3.errors', op: '==', value: 0, label: 'No storage errors' }], () =>
        agent.setFaults({ s3ErrorRate: 0.5 }),
      );
      expect(result.criteria.find((c) => c.label === 'No storage errors')?.passed, JSON.stringify(result.metrics)).toBe(false);
      const [first] = result.diagnosis ?? [];
      expect(first, JSON.stringify(result.diagnosis)).toMatchObject({ cause: 's3-throttling', confidence: 'high' });
      expect(first!.explains).toContain('No storage errors');
      expect(first!.evidence.find((e) => e.metric === 'target.s3.throttles')!.value).toBeGreaterThan(0);
    } finally {
      agent.setFaults({ s3ErrorRate: 0 });
    }
  }, 60_000);

  it('the same agent without the fault: every criterion passes and the diagnosis is empty', async () => {
    const result = await run([{ metric: 'target.s3.errors', op: '==', value: 0, label: 'No storage errors' }]);
    expect(result.criteria.map((c) => [c.label ?? c.metric, c.passed, c.note])).toEqual(
      result.criteria.map((c) => [c.label ?? c.metric, true, c.note]),
    );
    expect(result.diagnosis).toEqual([]);
  }, 60_000);
});
