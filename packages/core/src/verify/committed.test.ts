// The check of committed transactions against what consumer groups read, on hand-made logs: which records
// count as lost, which cannot be checked (and why), and how the verdict on `integrity.lost` follows from it.
import { describe, expect, it } from 'vitest';
import { evaluateCriteria } from '../criteria.js';
import { integrityReport } from '../result/build.js';
import { mergeIntegrity } from '../result/merge-totals.js';
import type { IntegrityReport, LoadTestResult } from '../types.js';
import { type GroupReads, judgeCommitted } from './committed.js';
import type { ByPartition } from './spans.js';

/** Runs as the verifier keeps them: [offset, count, producer, first sequence] each; committed ones have offset -1. */
type Run = [offset: number, count: number, producer: number, sequence: number];
const partitions = (byPartition: Record<number, Run[]>): ByPartition =>
  new Map(Object.entries(byPartition).map(([p, runs]) => [Number(p), runs.flat()]));
const committed = (byPartition: Record<number, Run[]>, topic = 't') => new Map([[topic, partitions(byPartition)]]);
const group = (startOffsets: Record<number, number>, runs: Record<number, Run[]>, topic = 't'): GroupReads => ({
  topic,
  startOffsets,
  runs: partitions(runs),
});

// Producer 1 on partition 0: a transaction committed [0, 10), one aborted [10, 20), one committed [20, 30).
const COMMITTED = committed({
  0: [
    [-1, 10, 1, 0],
    [-1, 10, 1, 20],
  ],
});

describe('committed transactions against the reads', () => {
  it('counts committed records a group never read, the lost tail included; a record read twice counts once', () => {
    // Read [0, 10) twice and [20, 25): the tail [25, 30) is lost, though no gap is behind it.
    const reads = group(
      { 0: 0 },
      {
        0: [
          [0, 10, 1, 0],
          [0, 10, 1, 0],
          [10, 5, 1, 20],
        ],
      },
    );
    const c = judgeCommitted(COMMITTED, [reads], true);
    expect(c).toEqual({ lost: 5, examples: [{ kind: 'lostCommitted', producer: 1, partition: 0, sequence: 25 }] });
    // Everything read (the aborted records are not expected): nothing lost, nothing unchecked.
    const all = group(
      { 0: 0 },
      {
        0: [
          [0, 10, 1, 0],
          [10, 10, 1, 20],
        ],
      },
    );
    expect(judgeCommitted(COMMITTED, [all], true)).toEqual({ lost: 0, examples: [] });
    // Each group must read every committed record: losses add up over groups.
    expect(judgeCommitted(COMMITTED, [all, reads, group({ 0: 0 }, {})], true).lost).toBe(0 + 5 + 20);
  });

  it('judges a group that started later only on streams whose first committed record it read', () => {
    const met = group(
      { 0: 500 },
      {
        0: [
          [500, 10, 1, 0],
          [510, 2, 1, 20],
        ],
      },
    );
    expect(judgeCommitted(COMMITTED, [met], true)).toMatchObject({ lost: 8 });
    // This one started after the first committed record: it cannot tell a loss there from its late start.
    const late = group({ 0: 505 }, { 0: [[505, 10, 1, 20]] });
    const c = judgeCommitted(COMMITTED, [late], true);
    expect(c.lost).toBeUndefined();
    expect(c.unmeasured).toBe(
      '20 committed record(s) could not be checked: a consumer group started reading after the first committed record of a stream',
    );
    // Partly checked: the loss found stands, and the rest is still said to be unchecked.
    const both = judgeCommitted(COMMITTED, [met, late], true);
    expect(both.lost).toBe(8);
    expect(both.unmeasured).toMatch(/^20 committed record\(s\) could not be checked/);
  });

  it('leaves unchecked what no group read, and judges nothing before the consumers read to the end', () => {
    const other = group({ 0: 0 }, {}, 'u');
    expect(judgeCommitted(COMMITTED, [other], true)).toEqual({
      lost: undefined,
      unmeasured: "20 committed record(s) could not be checked: no consumer group read topic 't'",
      examples: [],
    });
    expect(judgeCommitted(COMMITTED, [group({ 1: 0 }, {})], true).unmeasured).toMatch(/did not read every partition written to/);
    expect(judgeCommitted(COMMITTED, [group({ 0: 0 }, {})], false)).toEqual({
      lost: undefined,
      unmeasured: 'the consumers did not read every partition to its end',
      examples: [],
    });
  });
});

describe('the verdict on integrity.lost with transactions', () => {
  const sums = { checked: 20, missing: 0, duplicates: 0, reordered: 0, corrupted: 0, mergedGaps: 0, examples: [] };
  const lost = (integrity: IntegrityReport) =>
    evaluateCriteria({ integrity } as unknown as LoadTestResult, [{ metric: 'integrity.lost', op: '==', value: 0 }])[0]!;
  const report = (c: ReturnType<typeof judgeCommitted>) => integrityReport({ sums, failed: 10, readToEnd: true, committed: c });

  it('fails on a lost committed tail, passes when every committed record was read, and is unknown when some were not checked', () => {
    const tail = report(judgeCommitted(COMMITTED, [group({ 0: 0 }, { 0: [[0, 10, 1, 0]] })], true));
    expect(tail).toMatchObject({ missing: 0, dataLoss: false, lostCommitted: 10 });
    expect(lost(tail)).toMatchObject({ measured: 10, passed: false });
    const whole = report(
      judgeCommitted(
        COMMITTED,
        [
          group(
            { 0: 0 },
            {
              0: [
                [0, 10, 1, 0],
                [10, 10, 1, 20],
              ],
            },
          ),
        ],
        true,
      ),
    );
    expect(lost(whole)).toMatchObject({ measured: 0, passed: true });
    const unchecked = report(judgeCommitted(COMMITTED, [group({ 0: 0 }, {})], false));
    expect(unchecked.lostCommitted).toBeUndefined();
    expect(lost(unchecked)).toMatchObject({ measured: null, passed: false });
    expect(lost(unchecked).note).toMatch(/whether committed records were lost is unknown: the consumers did not read/);
  });

  it('merges shards: losses add up, and one shard that could not check everything leaves the whole unchecked', () => {
    const shard = (extra: Partial<IntegrityReport>): IntegrityReport => ({ ...report({ lost: 0, examples: [] }), ...extra });
    expect(mergeIntegrity([shard({ lostCommitted: 2 }), shard({ lostCommitted: 3 })])).toMatchObject({ lostCommitted: 5 });
    const merged = mergeIntegrity([shard({ lostCommitted: 0 }), shard({ lostCommitted: undefined, lostCommittedUnmeasured: 'x' })]);
    expect(merged).toMatchObject({ lostCommitted: 0, lostCommittedUnmeasured: 'x' });
    expect(lost(merged).measured).toBeNull();
    // A shard with no consumer (unchecked) still says its commits went unchecked.
    const noConsumer = integrityReport({ sums: undefined, failed: 0, readToEnd: true, committed: judgeCommitted(COMMITTED, [], true) });
    expect(noConsumer).toMatchObject({ checked: false, lostCommittedUnmeasured: expect.stringMatching(/no consumer group read topic/) });
    expect(lost(mergeIntegrity([shard({ lostCommitted: 0 }), noConsumer])).measured).toBeNull();
  });
});
