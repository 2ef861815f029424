// The time a run reads and waits on. The system clock in production; a test hands the sampler a fake one and
// moves it by hand, so windows, warm-up and watchdogs are exact without sockets or sleeps.
import { performance } from 'node:perf_hooks';
import { longTimeout, MAX_TIMER_MS } from '../timers.js';

export interface Clock {
  /** Epoch milliseconds, sub-millisecond precise. */
  now(): number;
  /** Calls `fn` once `ms` have passed; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => {
    if (ms > MAX_TIMER_MS) return longTimeout(fn, ms);
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
