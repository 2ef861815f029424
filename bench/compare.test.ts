import { describe, expect, it } from 'vitest';
import { alternation, binomialTail, compare, type Figures, median, pooled, ratio, settles } from './compare.js';

const fig = (msgsPerSec: number, responseP99Ms: number, scheduleLagP99Ms: number, peakRssMb: number): Figures => ({
  msgsPerSec,
  responseP99Ms,
  scheduleLagP99Ms,
  peakRssMb,
});

describe('alternation', () => {
  it('measures the clients in turn, every client once per round, the order reversed in odd rounds (A B, B A)', () => {
    expect(alternation(['lean', 'loadhouse'], 3).map((s) => `${s.round}${s.client}`)).toEqual([
      '0lean',
      '0loadhouse',
      '1loadhouse',
      '1lean',
      '2lean',
      '2loadhouse',
    ]);
    expect(alternation(['a', 'b', 'c'], 2).map((s) => s.client)).toEqual(['a', 'b', 'c', 'c', 'b', 'a']);
  });

  it('refuses no rounds, a fractional count, no clients and a client named twice', () => {
    expect(() => alternation(['a'], 0)).toThrow(/positive integer/);
    expect(() => alternation(['a'], 1.5)).toThrow(/positive integer/);
    expect(() => alternation([], 3)).toThrow(/at least one/);
    expect(() => alternation(['a', 'a'], 3)).toThrow(/distinct/);
  });
});

describe('median and ratio', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the input order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('has no ratio to a zero', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
    expect(ratio(2, Number.NaN)).toBeNaN();
  });
});

describe('settles', () => {
  it('gives a verdict on a bound only when three quarters of the rounds are on one side of it', () => {
    expect(settles([1, 2, 3, 4, 6], 5)).toEqual({ median: 3, q1: 1.5, q3: 5, verdict: 'met' });
    expect(settles([5.5, 6, 7, 8], 5)).toMatchObject({ q1: 5.75, q3: 7.5, verdict: 'not met' });
    expect(settles([4, 6, 7, 8], 5).verdict).toBe('not settled'); // its lower quartile at the bound
    // Rounds on both sides: the median alone (4.5 here) would read as met.
    expect(settles([-9.6, -3.1, 4.3, 4.5, 6.4, 9.3, 16], 5)).toMatchObject({ q1: -3.1, q3: 9.3, verdict: 'not settled' });
    expect(settles([Number.NaN, 2], 5)).toMatchObject({ median: 2, verdict: 'met' }); // NaN rounds out of the median too
    expect(settles([], 5).verdict).toBe('not settled');
  });
});

describe('compare', () => {
  it('reports each client by its medians and the other clients as medians of per-round ratios to the reference', () => {
    const rounds = [
      { lean: fig(100, 10, 1, 100), loadhouse: fig(50, 40, 8, 200) },
      // A slow round for both: the per-round ratio stays what it was.
      { lean: fig(40, 50, 2, 100), loadhouse: fig(20, 200, 16, 220) },
      { lean: fig(90, 20, 1, 110), loadhouse: fig(81, 30, 3, 209) },
    ];
    const c = compare(['lean', 'loadhouse'], 'lean', rounds);
    expect(c.rounds).toBe(3);
    expect(c.medians.lean).toEqual(fig(90, 20, 1, 100));
    expect(c.medians.loadhouse).toEqual(fig(50, 40, 8, 209));
    expect(c.roundRatios.loadhouse.map((r) => r.msgsPerSec)).toEqual([0.5, 0.5, 0.9]);
    // Rates: median of 0.5, 0.5, 0.9; a ratio of medians would say 50/90 = 0.56.
    expect(c.ratios.loadhouse.msgsPerSec).toBe(0.5);
    expect(c.ratios.loadhouse.responseP99Ms).toBe(4); // 4, 4, 1.5
    expect(c.ratios.loadhouse.scheduleLagP99Ms).toBe(8); // 8, 8, 3
    expect(c.ratios.loadhouse.peakRssMb).toBeCloseTo(2, 10); // 2, 2.2, 1.9
    expect(c.ratios.lean).toBeUndefined();
  });

  it('gives no ratio for a figure one side did not measure in some round', () => {
    const c = compare(['lean', 'loop'], 'lean', [
      { lean: fig(100, 20, 1, 90), loop: fig(80, Number.NaN, Number.NaN, 200) },
      { lean: fig(100, 20, 0, 90), loop: fig(80, Number.NaN, 3, 200) },
    ]);
    expect(c.ratios.loop.msgsPerSec).toBe(0.8);
    expect(c.ratios.loop.peakRssMb).toBeCloseTo(200 / 90, 10);
    expect(c.ratios.loop.responseP99Ms).toBeNaN();
    // Measured in one round, divided by a zero in the other: still no ratio.
    expect(c.ratios.loop.scheduleLagP99Ms).toBeNaN();
    expect(c.medians.loop.responseP99Ms).toBeNaN();
  });

  it('refuses an unknown reference, no rounds and a round missing a client', () => {
    expect(() => compare(['a', 'b'], 'c' as 'a', [{ a: fig(1, 1, 1, 1), b: fig(1, 1, 1, 1) }])).toThrow(/reference/);
    expect(() => compare(['a', 'b'], 'a', [])).toThrow(/no rounds/);
    expect(() => compare(['a', 'b'], 'a', [{ a: fig(1, 1, 1, 1) } as Record<'a' | 'b', Figures>])).toThrow(
      /round 0 has no measurement of b/,
    );
  });
});

describe('pooled', () => {
  it('settles a bound by the confidence interval of the mean, with a sign test beside it', () => {
    // Mean 7, sd 1 over 16 rounds: the interval 6.51-7.49 lies beyond 5.
    const beyond = [6, 8, 6, 8, 6, 8, 6, 8, 6, 8, 6, 8, 6, 8, 6, 8];
    const r = pooled(beyond, 5);
    expect(r).toMatchObject({ n: 16, median: 7, mean: 7, above: 16, verdict: 'not met' });
    expect(r.low).toBeCloseTo(7 - (1.96 * Math.sqrt(16 / 15)) / 4, 10);
    expect(r.signP).toBeCloseTo(1 / 65536, 12);
    expect(
      pooled(
        beyond.map((x) => x - 4),
        5,
      ).verdict,
    ).toBe('met');
    // The same spread around the bound itself: not settled, and the sign test finds nothing.
    const across = beyond.map((x) => x - 2);
    expect(pooled(across, 5)).toMatchObject({ above: 8, verdict: 'not settled' });
    expect(pooled(across, 5).signP).toBeGreaterThan(0.5);
    expect(pooled([Number.NaN, 9], 5)).toMatchObject({ n: 1, verdict: 'not settled' });
  });

  it('binomialTail sums the upper tail of a fair coin', () => {
    expect(binomialTail(4, 0)).toBeCloseTo(1, 12);
    expect(binomialTail(4, 3)).toBeCloseTo(5 / 16, 12);
    expect(binomialTail(4, 5)).toBe(0);
    expect(binomialTail(82, 51)).toBeGreaterThan(0.01);
    expect(binomialTail(82, 51)).toBeLessThan(0.02);
  });
});
