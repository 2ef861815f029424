// Record-level verification against the reference agent's faults, over real sockets: every consumed record's
// checksum and its offset against its acknowledgement, with exact counts. (A clean run's zeros are checked in
// consumers.test.ts.)
import { startAgent } from '@loadhouse/agent';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoadTest, type LogEntry } from './index.js';

// One agent; each test sets the one fault it is about (the counts are per partition, and each test has its own topic).
const faulty = await startAgent({ grpcPort: 0, httpPort: 0 });
afterAll(() => faulty.stop());

describe('record verification', () => {
  it('finds every record the target stored with a flipped byte: exactly every 250th, with its offset', async () => {
    faulty.setFaults({ corruptEvery: 250, ackOffsetShiftEvery: 0 });
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
    expect(i).toMatchObject({
      checked: true,
      corrupted: 8,
      missing: 0,
      duplicates: 0,
      consumedChecked: 2000,
      offsetMismatches: 0,
      lostAcked: 0,
      unackedSeen: 0,
      ackedMapped: 2000,
    });
    const sequences = [249, 499, 749, 999, 1249, 1499, 1749, 1999];
    expect(i.examples).toEqual(sequences.map((sequence) => ({ kind: 'corrupted', producer: 0, partition: 0, sequence, offset: sequence })));
    expect(result.criteria[0]).toMatchObject({ measured: 8, passed: false });
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'LH_DATA_CORRUPTED' }));
    expect(logs.some((l) => l.level === 'warn' && /Data corruption: 8 record/.test(l.message))).toBe(true);
  });

  it('finds every batch acknowledged at other offsets than where it was stored: exactly every 7th', async () => {
    faulty.setFaults({ corruptEvery: 0, ackOffsetShiftEvery: 7 });
    const lt = createLoadTest({ target: faulty.grpcAddress, resultsDir: false, topic: 'verify-shift' });
    const result = await lt.run({
      name: 'shift',
      criteria: [{ metric: 'integrity.offsetMismatches', op: '==', value: 0 }],
      async run(c) {
        const readers = await c.consume({ rate: 'max' });
        // One record per batch: the agent's every 7th batch is one record acked one offset too high. Records the
        // producer dropped never reach the agent, so the count follows the acked ones.
        const writer = await c.produce({
          rate: 1000,
          messagesPerProducer: 420,
          batchSize: 1,
          maxInFlight: 8,
          messageSize: 100,
          partitions: 1,
        });
        await Promise.race([writer.done, c.waitFor(20)]);
        await writer.stop();
        await c.waitFor((s) => s.consumer.lag === 0 && s.totals.consumed >= s.totals.acked, { timeoutSeconds: 20 });
        await readers.stop();
      },
    });
    expect(result.state, JSON.stringify(result.errors)).toBe('completed');
    const acked = result.producer.acked;
    expect(result.producer.failed).toBe(0);
    expect(acked).toBeGreaterThan(100);
    expect(result.consumer.consumed).toBe(acked);
    const i = result.integrity;
    expect(i).toMatchObject({
      offsetMismatches: Math.floor(acked / 7),
      lostAcked: 0,
      unackedSeen: 0,
      corrupted: 0,
      missing: 0,
      ackedMapped: acked,
    });
    const shifted = i.examples.filter((e) => e.kind === 'offsetMismatch');
    expect(shifted).toHaveLength(3);
    for (const e of shifted) expect(e.ackedOffset).toBe(e.offset! + 1);
    expect(result.criteria[0]).toMatchObject({ measured: Math.floor(acked / 7), passed: false });
    expect(result.errors).toContainEqual(expect.objectContaining({ code: 'LH_ACK_MISMATCH' }));
  });
});
