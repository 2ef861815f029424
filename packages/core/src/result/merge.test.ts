// Merging shards' integrity: one shard's failed batches must not hide another shard's lost records.
import { describe, expect, it } from 'vitest';
import { resolveMetric } from '../criteria.js';
import type { IntegrityReport } from '../types.js';
import { mergeIntegrity } from './merge-totals.js';

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
