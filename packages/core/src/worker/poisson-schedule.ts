// Poisson arrivals: the gaps between a producer's intended send times are exponential at the current mean
// rate, drawn from the producer's own seeded stream, so the schedule stays open-model and is the same for
// the same seed, producer id and rate history. Unlike evenly spaced records, the times cannot be computed
// from a position: the times of the positions not yet pruned are kept in a ring, generated just ahead of
// the latest time asked about.

/** What the producer asks of its schedule, evenly spaced (Schedule) or Poisson (PoissonSchedule). */
export interface ArrivalSchedule {
  /** The intended send time of schedule position `seq` (epoch ms); exact for every position not pruned. */
  intended(seq: number): number;
  /** Writes the intended times of positions [first, first + n) to `out[0..n)`: one call per batch, not per record. */
  intendedInto(out: Float64Array, first: number, n: number): void;
  /** How many positions are due by `now` (their intended time is at or before it); undefined while paused. */
  dueBy(now: number): number | undefined;
  /**
   * Changes the rate from position `next` on, at `now`. `continuous`: the part of the current gap already
   * elapsed is kept (the next record comes after the rest of its gap, rescaled to the new rate), so a rate
   * changed in many small steps (a ramp) loses or gains no records at the steps.
   */
  setRate(rate: number, next: number, now: number, continuous?: boolean): void;
  /** The first position in [from, to) whose intended time is at or after `cutoff` (`to` if none). */
  firstNotBefore(cutoff: number, from: number, to: number): number;
  /** Forgets what is before position `from` (nothing before it is looked up again). */
  prune(from: number): void;
  /** The mean gap in ms at the current rate (Infinity while paused). */
  readonly meanIntervalMs: number;
}

export class PoissonSchedule implements ArrivalSchedule {
  private times = new Float64Array(1024);
  private mask = 1023;
  /** First position kept. */
  private base = 0;
  /** Positions [base, gen) have their time in `times`. */
  private gen = 0;
  /** Time of position gen - 1, or where the next gap starts from. */
  private last: number;
  private interval: number;

  constructor(
    startMs: number,
    rate: number,
    private readonly random: () => number,
  ) {
    this.interval = rate > 0 ? 1000 / rate : Infinity;
    this.last = startMs;
  }

  get meanIntervalMs(): number {
    return this.interval;
  }

  intended(seq: number): number {
    while (this.gen <= seq && Number.isFinite(this.interval)) this.push();
    return this.times[seq & this.mask]!;
  }

  intendedInto(out: Float64Array, first: number, n: number): void {
    for (let j = 0; j < n; j++) out[j] = this.intended(first + j);
  }

  dueBy(now: number): number | undefined {
    if (!Number.isFinite(this.interval)) return undefined;
    while (this.gen === this.base || this.times[(this.gen - 1) & this.mask]! <= now) this.push();
    return this.search(now, this.base, this.gen, false);
  }

  setRate(rate: number, next: number, now: number): void {
    // Always continuous: a Poisson process is memoryless, so the rest of the current gap rescaled to the new
    // rate is again exponential at that rate.
    const interval = rate > 0 ? 1000 / rate : Infinity;
    const at = Math.min(Math.max(next, this.base), this.gen);
    const oldInterval = this.interval;
    const old = at < this.gen ? this.times[at & this.mask]! : undefined;
    const prev = at > this.base ? this.times[(at - 1) & this.mask]! : -Infinity;
    this.gen = at;
    this.interval = interval;
    if (!Number.isFinite(interval)) return;
    const anchor = Math.max(now, prev);
    if (old !== undefined && Number.isFinite(oldInterval)) {
      const t = old <= anchor ? old : anchor + ((old - anchor) * interval) / oldInterval;
      this.times[at & this.mask] = t;
      this.gen = at + 1;
      this.last = t;
    } else {
      this.last = anchor;
    }
  }

  firstNotBefore(cutoff: number, from: number, to: number): number {
    return this.search(cutoff, from, to, true);
  }

  prune(from: number): void {
    if (from > this.base) this.base = Math.min(from, this.gen);
  }

  /** First position in [from, to) whose time is > t (or >= t when `inclusive`); `to` if none. */
  private search(t: number, from: number, to: number, inclusive: boolean): number {
    let lo = from;
    let hi = to;
    const times = this.times;
    const mask = this.mask;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = times[mid & mask]!;
      if (inclusive ? v >= t : v > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private push(): void {
    if (this.gen - this.base > this.mask) this.grow();
    // 1 - u is in (0, 1]: a gap may be 0, never infinite.
    this.last += -Math.log(1 - this.random()) * this.interval;
    this.times[this.gen & this.mask] = this.last;
    this.gen++;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    const times = new Float64Array(size);
    for (let p = this.base; p < this.gen; p++) times[p & (size - 1)] = this.times[p & this.mask]!;
    this.times = times;
    this.mask = size - 1;
  }
}
