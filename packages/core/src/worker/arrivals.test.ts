// Poisson arrivals on a fake clock: exponential gaps at the asked rate (coefficient of variation near 1 as
// the producer measures it), the same times from the same seed and producer, exact lookups over the
// retained window, and rate changes that keep the mean rate.
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeDriver } from '../driver/fake.js';
import { initHistograms } from '../metrics/histogram.js';
import { arrivalCv, makeSchedule } from './arrivals.js';
import { PayloadPool } from './payload.js';
import { Producer } from './producer.js';
import { ProducerMetrics } from './producer-metrics.js';
import type { ProducerGroupSpec } from './protocol.js';
import { Schedule } from './schedule.js';

const T0 = 1_700_000_000_000;

beforeAll(() => initHistograms());

function group(seed: number, arrivals: 'uniform' | 'poisson' = 'poisson'): ProducerGroupSpec {
  return {
    groupId: 1,
    topic: 't',
    producers: [],
    messageSize: 64,
    batchSize: 50,
    lingerMs: 5,
    maxInFlight: 1000,
    messagesPerProducer: 0,
    payload: 'compressible',
    ackMode: 1,
    dropAfterMs: 10_000,
    warmupEndEpochMs: T0,
    startEpochMs: T0,
    seed,
    arrivals,
  };
}

function times(seed: number, id: number, n: number): number[] {
  const s = makeSchedule({ id, rate: 1000, partitions: [0], phase: 0 }, group(seed), T0);
  return Array.from({ length: n }, (_, i) => s.intended(i));
}

describe('Poisson arrivals', () => {
  it('the producer measures a coefficient of variation near 1 over 6,000 intended times at the asked mean rate', () => {
    const clock = new FakeClock(T0);
    const driver = new FakeDriver();
    const metrics = new ProducerMetrics(false);
    const spec = { id: 3, rate: 2000, partitions: [0], phase: 0 };
    const producer = new Producer(spec, group(42), { driver, metrics, payload: new PayloadPool('compressible', 64), clock }, T0);
    for (let ms = 2; ms <= 3000; ms += 2) {
      clock.advance(2);
      producer.service(clock.now());
      for (const call of driver.produced.splice(0)) call.ack();
    }
    const totals = producer.totals();
    const cv = arrivalCv([totals.arrivals!])!;
    expect(totals.arrivals!.gaps).toBeGreaterThan(5000);
    expect(cv).toBeGreaterThan(0.9);
    expect(cv).toBeLessThan(1.1);
    // 6,000 expected in 3 s; a Poisson count has a standard deviation of about 77.
    expect(totals.scheduled).toBeGreaterThan(5600);
    expect(totals.scheduled).toBeLessThan(6400);
    metrics.destroy();
  });

  it('evenly spaced times have no spread to measure; the uniform schedule is unchanged', () => {
    const s = makeSchedule({ id: 0, rate: 1000, partitions: [0], phase: 0 }, group(1, 'uniform'), T0);
    expect(s).toBeInstanceOf(Schedule);
    expect([0, 1, 2].map((i) => s.intended(i))).toEqual([T0, T0 + 1, T0 + 2]);
  });

  it('gives the same times for the same seed and producer, other times for another seed or producer', () => {
    const a = times(7, 1, 500);
    expect(times(7, 1, 500)).toEqual(a);
    expect(times(8, 1, 500)).not.toEqual(a);
    expect(times(7, 2, 500)).not.toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[i - 1]!);
  });

  it('answers dueBy and firstNotBefore exactly over the retained window, as a walk over the times does', () => {
    const s = makeSchedule({ id: 1, rate: 1000, partitions: [0], phase: 0 }, group(7), T0);
    const ref = times(7, 1, 5000);
    for (const now of [T0 + 10, T0 + 500.5, T0 + 2000, T0 + 3333]) {
      expect(s.dueBy(now)).toBe(ref.filter((t) => t <= now).length);
    }
    s.prune(1000);
    const cutoff = T0 + 1500;
    expect(s.firstNotBefore(cutoff, 1000, 3000)).toBe(ref.findIndex((t) => t >= cutoff));
    expect(s.intended(2500)).toBe(ref[2500]);
  });

  it('pauses at rate 0 and keeps the mean rate across many small rate steps', () => {
    const s = makeSchedule({ id: 1, rate: 1000, partitions: [0], phase: 0 }, group(9), T0);
    const before = s.dueBy(T0 + 100)!;
    s.setRate(0, before, T0 + 100);
    expect(s.dueBy(T0 + 5000)).toBeUndefined();
    s.setRate(500, before, T0 + 1000);
    expect(s.intended(before)).toBeGreaterThan(T0 + 1000);
    // 400 steps of 10 ms alternating 1000/s and 3000/s: 8,000 records expected over 4 s.
    let next = before;
    let t = T0 + 1000;
    for (let k = 0; k < 400; k++) {
      s.setRate(k % 2 ? 3000 : 1000, next, t);
      t += 10;
      next = s.dueBy(t)!;
    }
    expect(next - before).toBeGreaterThan(7600);
    expect(next - before).toBeLessThan(8400);
  });
});

describe('continuous rate changes of evenly spaced records', () => {
  it('keeps the part of the gap already elapsed, so a ramp of small steps loses no records', () => {
    const s = new Schedule(T0, 100, 0);
    // Rate 100/s to 200/s half-way through a gap: the next record comes after half a new gap (2.5 ms).
    s.dueBy(T0 + 5);
    s.setRate(200, 1, T0 + 5, true);
    expect(s.intended(1)).toBeCloseTo(T0 + 7.5, 9);
    // 0 -> 2000/s over 2 s in 100 ms steps at each step's mean rate: exactly 2,000 records, give or take one.
    const r = new Schedule(T0, 50, 0);
    let next = 0;
    for (let k = 0; k < 20; k++) {
      const at = T0 + k * 100;
      next = r.dueBy(at)!;
      r.setRate(50 + 100 * k, next, at, true);
    }
    const total = r.dueBy(T0 + 2000 - 1e-9)!;
    expect(Math.abs(total - 2000)).toBeLessThanOrEqual(1);
  });
});
