// Record-level verification against the reference agent's faults, over real sockets: every consumed record's
// checksum, with exact counts. (A clean run's zero is checked in consumers.test.ts.)
import { startAgent } from '@loadhouse/agent';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoadTest, type LogEntry } from './index.js';

const faulty = await startAgent({ grpcPort: 0, httpPort: 0, corruptEvery: 250 });
afterAll(() => faulty.stop());

describe('record verification', () => {
  it('finds every record the target stored with a flipped byte: exactly every 250th, with its offset', async () => {
    const logs: LogEntry[] = [];
    const lt = createLoadTest({ target: faulty.grpcAddress, resultsDir: false, topic: 'verify-corrupt' });
    lt.on('log', (e) => void logs.push(e));
    const result = await lt.run({
      name: 'corrupt',
      criteria: [{ metric: 'integrity.corrupted', op: '==', value: 0 }],
      async run(c) {
        const readers = await c.consume({ rate: 'max' });
        // One partition, one batch in flight: the agent's Nth appended record is sequence N - 1 at offset N - 1.
        const writer = await c.produce({ rate: 2000, messagesPerProducer: 2000, maxInFlight: 1, messageSize: 300, partitions: 1 });
        await Promise.race([writer.done, c.waitFor(20)]);
        await writer.stop();
        await c.waitFor((s) => s.consumer.lag === 0 && s.totals.consumed >= s.totals.acked, { timeoutSeconds: 20 });
        await readers.stop();
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    expect(result.producer.acked).toBe(2000);
    expect(result.consumer.consumed).toBe(2000);
    const i = result.integrity;
    expect(i).toMatchObject({ checked: true, corrupted: 8, missing: 0, duplicates: 0, consumedChecked: 2000 });
    const sequences = [249, 499, 749, 999, 1249, 1499, 1749, 1999];
    expect(i.examples).toEqual(
      sequences.map((sequence) => ({ kind: 'corrupted', producer: 0, partition: 0, sequence, offset: sequence })),
    );
    expect(result.criteria[0]).toMatchObject({ measured: 8, passed: false });
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'LH_DATA_CORRUPTED' }));
    expect(logs.some((l) => l.level === 'warn' && /Data corruption: 8 record/.test(l.message))).toBe(true);
  });
});
