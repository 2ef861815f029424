// Merging shards' integrity (one shard's failed batches must not hide another shard's lost records), commits and restarts.
import { describe, expect, it } from 'vitest';
import { resolveMetric } from '../criteria.js';
import type { ConsumerRestarts, ConsumerTotals, IntegrityReport } from '../types.js';
import { mergeConsumer, mergeIntegrity } from './merge-totals.js';

const shard = (o: Partial<IntegrityReport>): IntegrityReport => ({
  checked: true,
  missing: 0,
  duplicates: 0,
  reordered: 0,
  examples: [],
  ...o,
});
const lost = (integrity: IntegrityReport) => resolveMetric({ integrity }, 'integrity.lost');

describe('mergeIntegrity', () => {
  it("keeps each shard's loss: failed batches on one shard do not explain gaps on another", () => {
    // Shard 0: 1,000 records of failed batches, 200 of them left as gaps (no loss). Shard 1: 500 acked records lost.
    const a = shard({ missing: 200, expectedMissing: 1000, dataLoss: false, consumedChecked: 10_000 });
    const b = shard({ missing: 500, expectedMissing: 0, dataLoss: true, consumedChecked: 10_000 });
    expect(lost(a)).toBe(0);
    expect(lost(b)).toBe(500);
    const merged = mergeIntegrity([a, b]);
    expect(merged).toMatchObject({ missing: 700, expectedMissing: 200, dataLoss: true, consumedChecked: 20_000 });
    expect(lost(merged)).toBe(500);
  });

  it('sums the record-level counts, and leaves out one a checked shard could not give (unknown, not 0)', () => {
    const a = shard({ corrupted: 2, offsetMismatches: 3, lostAcked: 0, unackedSeen: 1, unackedAfterFailure: 0, verifyMapBytes: 100 });
    const b = shard({ corrupted: 1, offsetMismatches: 0, unackedSeen: 0, unackedAfterFailure: 4, verifyMapBytes: 50 }); // not read to the end
    const merged = mergeIntegrity([a, b]);
    expect(merged).toMatchObject({ corrupted: 3, offsetMismatches: 3, unackedSeen: 1, unackedAfterFailure: 4, verifyMapBytes: 150 });
    expect(merged).not.toHaveProperty('lostAcked');
  });

  it('sums what each shard explains when nothing was lost', () => {
    const merged = mergeIntegrity([
      shard({ missing: 30, expectedMissing: 30, dataLoss: false }),
      shard({ missing: 0, expectedMissing: 70, dataLoss: false }),
    ]);
    expect(merged).toMatchObject({ missing: 30, expectedMissing: 30, dataLoss: false });
    expect(lost(merged)).toBe(0);
  });
});

describe('mergeConsumer: commits and restarts', () => {
  const latency = (max: number) => ({ p50: max / 2, p95: max, p99: max, p999: max, max, mean: max / 2, count: 10 });
  const totals = (o: Partial<ConsumerTotals>): ConsumerTotals => ({
    consumed: 0,
    bytes: 0,
    msgsPerSec: 0,
    mbPerSec: 0,
    polls: 0,
    emptyPolls: 0,
    errorsByCode: {},
    lag: { max: 0, final: 0 },
    latency: { poll: latency(1), endToEnd: latency(1) },
    ...o,
  });
  const restarts = (redelivered: number, bound: number, first: number | null): ConsumerRestarts => ({
    restarts: 1,
    afterCrash: 1,
    redelivered,
    redeliveryBound: bound,
    beyondBound: Math.max(0, redelivered - bound),
    skipped: 0,
    maxFirstRecordSeconds: first,
    pending: 0,
    resumes: [],
  });

  it("adds every shard's commits and restarts, never only the first shard's", () => {
    const a = totals({
      commit: { commits: 5, failed: 1, errorsByCode: { UNAVAILABLE: 1 }, latency: latency(3) },
      restarts: restarts(10, 10, 0.2),
    });
    const b = totals({ commit: { commits: 7, failed: 0, errorsByCode: {}, latency: latency(9) }, restarts: restarts(30, 20, null) });
    const merged = mergeConsumer([a, b]);
    expect(merged.commit).toMatchObject({ commits: 12, failed: 1, errorsByCode: { UNAVAILABLE: 1 } });
    // Without the merged histograms, the worst shard's percentiles: an upper bound.
    expect(merged.commit?.latency).toMatchObject({ p99: 9, max: 9 });
    expect(merged.restarts).toMatchObject({
      restarts: 2,
      redelivered: 40,
      redeliveryBound: 30,
      beyondBound: 10,
      maxFirstRecordSeconds: 0.2,
    });
    // A shard without commits leaves none behind.
    expect(mergeConsumer([totals({}), totals({})])).not.toHaveProperty('commit');
  });
});
