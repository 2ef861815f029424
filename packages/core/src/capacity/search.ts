// The capacity search as pure logic, apart from any run: which rate to offer next given the steps so far
// (an exponential climb, then bisection, then the boundary steps again), and what the steps add up to.
import type { CapacityBound, CapacityReport, CapacityStep } from '../types.js';

export interface SearchBounds {
  minRate: number;
  maxRate: number;
  /** Bisection stops when (high - low) / low is at most this fraction. */
  resolution: number;
  /** The climb multiplies the rate by this after each passing step. */
  factor: number;
  /** No more steps than this, whatever the search still wants (it then answers with what it has). */
  maxSteps: number;
  /** A void step is run again up to this many times before the generator is taken to bound the search. */
  voidRetries: number;
}

export interface NextStep {
  rate: number;
  role: CapacityStep['role'];
}

/** What a step told the search: enough of a CapacityStep to steer by. */
export type StepOutcome = Pick<CapacityStep, 'rate' | 'passed' | 'void' | 'role'>;

type Stage = 'climb' | 'bisect' | 'repeat' | 'done';

export class CapacitySearch {
  private stage: Stage = 'climb';
  private readonly steps: StepOutcome[] = [];
  /** Highest rate that passed / lowest that failed so far (bisection narrows them). */
  private lo: number | undefined;
  private hi: number | undefined;
  private pending: NextStep | undefined;
  private repeats: number[] = [];
  private stoppedBy: CapacityBound | undefined;
  /** Void steps in a row at the current rate. */
  private voidStreak = 0;

  constructor(private readonly b: SearchBounds) {
    this.pending = { rate: roundRate(b.minRate), role: 'climb' };
  }

  /** The step to run next, or undefined when the search is over. */
  next(): NextStep | undefined {
    return this.stage === 'done' ? undefined : this.pending;
  }

  /** Feeds the outcome of the step next() gave. */
  record(step: StepOutcome): void {
    this.steps.push(step);
    if (this.steps.length >= this.b.maxSteps) return this.finish(undefined);
    if (step.void) {
      // A void step says nothing about the target; retries tell a passing hiccup from a generator limit.
      if (++this.voidStreak > this.b.voidRetries) return this.finish('generator');
      this.pending = { rate: step.rate, role: 'retry' };
      return;
    }
    this.voidStreak = 0;
    if (this.stage === 'climb') return this.climb(step);
    if (this.stage === 'bisect') return this.bisect(step);
    this.repeat();
  }

  /** What stopped the search; `unfinished` before it ended. */
  bound(): CapacityBound {
    if (this.stoppedBy) return this.stoppedBy;
    if (this.stage !== 'done') return 'unfinished';
    return summarize(this.steps).high === null ? 'max-rate' : 'target';
  }

  private climb(step: StepOutcome): void {
    if (!step.passed) {
      if (this.lo === undefined) return this.finish('min-rate');
      this.hi = step.rate;
      this.stage = 'bisect';
      return this.bisectOrRepeat();
    }
    this.lo = step.rate;
    if (step.rate >= this.b.maxRate) return this.startRepeats();
    this.pending = { rate: roundRate(Math.min(this.b.maxRate, step.rate * this.b.factor)), role: 'climb' };
  }

  private bisect(step: StepOutcome): void {
    if (step.passed) this.lo = step.rate;
    else this.hi = step.rate;
    this.bisectOrRepeat();
  }

  private bisectOrRepeat(): void {
    const lo = this.lo!;
    const hi = this.hi!;
    const mid = roundRate((lo + hi) / 2);
    if ((hi - lo) / lo <= this.b.resolution || mid <= lo || mid >= hi) return this.startRepeats();
    this.pending = { rate: mid, role: 'bisect' };
  }

  /** The boundary steps once more: the highest passing rate, then the lowest failing one (if any). */
  private startRepeats(): void {
    this.stage = 'repeat';
    this.repeats = this.hi === undefined ? [this.lo!] : [this.lo!, this.hi];
    this.repeat();
  }

  private repeat(): void {
    const rate = this.repeats.shift();
    if (rate === undefined) return this.finish(undefined);
    this.pending = { rate, role: 'repeat' };
  }

  private finish(bound: CapacityBound | undefined): void {
    this.stage = 'done';
    this.pending = undefined;
    if (bound) this.stoppedBy = bound;
  }
}

/** Rates are whole records per second. */
function roundRate(rate: number): number {
  return Math.max(1, Math.round(rate));
}

/**
 * The interval the steps give: `high` the lowest rate that failed (any time), `low` the highest rate below it
 * that passed every time it ran. Void steps count for neither.
 */
export function summarize(steps: readonly Pick<StepOutcome, 'rate' | 'passed' | 'void'>[]): { low: number | null; high: number | null } {
  const judged = steps.filter((s) => !s.void);
  const failed = judged.filter((s) => !s.passed).map((s) => s.rate);
  const high = failed.length ? Math.min(...failed) : null;
  const failedRates = new Set(failed);
  const passing = judged.filter((s) => s.passed && !failedRates.has(s.rate) && (high === null || s.rate < high)).map((s) => s.rate);
  return { low: passing.length ? Math.max(...passing) : null, high };
}

/**
 * The rate past which P99 climbs steeply: the highest rate whose P99 is at most twice the P99 of the lowest
 * rate measured, when some higher rate's P99 went beyond that; null when no such climb was seen.
 */
export function findKnee(steps: readonly Pick<CapacityStep, 'rate' | 'void' | 'latency'>[]): number | null {
  const points = steps
    .filter((s) => !s.void && s.latency.p99 !== null)
    .map((s) => ({ rate: s.rate, p99: s.latency.p99! }))
    .sort((a, b) => a.rate - b.rate);
  if (points.length < 2) return null;
  const limit = 2 * Math.max(points[0]!.p99, 0.001);
  const firstSteep = points.findIndex((p) => p.p99 > limit);
  if (firstSteep <= 0) return null;
  return points[firstSteep - 1]!.rate;
}

/** The sentence the result and the summary give for an answer. */
export function capacityMessage(
  r: Pick<CapacityReport, 'bound' | 'maxSustainableRate' | 'interval' | 'generatorLimit' | 'minRate' | 'maxRate'>,
): string {
  const rate = (n: number | null | undefined) => (n === null || n === undefined ? '?' : `${n} msgs/s`);
  switch (r.bound) {
    case 'target':
      return `The target held the SLO up to ${rate(r.maxSustainableRate)}; it failed at ${rate(r.interval?.high)}.`;
    case 'max-rate':
      return `The target held the SLO at --max-rate ${rate(r.maxRate)}, the highest rate tried; it may take more.`;
    case 'generator':
      return (
        'No capacity is claimed: the generator could not hold the rates the search needed ' +
        `(${r.generatorLimit === undefined ? 'not even --min-rate' : `it held ${rate(r.generatorLimit)}`}); ` +
        'give it more cores, workers or generator machines, or more producers or --max-in-flight when its producers ' +
        'could not offer the load (the void steps say which), and search again.'
      );
    case 'min-rate':
      return `The SLO failed even at --min-rate ${rate(r.minRate)}: lower --min-rate, or the target cannot meet this SLO.`;
    default:
      return 'The search did not finish: no capacity is claimed.';
  }
}
