// The time the engine reads and waits on: the system clock in production; a test hands the run's sampler, a
// producer or a consumer a FakeClock and moves it by hand, so schedules, windows, warm-up, drops and
// watchdogs are exact without sockets or sleeps.
import { longTimeout, MAX_TIMER_MS } from './timers.js';
import { epochNow } from './util.js';

export interface Clock {
  /** Epoch milliseconds, sub-millisecond precise, steady within the process. */
  now(): number;
  /** Calls `fn` once `ms` have passed; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: epochNow,
  setTimeout: (fn, ms) => {
    if (ms > MAX_TIMER_MS) return longTimeout(fn, ms);
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** A clock moved by hand: due timers run in order of due time, then of arming. */
export class FakeClock implements Clock {
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;

  constructor(private t = 1_700_000_000_000) {}

  // Bound, so `clock.now` can be handed on alone as a time source.
  readonly now = (): number => this.t;

  readonly setTimeout = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.t + ms, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  };

  /** Moves time on by `ms` without running any timer: the event loop was held up. */
  stall(ms: number): void {
    this.t += ms;
  }

  /** Moves time on by `ms`, running each timer due on the way, in order. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (let next = this.due(until); next; next = this.due(until)) this.fire(next);
    this.t = until;
  }

  /** Like advance(), letting whatever each timer started (promise chains) settle before the next one runs. */
  async advanceSettling(ms: number): Promise<void> {
    const until = this.t + ms;
    for (let next = this.due(until); next; next = this.due(until)) {
      this.fire(next);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.t = until;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  private due(until: number) {
    return this.timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }

  private fire(timer: { at: number; fn: () => void }): void {
    this.timers = this.timers.filter((x) => x !== timer);
    this.t = Math.max(this.t, timer.at);
    timer.fn();
  }
}
