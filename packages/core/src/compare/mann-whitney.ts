// The Mann-Whitney U (Wilcoxon rank-sum) test, one-sided, over the per-window values of two runs. It assumes no
// shape for the values (window percentiles are skewed, rates cluster near the target) and is exact for the small
// samples a short run gives: the null distribution is counted over every split of the pooled values, ties included,
// so a 10-window run gets a true p-value rather than a normal curve's guess. Pure and deterministic.

/** One-sided p-values: how likely a shift at least this large, in each direction, if the two runs were alike. */
export interface RankTest {
  /** P(the candidate's values rank this high or higher | no difference). */
  pGreater: number;
  /** P(the candidate's values rank this low or lower | no difference). */
  pLess: number;
  /** True when the p-values were counted exactly; false for the normal approximation of large samples. */
  exact: boolean;
}

// Exact counting costs O(N^3 * m); beyond this many pooled values the normal approximation is close enough.
const EXACT_MAX_POOLED = 60;

/** Mid-ranks (1-based, ties share their mean rank), doubled so that they are whole numbers. */
function doubledRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    // Positions start..end (0-based) hold ranks start+1..end+1: their mean doubled is start+end+2.
    for (let k = start; k <= end; k++) ranks[order[k]!.i] = start + end + 2;
    start = end + 1;
  }
  return ranks;
}

/** Counts, for every doubled rank sum, the ways to choose `m` of the pooled values that give it. */
function rankSumCounts(ranks: readonly number[], m: number): number[] {
  const maxSum = ranks.reduce((s, r) => s + r, 0);
  // ways[k][s]: subsets of k values so far with doubled rank sum s.
  const ways: number[][] = Array.from({ length: m + 1 }, () => new Array<number>(maxSum + 1).fill(0));
  ways[0]![0] = 1;
  for (const r of ranks) {
    for (let k = m; k >= 1; k--) {
      const into = ways[k]!;
      const from = ways[k - 1]!;
      for (let s = maxSum; s >= r; s--) if (from[s - r]! > 0) into[s]! += from[s - r]!;
    }
  }
  return ways[m]!;
}

/** Standard normal upper tail, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7). */
function upperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * Tests whether `candidate`'s values tend to be larger (pGreater) or smaller (pLess) than `baseline`'s. Both
 * samples must be non-empty. Equal samples (every value tied) give 1 both ways: no evidence of a shift.
 */
export function mannWhitney(baseline: readonly number[], candidate: readonly number[]): RankTest {
  const m = candidate.length;
  const n = baseline.length;
  if (m === 0 || n === 0) return { pGreater: 1, pLess: 1, exact: true };
  const ranks = doubledRanks([...candidate, ...baseline]);
  const observed = ranks.slice(0, m).reduce((s, r) => s + r, 0);
  const pooled = m + n;
  if (pooled <= EXACT_MAX_POOLED) {
    const counts = rankSumCounts(ranks, m);
    let total = 0;
    let atLeast = 0;
    let atMost = 0;
    counts.forEach((c, s) => {
      total += c;
      if (s >= observed) atLeast += c;
      if (s <= observed) atMost += c;
    });
    return { pGreater: atLeast / total, pLess: atMost / total, exact: true };
  }
  // Normal approximation with the tie correction of the variance and a continuity correction.
  const u = observed / 2 - (m * (m + 1)) / 2;
  const mean = (m * n) / 2;
  const tieSizes = new Map<number, number>();
  for (const r of ranks) tieSizes.set(r, (tieSizes.get(r) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of tieSizes.values()) tieTerm += t ** 3 - t;
  const variance = ((m * n) / 12) * (pooled + 1 - tieTerm / (pooled * (pooled - 1)));
  if (variance <= 0) return { pGreater: 1, pLess: 1, exact: false };
  const sd = Math.sqrt(variance);
  return { pGreater: upperTail((u - mean - 0.5) / sd), pLess: upperTail((mean - u - 0.5) / sd), exact: false };
}

/** The smallest one-sided p-value samples of these sizes can reach (all of one side above the other, no ties). */
export function smallestP(n: number, m: number): number {
  // 1 / C(n+m, m), computed as a running product to stay in range.
  let p = 1;
  for (let k = 1; k <= m; k++) p *= k / (n + k);
  return p;
}
