import { describe, expect, it } from 'vitest';
import { findCapacity } from '../index.js';
import { agentForTests } from '../test-support.js';

const agent = agentForTests({ grpcPort: 0, httpPort: 0, sink: true });

describe('explore', () => {
  it('finds', async () => {
    const t0 = Date.now();
    const r = await findCapacity(
      { target: agent.grpcAddress, resultsDir: false, topic: 'cap-x' },
      { slo: [{ metric: 'producer.latency.p99', op: '<', value: 1000 }], minRate: 25000, maxRate: 100_000_000, stepSeconds: 1, stepWarmupSeconds: 0.5, resolutionPercent: 5, produce: { producers: 2, partitions: 2, messageSize: 200 } },
    );
    console.log(Date.now() - t0, r.state, r.endMessage, JSON.stringify({ ...r.capacity, steps: undefined, slo: undefined }));
    for (const p of r.phases) console.log(p.name, p.elapsedSeconds, p.durationSeconds);
    for (const s of r.capacity!.steps) console.log(s.phase, s.role, s.achieved, s.passed, s.void, s.latency.p99, s.reason);
    console.log(JSON.stringify(r.criteria));
  }, 60000);
});
