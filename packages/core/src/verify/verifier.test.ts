import { describe, expect, it } from 'vitest';
import { RunLog } from './run-log.js';
import { Verifier } from './verifier.js';

// Runs are [partition, first offset, count, producer, first sequence].
const acks = (acked: number[][], failed: number[][] = []) => ({ topic: 't', acked: acked.flat(), failed: failed.flat() });
const read = (runs: number[][], startOffsets: Record<number, number> = { 0: 0 }) => ({
  groupId: 1,
  topic: 't',
  startOffsets,
  runs: runs.flat(),
});

describe('RunLog', () => {
  it('merges a run that continues both the offsets and the sequences of its (partition, producer)', () => {
    const log = new RunLog();
    log.add(0, 0, 10, 1, 0);
    log.add(1, 0, 10, 1, 0); // another partition between them
    log.add(0, 10, 10, 1, 10);
    log.add(0, 25, 5, 1, 20); // offsets jump (another producer's batch in between): a new run
    log.add(0, -1, 5, 1, 25); // failed batches (offset unknown) continue each other
    log.add(0, -1, 5, 1, 30);
    expect(log.take()).toEqual([0, 0, 20, 1, 0, 1, 0, 10, 1, 0, 0, 25, 5, 1, 20, 0, -1, 10, 1, 25]);
    expect(log.size).toBe(0);
  });
});

describe('Verifier', () => {
  it('a clean run: every acked record read where its ack placed it', () => {
    const v = new Verifier();
    v.add({
      acks: [
        acks([
          [0, 0, 100, 1, 0],
          [0, 100, 50, 2, 0],
        ]),
      ],
      consumed: [],
    });
    v.add({
      acks: [],
      consumed: [
        read([
          [0, 0, 100, 1, 0],
          [0, 100, 50, 2, 0],
        ]),
      ],
    });
    expect(v.reconcile(true)).toMatchObject({
      offsetMismatches: 0,
      lostAcked: 0,
      unackedSeen: 0,
      unackedAfterFailure: 0,
      ackedRecords: 150,
    });
  });

  it('joins runs that continue each other across reports, so a producer alone on a partition stays one run', () => {
    const v = new Verifier();
    for (let r = 0; r < 100; r++) v.add({ acks: [acks([[0, r * 10, 10, 1, r * 10]])], consumed: [] });
    // Offsets jump (another producer wrote between): a second run; then failed batches continue each other.
    v.add({ acks: [acks([[0, 1_005, 10, 1, 1_000]], [[0, -1, 5, 1, 1_010]])], consumed: [] });
    v.add({ acks: [acks([], [[0, -1, 5, 1, 1_015]])], consumed: [] });
    for (let r = 0; r < 100; r++) v.add({ acks: [], consumed: [read([[0, r * 10, 10, 1, r * 10]])] });
    v.add({ acks: [], consumed: [read([[0, 1_005, 10, 1, 1_000]])] });
    const f = v.reconcile(true)!;
    expect(f).toMatchObject({ offsetMismatches: 0, lostAcked: 0, unackedSeen: 0, ackedRecords: 1_010 });
    // acked: 2 runs, failed: 1, consumed: 2.
    expect(f.mapBytes).toBe(5 * 32);
  });

  it('counts records read at other offsets, never read, and read without an ack, each exactly', () => {
    const v = new Verifier();
    // Producer 1: seqs 0..99 acked at 0..99; seqs 100..109 failed. Producer 2: seqs 0..9 acked at 200..209.
    v.add({
      acks: [
        acks(
          [
            [0, 0, 100, 1, 0],
            [0, 200, 10, 2, 0],
          ],
          [[0, -1, 10, 1, 100]],
        ),
      ],
      consumed: [],
    });
    v.add({
      acks: [],
      consumed: [
        read([
          [0, 0, 40, 1, 0], // in place
          [0, 41, 20, 1, 40], // seqs 40..59 one offset late: 20 mismatches
          [0, 61, 30, 1, 60], // 60..89 late too: 30 more; 90..99 never read: 10 lost
          [0, 110, 5, 1, 100], // seqs 100..104: their batch failed, stored anyway
          [0, 120, 3, 1, 500], // seqs 500..502: nobody sent them
          [0, 200, 4, 2, 0], // producer 2: 0..3 read, 4..9 lost
        ]),
      ],
    });
    const f = v.reconcile(true)!;
    expect(f).toMatchObject({ offsetMismatches: 50, lostAcked: 16, unackedSeen: 3, unackedAfterFailure: 5 });
    expect(f.examples).toContainEqual({ kind: 'offsetMismatch', producer: 1, partition: 0, sequence: 40, offset: 41, ackedOffset: 40 });
    expect(f.examples).toContainEqual({ kind: 'unackedSeen', producer: 1, partition: 0, sequence: 500, offset: 120 });
    expect(f.examples).toContainEqual({ kind: 'lostAcked', producer: 1, partition: 0, sequence: 90, ackedOffset: 90 });
    expect(f.examples).toContainEqual({ kind: 'lostAcked', producer: 2, partition: 0, sequence: 4, ackedOffset: 204 });
    // Consumers that did not read to the end cannot call anything lost.
    expect(v.reconcile(false)!.lostAcked).toBeUndefined();
  });

  it('an ack without an offset (a driver that returns none) covers its records but checks no offset', () => {
    const v = new Verifier();
    v.add({ acks: [acks([[0, -1, 10, 1, 0]])], consumed: [read([[0, 5, 8, 1, 0]])] });
    expect(v.reconcile(true)).toMatchObject({ offsetMismatches: 0, unackedSeen: 0, lostAcked: 2 });
    const late = new Verifier();
    late.add({ acks: [acks([[0, -1, 10, 1, 0]])], consumed: [read([[0, 5, 8, 1, 0]], { 0: 5 })] });
    expect(late.reconcile(true)).toMatchObject({ offsetMismatches: 0, unackedSeen: 0, lostAcked: 0 });
  });

  it('only acks at or after where a group started reading can be lost to it', () => {
    const v = new Verifier();
    v.add({ acks: [acks([[0, 0, 100, 1, 0]])], consumed: [read([[0, 60, 40, 1, 60]], { 0: 50 })] });
    expect(v.reconcile(true)).toMatchObject({ lostAcked: 10, offsetMismatches: 0, unackedSeen: 0 });
  });
});

describe('Verifier: transactions', () => {
  it('judges the reads against the confirmed commits: an aborted transaction read is counted, one of unknown outcome explained', () => {
    const v = new Verifier();
    // Producer 1: seqs 0..19 committed, 20..39 aborted (never logged), 40..59 of a transaction whose commit went
    // unanswered. The batch acks (offsets in the transaction) say nothing about log offsets.
    v.add({
      acks: [{ ...acks([[0, 0, 60, 1, 0]]), committed: [0, -1, 20, 1, 0], uncertain: [0, -1, 20, 1, 40] }],
      consumed: [],
    });
    v.add({
      acks: [],
      consumed: [
        read([
          [0, 7, 20, 1, 0], // the committed ones, at offsets the acks never gave
          [0, 27, 5, 1, 20], // seqs 20..24: an aborted transaction made visible
          [0, 32, 20, 1, 40], // the uncertain transaction: committed after all
        ]),
      ],
    });
    const f = v.reconcileTransactional()!;
    expect(f).toMatchObject({ unackedSeen: 5, unackedAfterFailure: 20, offsetMismatches: undefined, lostAcked: undefined });
    expect(f.examples).toEqual([{ kind: 'unackedSeen', producer: 1, partition: 0, sequence: 20, offset: 27 }]);
    // The same reads against the batch acks would count offsets the acks never gave as mismatches.
    expect(v.reconcile(true)!.offsetMismatches).toBeGreaterThan(0);
  });
});

describe('Verifier: a restarted consumer group', () => {
  // Producer 1's batches were appended out of order: sequences 100..199 at offsets 0..99, 0..99 at 100..199,
  // 200..299 at 200..299. The first instance read offsets 0..149 and crashed; the restart resumed at 120.
  const setup = (resumeAt: number) => {
    const v = new Verifier();
    v.add({
      acks: [
        acks([
          [0, 0, 100, 1, 100],
          [0, 100, 100, 1, 0],
          [0, 200, 100, 1, 200],
        ]),
      ],
      consumed: [
        read(
          [
            [0, 0, 100, 1, 100],
            [0, 100, 50, 1, 0],
          ],
          { 0: 0 },
        ),
      ],
    });
    v.continues(2, 1);
    const second = [0, resumeAt, 200 - resumeAt, 1, resumeAt - 100];
    v.add({ acks: [], consumed: [{ groupId: 2, topic: 't', startOffsets: { 0: resumeAt }, runs: [...second, 0, 200, 100, 1, 200] }] });
    return v;
  };

  it('checks every instance together: records read twice are neither lost nor missing', () => {
    const v = setup(120);
    expect([...v.restartedGroupIds()].sort()).toEqual([1, 2]);
    // Alone, the restart would see 20..99 (read before its resume) as missing below its highest sequence.
    expect(v.restartedMissing()).toEqual({ missing: 0, examples: [] });
    expect(v.reconcile(true)).toMatchObject({ lostAcked: 0, offsetMismatches: 0, unackedSeen: 0 });
  });

  it('still finds what no instance read: a resume past where the group had read', () => {
    const v = setup(170);
    // Offsets 150..169 (sequences 50..69) were never read by either instance.
    expect(v.restartedMissing()).toEqual({ missing: 20, examples: [{ kind: 'missing', producer: 1, partition: 0, sequence: 50 }] });
    expect(v.reconcile(true)).toMatchObject({ lostAcked: 20 });
  });
});
