// The requested send rate over time (a step function summed over groups), so windows, phases and totals
// can report the rate that was asked for and how long producers were asked to send.

interface Step {
  at: number;
  rate: number;
}

export class RateTracker {
  private readonly byGroup = new Map<number, number>();
  private readonly steps: Step[] = [{ at: 0, rate: 0 }];

  constructor(private readonly now: () => number) {}

  /** Sets the requested rate of one group from now on. */
  set(groupId: number, rate: number): void {
    if (rate > 0) this.byGroup.set(groupId, rate);
    else this.byGroup.delete(groupId);
    let total = 0;
    for (const r of this.byGroup.values()) total += r;
    const at = this.now();
    const last = this.steps[this.steps.length - 1]!;
    if (last.at === at) last.rate = total;
    else if (last.rate !== total) this.steps.push({ at, rate: total });
  }

  get(groupId: number): number {
    return this.byGroup.get(groupId) ?? 0;
  }

  current(): number {
    return this.steps[this.steps.length - 1]!.rate;
  }

  /** Records asked for between two times (epoch ms). */
  integral(from: number, to: number): number {
    return this.scan(from, to, (rate, dt) => rate * dt) / 1000;
  }

  /** Seconds between two times during which the requested rate was above zero. */
  activeSeconds(from: number, to: number): number {
    return this.scan(from, to, (rate, dt) => (rate > 0 ? dt : 0)) / 1000;
  }

  /** Mean requested rate over the active time between two times (0 when never active). */
  meanActiveRate(from: number, to: number): number {
    const active = this.activeSeconds(from, to);
    return active > 0 ? this.integral(from, to) / active : 0;
  }

  /** Time-weighted mean requested rate over [from, to]. */
  meanRate(from: number, to: number): number {
    return to > from ? (this.integral(from, to) * 1000) / (to - from) : this.current();
  }

  private scan(from: number, to: number, f: (rate: number, dtMs: number) => number): number {
    let sum = 0;
    for (let i = 0; i < this.steps.length; i++) {
      const s = this.steps[i]!;
      const end = i + 1 < this.steps.length ? this.steps[i + 1]!.at : Infinity;
      const a = Math.max(from, s.at);
      const b = Math.min(to, end);
      if (b > a) sum += f(s.rate, b - a);
    }
    return sum;
  }
}
