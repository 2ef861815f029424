// The time source of producers and consumers, injectable so their schedules can be tested with a fake one.
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Epoch milliseconds with sub-millisecond precision, monotonic within the thread. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Epoch milliseconds with microsecond precision, monotonic within the thread. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export const systemClock: Clock = {
  now: nowMs,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
