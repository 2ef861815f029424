// Derived stability figures over a run's series: memory growth and slope, throughput variance, p99 drift,
// and the plan's red flags. Pure functions over (time, value) points so they are tested on synthetic series.
import type { SteadyGrowth } from '../types.js';

export interface Point {
  t: number;
  v: number;
}

/** Least-squares slope of v over t (units of v per unit of t); 0 with fewer than two distinct times. */
export function linearSlope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let st = 0;
  let sv = 0;
  for (const p of points) {
    st += p.t;
    sv += p.v;
  }
  const mt = st / n;
  const mv = sv / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) * (p.t - mt);
  }
  return den === 0 ? 0 : num / den;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Growth in percent between the mean of the first and of the last 10% of the points (at least one point each). */
export function growthPercent(points: readonly Point[]): number | null {
  if (points.length < 2) return null;
  const k = Math.max(1, Math.floor(points.length / 10));
  const first = mean(points.slice(0, k).map((p) => p.v));
  const last = mean(points.slice(-k).map((p) => p.v));
  return first > 0 ? ((last - first) / first) * 100 : null;
}

/**
 * Share of a series left out as start-up before the steady part, and the most time it may take. Measured: a
 * 605 s stability run at 50 msgs/s against the embedded agent grew from 108 to 143 MB in steps over its first
 * 300 s (heaps and caches sizing up) and by 1.5 MB in the 300 s after.
 */
const SETTLE_FRACTION = 0.5;
const MAX_SETTLE_SECONDS = 1800;
/** A line through fewer points says nothing about a trend. */
const MIN_STEADY_POINTS = 10;

/**
 * Growth of a resource judged after start-up: the first half of the run (at most 30 minutes) is left out,
 * where caches, heaps and compiled code fill and a process grows without leaking, and the rest is fitted
 * with a least-squares line. Its slope over the whole run's length, as percent of where the line starts, is
 * the growth (a leak's rate projected over the run, comparable to a first-to-last figure); two standard
 * errors of the slope give its uncertainty. Null with fewer than 10 steady points.
 */
export function steadyGrowth(points: readonly Point[]): SteadyGrowth | null {
  if (points.length < 2) return null;
  const t0 = points[0]!.t;
  const from = t0 + Math.min((points[points.length - 1]!.t - t0) * SETTLE_FRACTION, MAX_SETTLE_SECONDS);
  const steady = points.filter((p) => p.t >= from);
  const n = steady.length;
  if (n < MIN_STEADY_POINTS) return null;
  const slope = linearSlope(steady);
  const mt = mean(steady.map((p) => p.t));
  const mv = mean(steady.map((p) => p.v));
  const start = steady[0]!.t;
  const seconds = steady[n - 1]!.t - start;
  const runSeconds = points[points.length - 1]!.t - t0;
  const level = mv - slope * (mt - start);
  if (!(level > 0) || !(seconds > 0)) return null;
  let residuals = 0;
  let stt = 0;
  for (const p of steady) {
    residuals += (p.v - (mv + slope * (p.t - mt))) ** 2;
    stt += (p.t - mt) ** 2;
  }
  const slopeError = Math.sqrt(residuals / (n - 2) / stt);
  return {
    percent: ((slope * runSeconds) / level) * 100,
    plusMinusPercent: ((2 * slopeError * runSeconds) / level) * 100,
    fromSeconds: start,
    seconds,
  };
}

/**
 * Coefficient of variation (percent) of throughput over windows: 1-minute windows when the run has at least
 * ten of them, otherwise ten equal windows. Points are per-interval rates; windows average them.
 */
export function throughputVariancePercent(points: readonly Point[]): number | null {
  if (points.length < 2) return null;
  const span = points[points.length - 1]!.t - points[0]!.t;
  const windowSeconds = span >= 600 ? 60 : Math.max(span / 10, 1e-9);
  const t0 = points[0]!.t;
  const buckets = new Map<number, number[]>();
  for (const p of points) {
    const i = Math.min(Math.floor((p.t - t0) / windowSeconds), span >= 600 ? Number.MAX_SAFE_INTEGER : 9);
    let b = buckets.get(i);
    if (!b) buckets.set(i, (b = []));
    b.push(p.v);
  }
  const windows = [...buckets.values()].map(mean);
  if (windows.length < 2) return null;
  const m = mean(windows);
  if (m === 0) return null;
  const variance = mean(windows.map((w) => (w - m) ** 2));
  return (Math.sqrt(variance) / m) * 100;
}

/** Ratio of the last window's mean to the first window's (10% windows), as percent change. */
export function driftPercent(points: readonly Point[]): number | null {
  return growthPercent(points);
}

/**
 * Cycles of rapid growth and drop (the plan's "sawtooth" red flag): a rise of at least `fraction` of the
 * series mean from a low, followed by a fall of at least as much from the high. A steady or steadily
 * growing series has none; allocation churn that a collector keeps catching up with has many.
 */
export function sawtoothCycles(points: readonly Point[], fraction = 0.2): number {
  if (points.length < 3) return 0;
  const step = fraction * mean(points.map((p) => p.v));
  if (step <= 0) return 0;
  let cycles = 0;
  let low = points[0]!.v;
  let high = -Infinity;
  for (const { v } of points) {
    if (high === -Infinity) {
      // Looking for a rise from the lowest point so far.
      if (v < low) low = v;
      else if (v - low >= step) high = v;
    } else if (v > high) {
      high = v;
    } else if (high - v >= step) {
      cycles++;
      low = v;
      high = -Infinity;
    }
  }
  return cycles;
}

export interface ColdStart {
  /** Seconds from the first measured window to the end of the last slow one at the start. */
  seconds: number;
  /** The highest window P99 in those seconds, ms. */
  startP99: number;
  /** Median window P99 after them, ms. */
  laterMedianP99: number;
}

/**
 * A slow start: the first windows' P99 more than twice (and 20 ms above) the median of the later ones.
 * Compilation, connection set-up and empty caches in the generator or the target cause it; it weighs on a
 * short run's percentiles, and a warm-up leaves it out.
 */
export function coldStart(p99: readonly Point[]): ColdStart | null {
  if (p99.length < 10) return null;
  const k = Math.max(1, Math.floor(p99.length / 10));
  const later = p99
    .slice(k)
    .map((p) => p.v)
    .sort((a, b) => a - b);
  const median = later[Math.floor(later.length / 2)]!;
  const slow = (v: number) => v > 2 * median && v - median >= 20;
  if (!p99.slice(0, k).some((p) => slow(p.v))) return null;
  // The slow stretch: from the start up to the last slow window among the first quarter of the run.
  let end = 0;
  const quarter = Math.max(k, Math.floor(p99.length / 4));
  for (let i = 0; i < quarter; i++) if (slow(p99[i]!.v)) end = i;
  const windowSeconds = p99.length > 1 ? (p99[p99.length - 1]!.t - p99[0]!.t) / (p99.length - 1) : 1;
  return {
    seconds: Math.ceil(p99[end]!.t - p99[0]!.t + windowSeconds),
    startP99: Math.max(...p99.slice(0, end + 1).map((p) => p.v)),
    laterMedianP99: median,
  };
}

export interface StabilityInputs {
  /** Target RSS over time (seconds, bytes). */
  targetRss: readonly Point[];
  /** Generator RSS over time. */
  generatorRss: readonly Point[];
  /** Achieved producer rate per interval (seconds, msgs/s). */
  throughput: readonly Point[];
  /** Response latency p99 per interval (seconds, ms). */
  p99: readonly Point[];
  p99Total: number;
  p999Total: number;
  /** Warm-up the run already left out, seconds (the p99 points start after it). */
  warmupSeconds?: number;
  /** Measured windows in which the generator itself was saturated, of `windows`; and the schedule lag p99 (ms). */
  generatorSaturated?: { windows: number; of: number; scheduleLagP99: number };
  /** Measured windows in which producers' own in-flight windows were full with a batch ready (generator.windowFullWaits). */
  windowFullWindows?: number;
}

export interface StabilityFigures {
  /** Target RSS growth over the steady part (steadyGrowth), and the upper end of its ~95% interval. */
  memoryGrowthPercent: number | null;
  memoryGrowthUpperPercent: number | null;
  memoryGrowth: SteadyGrowth | null;
  memorySlopeMbPerHour: number | null;
  generatorMemoryGrowthPercent: number | null;
  generatorMemorySlopeMbPerHour: number | null;
  throughputVariancePercent: number | null;
  p99DriftPercent: number | null;
  /** Growth-and-drop cycles of the target's RSS (see sawtoothCycles). */
  targetMemorySawtoothCycles: number;
  coldStart: ColdStart | null;
  warnings: string[];
}

const MB = 1024 * 1024;
/**
 * A slope flag needs a span where start-up allocation (caches and pools filling) no longer dominates: a
 * target's first 15 s extrapolate to thousands of MB/hour. The figure is reported for any span.
 */
const MIN_SLOPE_SPAN_SECONDS = 600;
/** "Latency rising" compares the first and last tenth of the windows: at least 3 windows each. */
const MIN_DRIFT_WINDOWS = 30;
const span = (pts: readonly Point[]) => (pts.length ? pts[pts.length - 1]!.t - pts[0]!.t : 0);

/**
 * The plan's "P99 > 500 ms" flag points at S3 or connections; but when the generator was saturated and most of
 * the latency was records waiting to be sent (schedule lag), the target is not what the figure measured.
 */
function slowP99Flag(input: StabilityInputs): string {
  const p99 = `P99 ${input.p99Total.toFixed(1)} ms > 500 ms`;
  const g = input.generatorSaturated;
  if (g && g.windows > 0 && (g.scheduleLagP99 >= input.p99Total / 2 || g.windows * 2 >= g.of)) {
    return (
      `${p99}, but the generator itself was saturated in ${g.windows} of ${g.of} windows (schedule lag p99 ${g.scheduleLagP99.toFixed(1)} ms): ` +
      "records waited in loadhouse before they were sent, so this latency is not the target's; lower the rate or give the generator more CPU (workers, machines)"
    );
  }
  // Records queued behind full in-flight windows: the calls were each not slow, their number in flight bound the rate.
  if (g && (input.windowFullWindows ?? 0) * 2 >= g.of && g.of > 0 && g.scheduleLagP99 >= input.p99Total / 2) {
    return (
      `${p99}, mostly records waiting to be sent (schedule lag p99 ${g.scheduleLagP99.toFixed(1)} ms) while every in-flight slot of the ` +
      `producers held a call in ${input.windowFullWindows} of ${g.of} windows: the target's answers times --max-in-flight bound the rate ` +
      '(diagnosis in-flight-limit); investigate why the target answers slowly, or raise --max-in-flight or --producers'
    );
  }
  return `${p99}: investigate slow S3 uploads or connection issues`;
}

export function analyzeStability(input: StabilityInputs): StabilityFigures {
  const slope = (pts: readonly Point[]) => (pts.length >= 2 ? (linearSlope(pts) * 3600) / MB : null);
  const growth = steadyGrowth(input.targetRss);
  const figures: StabilityFigures = {
    memoryGrowthPercent: growth?.percent ?? null,
    memoryGrowthUpperPercent: growth ? growth.percent + growth.plusMinusPercent : null,
    memoryGrowth: growth,
    memorySlopeMbPerHour: slope(input.targetRss),
    generatorMemoryGrowthPercent: steadyGrowth(input.generatorRss)?.percent ?? null,
    generatorMemorySlopeMbPerHour: slope(input.generatorRss),
    throughputVariancePercent: throughputVariancePercent(input.throughput),
    p99DriftPercent: driftPercent(input.p99),
    targetMemorySawtoothCycles: sawtoothCycles(input.targetRss),
    coldStart: coldStart(input.p99),
    warnings: [],
  };
  // The plan's red flags ("Analyzing Results" and "Troubleshooting").
  if (input.p99Total > 500) figures.warnings.push(slowP99Flag(input));
  if (input.p999Total > 5000) figures.warnings.push(`P999 ${input.p999Total.toFixed(0)} ms > 5 s: retry storms or lock contention`);
  if (figures.p99DriftPercent !== null && figures.p99DriftPercent > 50 && input.p99.length >= MIN_DRIFT_WINDOWS) {
    figures.warnings.push(
      `Latency rising over time: P99 up ${figures.p99DriftPercent.toFixed(0)}% from the first to the last window (memory leak or resource exhaustion?)`,
    );
  }
  if (
    figures.memorySlopeMbPerHour !== null &&
    figures.memorySlopeMbPerHour > 100 &&
    input.targetRss.length >= 10 &&
    span(input.targetRss) >= MIN_SLOPE_SPAN_SECONDS
  ) {
    figures.warnings.push(`Target memory grows ${figures.memorySlopeMbPerHour.toFixed(0)} MB/hour (> 100 MB/hour): memory leak?`);
  }
  if (figures.targetMemorySawtoothCycles >= 3) {
    figures.warnings.push(
      `Target memory sawtooth: ${figures.targetMemorySawtoothCycles} cycles of rapid growth and drop (>= 20% of its mean): allocation churn or GC thrashing`,
    );
  }
  const cold = figures.coldStart;
  if (cold) {
    figures.warnings.push(
      `Slow start: window P99 up to ${cold.startP99.toFixed(1)} ms in the first ${cold.seconds} s, median ${cold.laterMedianP99.toFixed(1)} ms after: ` +
        `compilation, connection set-up or cold caches weigh on this run's percentiles; a warm-up of ${(input.warmupSeconds ?? 0) + cold.seconds} s (--warmup) leaves them out`,
    );
  }
  return figures;
}
