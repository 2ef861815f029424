// Timers for user-given durations. Node's setTimeout holds at most 2^31-1 ms (24.8 days) and fires a longer
// one after 1 ms, so a month-long run would end at once: long waits are chunked, and timeouts (which no one
// means to last weeks) are bounded where they are validated.
import { performance } from 'node:perf_hooks';

/** The longest delay setTimeout honours, in ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest timeout an option or flag may ask for, in whole seconds (24.8 days). */
export const MAX_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/**
 * Calls `fn` once `ms` have passed, however long that is (a chain of timers of at most MAX_TIMER_MS);
 * returns a function that cancels it. `unref`: the wait does not keep the process alive.
 */
export function longTimeout(fn: () => void, ms: number, unref = false): () => void {
  const until = performance.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (left: number): void => {
    timer = setTimeout(
      () => {
        const rest = until - performance.now();
        if (rest > 0) arm(rest);
        else fn();
      },
      Math.min(Math.max(0, left), MAX_TIMER_MS),
    );
    if (unref) timer.unref();
  };
  arm(ms);
  return () => clearTimeout(timer);
}

/** Calls `fn` every `ms`, however long that is; returns a function that stops it. */
export function longInterval(fn: () => void, ms: number): () => void {
  let cancel: () => void;
  const next = (): void => {
    cancel = longTimeout(() => {
      next();
      fn();
    }, ms);
  };
  next();
  return () => cancel();
}

/**
 * Waits `ms` (any length), or less when `signal` aborts: resolves true when the time passed, false when the
 * signal ended the wait. The abort listener goes with the timer, so repeated waits pile nothing on the signal.
 */
export function sleep(ms: number, signal?: AbortSignal, options: { unref?: boolean } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    const cancel = longTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      ms,
      options.unref,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
