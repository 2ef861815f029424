import { describe, expect, it } from 'vitest';
import { RateTracker } from '../metrics/rate-tracker.js';
import { assignPartitions, partitionsFor, planProducers, splitRate } from './plan.js';

describe('producer plan', () => {
  it('splits integer rates into integers that sum exactly, remainders spread evenly', () => {
    const shares = splitRate(1003, 10);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(1003);
    expect(Math.max(...shares) - Math.min(...shares)).toBe(1);
    expect(shares.filter((s) => s === 101)).toHaveLength(3);
    // Remainders are not all on the first producers.
    expect(shares.slice(0, 3)).not.toEqual([101, 101, 101]);
  });

  it('splits rates below the producer count as fractions, so nobody idles', () => {
    const shares = splitRate(5, 10);
    expect(shares.every((s) => s === 0.5)).toBe(true);
  });

  it('assigns partitions round-robin both ways', () => {
    expect([0, 1, 2].map((k) => partitionsFor(k, 3, 8))).toEqual([
      [0, 3, 6],
      [1, 4, 7],
      [2, 5],
    ]);
    expect([0, 1, 2, 3, 4].map((k) => partitionsFor(k, 5, 2))).toEqual([[0], [1], [0], [1], [0]]);
    const covered = new Set([0, 1, 2].flatMap((k) => partitionsFor(k, 3, 8)));
    expect(covered.size).toBe(8);
  });

  it('shards keep disjoint producers whose rates add up to the whole', () => {
    const shards = [0, 1, 2].map((index) =>
      planProducers({ rate: 10_000, producers: 7, partitions: 4, firstId: 100, shard: { index, count: 3 } }),
    );
    const ids = shards
      .flat()
      .map((p) => p.id)
      .sort((a, b) => a - b);
    expect(ids).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(shards.flat().reduce((a, p) => a + p.rate, 0)).toBe(10_000);
    const all = planProducers({ rate: 10_000, producers: 7, partitions: 4, firstId: 100, shard: null });
    expect(all.map((p) => p.rate)).toEqual([...shards.flat()].sort((a, b) => a.k - b.k).map((p) => p.rate));
  });
});

describe('consumer partition assignment', () => {
  it('is round-robin: deterministic, every partition exactly once, counts within one of each other', () => {
    expect(assignPartitions(3, 8)).toEqual([
      [0, 3, 6],
      [1, 4, 7],
      [2, 5],
    ]);
    expect(assignPartitions(3, 8)).toEqual(assignPartitions(3, 8));
    for (const [consumers, partitions] of [
      [1, 5],
      [4, 4],
      [7, 100],
      [10, 3],
    ] as const) {
      const a = assignPartitions(consumers, partitions);
      expect(a).toHaveLength(consumers);
      expect(a.flat().sort((x, y) => x - y)).toEqual([...Array(partitions).keys()]);
      const sizes = a.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('leaves consumers beyond the partition count idle (no partition shared)', () => {
    const a = assignPartitions(5, 2);
    expect(a).toEqual([[0], [1], [], [], []]);
    expect(a.filter((p) => p.length === 0)).toHaveLength(3);
  });
});

describe('rate tracker', () => {
  it('integrates the requested rate and the active time across changes', () => {
    let t = 0;
    const r = new RateTracker(() => t);
    t = 1000;
    r.set(1, 100);
    t = 3000;
    r.set(2, 50); // 150/s from 3 s
    t = 4000;
    r.set(1, 0); // 50/s from 4 s
    t = 5000;
    r.set(2, 0);
    expect(r.integral(0, 10_000)).toBeCloseTo(100 * 2 + 150 * 1 + 50 * 1);
    expect(r.activeSeconds(0, 10_000)).toBeCloseTo(4);
    expect(r.meanActiveRate(0, 10_000)).toBeCloseTo(100);
    expect(r.integral(3500, 4500)).toBeCloseTo(75 + 25);
  });
});
