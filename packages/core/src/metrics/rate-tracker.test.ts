import { describe, expect, it } from 'vitest';
import { producerTotals } from './aggregator.js';
import { RateTracker } from './rate-tracker.js';
import { emptyCounters } from '../worker/protocol.js';

describe('RateTracker busy time', () => {
  it('counts the drain after a stop as time the acked records took', () => {
    let t = 0;
    const r = new RateTracker(() => t);
    r.set(1, 1000);
    t = 10_000;
    r.startDrain(1);
    r.set(1, 0);
    t = 14_000;
    r.endDrain(1, 13_000);
    expect(r.activeSeconds(0, t)).toBe(10);
    expect(r.busySeconds(0, t)).toBe(13);
    expect(r.integral(0, t)).toBe(10_000);
  });

  it('an overloaded target does not pass for a fast one: backlog acked late lowers the achieved rate', () => {
    const c = { ...emptyCounters(), scheduled: 10_000, sent: 10_000, acked: 10_000 };
    // Asked for 1000/s during 10 s; the last record was acked 3 s after the stop.
    const t = producerTotals(c, null, 10, 10_000, 13);
    expect(t.targetRate).toBe(1000);
    expect(t.msgsPerSec).toBeCloseTo(769.23, 1);
    expect(t.rateErrorPercent).toBeCloseTo(23.08, 1);
    // A healthy target drains in milliseconds: the rate stays within a fraction of a percent.
    const healthy = producerTotals(c, null, 10, 10_000, 10.02);
    expect(healthy.rateErrorPercent).toBeLessThan(0.5);
  });
});
