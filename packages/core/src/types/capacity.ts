// The answer of a capacity search (`findCapacity()`, `loadhouse capacity`): the highest rate that held the SLO,
// how sure that is, what stopped the search, and every step it ran.
import type { Criterion, CriterionOutcome } from './criteria.js';

/**
 * What stopped the search. `target`: a rate failed the SLO and bisection found the boundary. `max-rate`:
 * even `maxRate` held the SLO (the target may take more). `generator`: the generator could not hold a rate
 * the search needed, so nothing is claimed about the target. `min-rate`: even `minRate` failed the SLO.
 * `unfinished`: the run ended (stopped, interrupted, failed) before the search did.
 */
export type CapacityBound = 'target' | 'max-rate' | 'generator' | 'min-rate' | 'unfinished';

/** One step of the search: a fixed offered rate, its warm-up, then its measured window (its phase). */
export interface CapacityStep {
  /** The phase that holds the step's measured window. */
  phase: string;
  /** Why the search ran it: the exponential climb, the bisection, a repeat of a boundary step, or a retry of a void step. */
  role: 'climb' | 'bisect' | 'repeat' | 'retry';
  /** Offered rate, records/s. */
  rate: number;
  /** Records acknowledged per second over the measured window. */
  achieved: number;
  /** The SLO held, the target sustained the rate, and the step is not void. */
  passed: boolean;
  /** The generator was saturated in a window of the step: the step says nothing about the target. */
  void: boolean;
  /** Why the step failed or is void; empty when it passed. */
  reason: string;
  /** Response latency of the measured window, milliseconds (null when nothing was acknowledged). */
  latency: { p50: number | null; p99: number | null; p999: number | null; max: number | null };
  /** Each SLO criterion judged on the step's measured window. */
  slo: CriterionOutcome[];
}

/** The `capacity` section of a result written by a capacity search. */
export interface CapacityReport {
  /**
   * The highest offered rate (records/s) that held the SLO every time it ran, below the lowest rate that
   * failed; null when no capacity is claimed (bound `generator`, `min-rate` or `unfinished`).
   */
  maxSustainableRate: number | null;
  /**
   * `low`: the highest rate that passed every time it ran (below `high`); `high`: the lowest rate that failed
   * (null when none failed). The capacity is in [low, high). Null when no step passed.
   */
  interval: { low: number; high: number | null } | null;
  bound: CapacityBound;
  /** One sentence on the answer, for people. */
  message: string;
  /** The criteria every step was judged on. */
  slo: Criterion[];
  /** A step also fails when it acknowledged less than this share of its offered rate (percent). */
  minAchievedPercent: number;
  minRate: number;
  maxRate: number;
  /** Bisection stops when (high - low) / low is at most this (percent). */
  resolutionPercent: number;
  stepSeconds: number;
  stepWarmupSeconds: number;
  /** The highest rate the generator held (a passing step), when the generator bounded the search; absent when it held none. */
  generatorLimit?: number;
  /**
   * The offered rate past which P99 climbs steeply: the highest rate whose P99 is within twice the P99 of the
   * lowest rate, when a higher rate went beyond that; null when not seen.
   */
  knee: number | null;
  steps: CapacityStep[];
}
