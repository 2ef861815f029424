// Derived stability figures over a run's series: memory growth and slope, throughput variance, p99 drift,
// and the plan's red flags. Pure functions over (time, value) points so they are tested on synthetic series.

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
}

export interface StabilityFigures {
  memoryGrowthPercent: number | null;
  memorySlopeMbPerHour: number | null;
  generatorMemoryGrowthPercent: number | null;
  generatorMemorySlopeMbPerHour: number | null;
  throughputVariancePercent: number | null;
  p99DriftPercent: number | null;
  warnings: string[];
}

const MB = 1024 * 1024;

export function analyzeStability(input: StabilityInputs): StabilityFigures {
  const slope = (pts: readonly Point[]) => (pts.length >= 2 ? (linearSlope(pts) * 3600) / MB : null);
  const figures: StabilityFigures = {
    memoryGrowthPercent: growthPercent(input.targetRss),
    memorySlopeMbPerHour: slope(input.targetRss),
    generatorMemoryGrowthPercent: growthPercent(input.generatorRss),
    generatorMemorySlopeMbPerHour: slope(input.generatorRss),
    throughputVariancePercent: throughputVariancePercent(input.throughput),
    p99DriftPercent: driftPercent(input.p99),
    warnings: [],
  };
  // The plan's red flags ("Analyzing Results" and "Troubleshooting").
  if (input.p99Total > 500) figures.warnings.push(`P99 ${input.p99Total.toFixed(1)} ms > 500 ms: investigate slow S3 uploads or connection issues`);
  if (input.p999Total > 5000) figures.warnings.push(`P999 ${input.p999Total.toFixed(0)} ms > 5 s: retry storms or lock contention`);
  if (figures.p99DriftPercent !== null && figures.p99DriftPercent > 50 && input.p99.length >= 10) {
    figures.warnings.push(`Latency rising over time: P99 up ${figures.p99DriftPercent.toFixed(0)}% from the first to the last window (memory leak or resource exhaustion?)`);
  }
  if (figures.memorySlopeMbPerHour !== null && figures.memorySlopeMbPerHour > 100 && input.targetRss.length >= 10) {
    figures.warnings.push(`Target memory grows ${figures.memorySlopeMbPerHour.toFixed(0)} MB/hour (> 100 MB/hour): memory leak?`);
  }
  return figures;
}
