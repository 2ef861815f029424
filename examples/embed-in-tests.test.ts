// loadhouse inside a vitest test as a performance gate: the build fails when the target misses its budget.
// (Named embed-in-tests.test.ts so the project's test run executes it; copy it into your own test suite.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLoadTest } from '@loadhouse/core';
import { highThroughput } from '@loadhouse/scenarios';
import { startAgent, type Agent } from '@loadhouse/agent';

let agent: Agent;
beforeAll(async () => {
  // In your project: the StreamHouse under test (a container, a staging address). Here: the reference agent.
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
});
afterAll(() => agent.stop());

// The budget is generous because this gate runs on shared 2-core CI machines; set yours from your SLO.
it('ProduceBatch holds 1,000 msgs/s with P99 under 1 s', async () => {
  const test = createLoadTest({ target: agent.grpcAddress, resultsDir: false, workers: 1 });
  const result = await test.run(highThroughput({ durationSeconds: 3, targetRate: 1000, partitions: 2, p99Ms: 1000 }));

  expect(result.state).toBe('completed');
  const failed = result.criteria.filter((c) => !c.passed && c.metric !== 'target.memoryBytes');
  expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
  expect(result.producer.latency.response.p99).toBeLessThan(1000);
});
