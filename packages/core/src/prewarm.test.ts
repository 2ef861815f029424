// The pre-warm and the start-up figures against the reference agent: new workers send their throwaway
// requests before the schedule starts, the target refuses every one, nothing of them is stored or counted,
// and the result says when the first ack came, what the first measured second reached, and why one worker ran.
import { describe, expect, it } from 'vitest';
import { createLoadTest, type LogEntry } from './index.js';
import { agentForTests, clientForTests, expectBooksBalance } from './test-support.js';

const agent = agentForTests();
const client = clientForTests(agent);

describe('pre-warm', () => {
  it('warms the produce path with refused requests: stored = acked, counts exact, start-up figures and the worker choice reported', async () => {
    const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'prewarm', warmupSeconds: 0 });
    const logs: LogEntry[] = [];
    lt.on('log', (e) => void logs.push(e));
    const result = await lt.run({
      name: 'prewarm',
      criteria: [],
      async run(c) {
        const g = await c.produce({ rate: 2000, producers: 2, partitions: 2, messageSize: 100 });
        await c.waitFor(2.2);
        await g.stop();
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    const p = result.producer;
    expectBooksBalance(result);
    expect(p.acked).toBeGreaterThan(1000);

    const warm = logs
      .map((l) => /pre-warm: (\d+) throwaway calls \((\d+) refused as meant, (\d+) unanswered\)/.exec(l.message))
      .find((m) => m);
    expect(warm, logs.map((l) => l.message).join('\n')).toBeDefined();
    const [calls, refused, unanswered] = warm!.slice(1).map(Number) as [number, number, number];
    // A starved machine may leave some unanswered within the pre-warm's budget; none may be accepted.
    expect(refused).toBeGreaterThan(0);
    expect(refused + unanswered).toBe(calls);
    expect(logs.some((l) => /pre-warm batches/.test(l.message))).toBe(false);

    // What the topic holds is exactly what the run acknowledged: no pre-warm record reached it.
    let stored = 0;
    for (const partition of [0, 1]) {
      const r = await client.consume({ topic: 'prewarm', partition, offset: 0, maxRecords: 1 });
      stored += Number(r.highWatermark);
    }
    expect(stored).toBe(p.acked);

    expect(p.startup?.firstAckSeconds).toBeGreaterThanOrEqual(0);
    expect(p.startup?.firstSecondTargetRate).toBeCloseTo(2000, -1);
    expect(p.startup?.firstSecondMsgsPerSec).toBeGreaterThanOrEqual(0);
    expect(p.startup?.firstSecondMsgsPerSec).toBeLessThanOrEqual(2001);
    expect(result.generator.workerChoice).toEqual({
      workers: 1,
      reason: '1 worker: 2,000 msgs/s is within what one worker sustains (~100,000 msgs/s)',
    });
  });
});
