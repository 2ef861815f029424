// The capacity search's logic without a run: the steps it asks for against a simulated target, how void
// steps, the rate bounds and repeated boundary steps shape the answer, the knee, and the SLO text.
import { describe, expect, it } from 'vitest';
import { capacityScenario, parseCriteria } from '../index.js';
import { thrown } from '../test-support.js';
import { CapacitySearch, findKnee, type SearchBounds, type StepOutcome, summarize } from './search.js';

const BOUNDS: SearchBounds = { minRate: 1000, maxRate: 1_000_000, resolution: 0.02, factor: 2, maxSteps: 40, voidRetries: 1 };

/** Runs a search to its end against `judge` (a step's outcome by rate and how often the rate ran). */
function searchAgainst(bounds: SearchBounds, judge: (rate: number, nth: number) => Pick<StepOutcome, 'passed' | 'void'>) {
  const search = new CapacitySearch(bounds);
  const steps: StepOutcome[] = [];
  const seen = new Map<number, number>();
  for (let next = search.next(); next; next = search.next()) {
    const nth = (seen.get(next.rate) ?? 0) + 1;
    seen.set(next.rate, nth);
    const step = { ...next, ...judge(next.rate, nth) };
    steps.push(step);
    search.record(step);
  }
  return { bound: search.bound(), steps, ...summarize(steps) };
}

describe('CapacitySearch', () => {
  it('climbs, bisects to the resolution and repeats both boundary steps: the capacity lies in [low, high)', () => {
    const r = searchAgainst(BOUNDS, (rate) => ({ passed: rate <= 37_000, void: false }));
    expect(r.bound).toBe('target');
    expect(r.low).toBeLessThanOrEqual(37_000);
    expect(r.high).toBeGreaterThan(37_000);
    expect((r.high! - r.low!) / r.low!).toBeLessThanOrEqual(0.02);
    expect(r.steps.map((s) => s.role).slice(0, 7)).toEqual(['climb', 'climb', 'climb', 'climb', 'climb', 'climb', 'climb']);
    expect(r.steps.slice(-2).map((s) => [s.role, s.rate])).toEqual([
      ['repeat', r.low],
      ['repeat', r.high],
    ]);
    // 7 climbs (1k..64k), bisection of [32k, 64k] to 2% (5-6 steps), 2 repeats.
    expect(r.steps.length).toBeLessThanOrEqual(16);
  });

  it('a boundary rate that fails on its repeat no longer counts as held: low drops to the next rate that always passed', () => {
    const r = searchAgainst(BOUNDS, (rate, nth) => ({ passed: rate <= 37_000 && nth === 1, void: false }));
    const repeated = r.steps.find((s) => s.role === 'repeat')!;
    expect(repeated.passed).toBe(false);
    expect(r.bound).toBe('target');
    expect(r.high).toBe(repeated.rate);
    expect(r.low).toBeLessThan(repeated.rate);
  });

  it('retries a void step once; void again, the generator bounds the search and nothing above it is judged', () => {
    const r = searchAgainst(BOUNDS, (rate, nth) => ({ passed: rate <= 4000, void: rate > 4000 || (rate === 2000 && nth === 1) }));
    expect(r.bound).toBe('generator');
    expect(r.steps.map((s) => [s.role, s.rate, s.void])).toEqual([
      ['climb', 1000, false],
      ['climb', 2000, true],
      ['retry', 2000, false],
      ['climb', 4000, false],
      ['climb', 8000, true],
      ['retry', 8000, true],
    ]);
    expect(r.low).toBe(4000);
    expect(r.high).toBeNull();
  });

  it('failing at minRate ends at once (bound min-rate); holding at maxRate ends after one repeat (bound max-rate)', () => {
    const low = searchAgainst(BOUNDS, () => ({ passed: false, void: false }));
    expect(low.bound).toBe('min-rate');
    expect(low.steps).toHaveLength(1);
    const high = searchAgainst({ ...BOUNDS, maxRate: 5000 }, () => ({ passed: true, void: false }));
    expect(high.bound).toBe('max-rate');
    expect(high.steps.map((s) => s.rate)).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(high.low).toBe(5000);
  });

  it('stops at maxSteps whatever it still wanted', () => {
    const r = searchAgainst({ ...BOUNDS, maxSteps: 5 }, (rate) => ({ passed: rate <= 500_000, void: false }));
    expect(r.steps).toHaveLength(5);
  });
});

describe('findKnee', () => {
  const step = (rate: number, p99: number | null, isVoid = false) => ({
    rate,
    void: isVoid,
    latency: { p50: null, p99, p999: null, max: null },
  });

  it("is the highest rate within twice the lowest rate's P99, once a higher rate went past that", () => {
    expect(findKnee([step(1000, 10), step(2000, 12), step(4000, 19), step(8000, 400), step(6000, 35)])).toBe(4000);
  });

  it('is null when P99 never climbed that far, and void steps are left out', () => {
    expect(findKnee([step(1000, 10), step(2000, 12), step(4000, 15)])).toBeNull();
    expect(findKnee([step(1000, 10), step(2000, 500, true)])).toBeNull();
  });
});

describe('parseCriteria', () => {
  it('reads METRIC OP VALUE, several separated by commas', () => {
    expect(parseCriteria('producer.latency.p99<100, producer.errors <= 0,consumer.lag>=1e3')).toMatchObject([
      { metric: 'producer.latency.p99', op: '<', value: 100 },
      { metric: 'producer.errors', op: '<=', value: 0 },
      { metric: 'consumer.lag', op: '>=', value: 1000 },
    ]);
  });

  it('refuses text that is not a criterion, naming the flag', () => {
    for (const text of ['producer.latency.p99', 'p99 =< 100', '<100', 'producer.errors<=zero', ',']) {
      const err = thrown(() => parseCriteria(text, '--slo')) as { code?: string; message?: string };
      expect(err.code, text).toBe('LH_INVALID_OPTION');
      expect(err.message).toContain('--slo');
    }
  });
});

describe('capacityScenario', () => {
  it('refuses an empty SLO and a max rate under the min rate before any load', () => {
    const slo = parseCriteria('producer.latency.p99<100');
    expect(thrown(() => capacityScenario({ slo: [], minRate: 1, maxRate: 2 }))).toMatchObject({ code: 'LH_INVALID_OPTION' });
    expect(thrown(() => capacityScenario({ slo, minRate: 10, maxRate: 2 }))).toMatchObject({ code: 'LH_INVALID_OPTION' });
    expect(thrown(() => capacityScenario({ slo, minRate: 10, maxRate: 20, stepSeconds: 0 }))).toMatchObject({ code: 'LH_INVALID_OPTION' });
    expect(capacityScenario({ slo, minRate: 10, maxRate: 20 }).criteria).toMatchObject([
      { metric: 'capacity.maxSustainableRate', op: '>' },
    ]);
  });
});
