// The arithmetic of an alternated comparison (issue 11): clients measured in turn within one run (A B, B A, ...),
// each figure reported as the median over rounds, and one client's figures as ratios to a reference client's.
// A ratio is taken within each round (the two measurements shared the machine's state of that moment) and the
// median of those ratios is reported: on a noisy shared machine that is steadier than a ratio of medians.

/** What one measurement of one client yields; every generator benchmark fills these the same way. */
export interface Figures {
  /** Acked records over the time they took (drain included), warm-up left out. */
  msgsPerSec: number;
  /** Response latency p99 (ack - intended send time), ms. NaN when the client does not measure it. */
  responseP99Ms: number;
  /** Schedule lag p99 (actual - intended send time), ms. NaN when the client does not measure it. */
  scheduleLagP99Ms: number;
  /** Peak resident set size of the client's process, MB. */
  peakRssMb: number;
}

export const FIGURES: readonly (keyof Figures)[] = ['msgsPerSec', 'responseP99Ms', 'scheduleLagP99Ms', 'peakRssMb'];

/**
 * The order in which `clients` are measured over `rounds` rounds: every client once per round, in the given
 * order in even rounds and reversed in odd ones (A B, B A, A B ...), so no client is always measured first: a
 * target that warms up or tires within a round would otherwise favour one side in every round.
 */
export function alternation<C extends string>(clients: readonly C[], rounds: number): Array<{ round: number; client: C }> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a positive integer, got ${rounds}`);
  if (clients.length === 0) throw new RangeError('at least one client to measure');
  if (new Set(clients).size !== clients.length) throw new RangeError(`clients must be distinct: ${clients.join(', ')}`);
  const order: Array<{ round: number; client: C }> = [];
  for (let round = 0; round < rounds; round++) {
    for (const client of round % 2 === 0 ? clients : [...clients].reverse()) order.push({ round, client });
  }
  return order;
}

/** Median; the mean of the two middle values for an even count. NaN for none, or when any value is NaN. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0 || xs.some((x) => Number.isNaN(x))) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Whether per-round figures settle a bound: 'met' when at least three quarters of the rounds are within it
 * (the upper quartile is), 'not met' when at least three quarters are beyond it, else 'not settled' (the rounds
 * scatter across it). The median and the quartiles (the medians of the lower and upper halves) are of the same
 * rounds: NaN rounds are left out of all three.
 */
export function settles(
  xs: readonly number[],
  atMost: number,
): { median: number; q1: number; q3: number; verdict: 'met' | 'not met' | 'not settled' } {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const half = s.length >> 1;
  const q1 = median(s.slice(0, Math.max(1, half)));
  const q3 = median(s.slice(s.length - Math.max(1, half)));
  const verdict = s.length === 0 ? 'not settled' : q3 <= atMost ? 'met' : q1 > atMost ? 'not met' : 'not settled';
  return { median: median(s), q1, q3, verdict };
}

/**
 * Per-round figures pooled from several runs, against an upper bound: the mean with its 95% confidence interval
 * (normal approximation), and a sign test, the chance of at least `above` of `n` rounds beyond the bound were the
 * true median at the bound (binomial, one-sided). 'not met' when the interval lies beyond the bound, 'met' when
 * within it, else 'not settled'. The rounds are treated as independent; runs at other times and settings are not
 * quite that, so a caller says which runs it pooled. NaN rounds are left out.
 */
export function pooled(
  xs: readonly number[],
  atMost: number,
): {
  n: number;
  median: number;
  mean: number;
  low: number;
  high: number;
  above: number;
  signP: number;
  verdict: 'met' | 'not met' | 'not settled';
} {
  const s = xs.filter((x) => !Number.isNaN(x));
  const n = s.length;
  if (n < 2)
    return {
      n,
      median: median(s),
      mean: n ? s[0]! : Number.NaN,
      low: Number.NaN,
      high: Number.NaN,
      above: 0,
      signP: Number.NaN,
      verdict: 'not settled',
    };
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(s.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (1.96 * sd) / Math.sqrt(n);
  const above = s.filter((x) => x > atMost).length;
  const verdict = mean - half > atMost ? 'not met' : mean + half <= atMost ? 'met' : 'not settled';
  return { n, median: median(s), mean, low: mean - half, high: mean + half, above, signP: binomialTail(n, above), verdict };
}

/** P(X >= k) for X ~ Binomial(n, 1/2), summed in log space (exact enough for the few hundred rounds pooled here). */
export function binomialTail(n: number, k: number): number {
  let logChoose = 0; // log C(n, 0)
  let p = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logChoose += Math.log((n - i + 1) / i);
    if (i >= k) p += Math.exp(logChoose - n * Math.LN2);
  }
  return Math.min(1, p);
}

/**
 * What instrumentation costs in a round, in %: the share of the instrumented load worker's CPU per record that the
 * uninstrumented one did not need, from their ratio (uninstrumented / instrumented). The generator benchmark judges
 * each run by it and `instrumentation-pooled` pools the saved rounds by it, so both read a ratio alike.
 */
export function instrumentationCostPercent(uninstrumentedRatio: number): number {
  return (1 - uninstrumentedRatio) * 100;
}

/** a / b, or NaN when b is 0 or either is NaN (a figure one side did not measure has no ratio). */
export function ratio(a: number, b: number): number {
  return b === 0 || Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a / b;
}

export interface Comparison<C extends string> {
  rounds: number;
  /** Per client: the median of each figure over the rounds. */
  medians: Record<C, Figures>;
  /** Per client other than the reference: per figure, the median over rounds of (client / reference) in that round. */
  ratios: Record<C, Figures>;
  /** Per client other than the reference: the per-round ratios the medians come from. */
  roundRatios: Record<C, Figures[]>;
}

/**
 * Medians and ratios of an alternated run. `byRound[r][client]` is the measurement of `client` in round r;
 * every round must hold every client (a round that lost one is dropped by the caller, not here).
 */
export function compare<C extends string>(clients: readonly C[], reference: C, byRound: ReadonlyArray<Record<C, Figures>>): Comparison<C> {
  if (!clients.includes(reference)) throw new RangeError(`the reference ${reference} is not among the clients`);
  if (byRound.length === 0) throw new RangeError('no rounds to compare');
  byRound.forEach((round, r) => {
    for (const c of clients) if (!round[c]) throw new RangeError(`round ${r} has no measurement of ${c}`);
  });
  const medians = {} as Record<C, Figures>;
  const ratios = {} as Record<C, Figures>;
  const roundRatios = {} as Record<C, Figures[]>;
  const figuresOf = (f: (k: keyof Figures) => number): Figures => ({
    msgsPerSec: f('msgsPerSec'),
    responseP99Ms: f('responseP99Ms'),
    scheduleLagP99Ms: f('scheduleLagP99Ms'),
    peakRssMb: f('peakRssMb'),
  });
  for (const c of clients) {
    medians[c] = figuresOf((k) => median(byRound.map((round) => round[c][k])));
    if (c === reference) continue;
    const per = byRound.map((round) => figuresOf((k) => ratio(round[c][k], round[reference][k])));
    roundRatios[c] = per;
    // A NaN (a figure one side did not measure) in any round makes that figure's ratio NaN: no half-answers.
    ratios[c] = figuresOf((k) => median(per.map((p) => p[k])));
  }
  return { rounds: byRound.length, medians, ratios, roundRatios };
}
