// The requested send rate over time (a step function summed over groups), so windows, phases and totals
// can report the rate that was asked for and how long producers were asked to send.

interface Step {
  at: number;
  rate: number;
}

export class RateTracker {
  private readonly byGroup = new Map<number, number>();
  private readonly steps: Step[] = [{ at: 0, rate: 0 }];
  /** Groups told to stop whose in-flight batches and backlog are still being acked. */
  private readonly draining = new Set<number>();
  /** 1 while any group is asked to send or still draining: the time the acked records really took. */
  private readonly busySteps: Step[] = [{ at: 0, rate: 0 }];

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
    this.updateBusy(at);
  }

  /** When a rate above zero was first asked for (epoch ms); undefined before any. */
  firstActiveAt(): number | undefined {
    return this.steps.find((s) => s.rate > 0)?.at;
  }

  /** A group stopped scheduling; until `endDrain` its remaining records are still being sent and acked. */
  startDrain(groupId: number): void {
    this.draining.add(groupId);
    this.updateBusy(this.now());
  }

  /** The group's last record was acked (or given up) at `at` (default now). */
  endDrain(groupId: number, at: number = this.now()): void {
    this.draining.delete(groupId);
    this.updateBusy(Math.max(at, this.busySteps[this.busySteps.length - 1]!.at));
  }

  private updateBusy(at: number): void {
    const busy = this.byGroup.size > 0 || this.draining.size > 0 ? 1 : 0;
    const last = this.busySteps[this.busySteps.length - 1]!;
    if (last.rate === busy) return;
    if (last.at === at) last.rate = busy;
    else this.busySteps.push({ at, rate: busy });
  }

  /**
   * Seconds producers were asked to send or were still draining what they had been asked to send. An
   * achieved rate over this time is honest when the target is slow: a backlog acked after the stop
   * lengthens the time instead of inflating the rate.
   */
  busySeconds(from: number, to: number): number {
    return scanSteps(this.busySteps, from, to, (busy, dt) => busy * dt) / 1000;
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
    return scanSteps(this.steps, from, to, f);
  }
}

function scanSteps(steps: readonly Step[], from: number, to: number, f: (rate: number, dtMs: number) => number): number {
  let sum = 0;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const end = i + 1 < steps.length ? steps[i + 1]!.at : Infinity;
    const a = Math.max(from, s.at);
    const b = Math.min(to, end);
    if (b > a) sum += f(s.rate, b - a);
  }
  return sum;
}
