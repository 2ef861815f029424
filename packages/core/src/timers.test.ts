// Waits longer than one Node timer holds (2^31-1 ms) are chunked, never fired at once; timeouts are bounded.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLoadTest } from './load-test.js';
import { longInterval, longTimeout, MAX_TIMER_MS, sleep } from './timers.js';

describe('long timers', () => {
  it('a 30-day timeout does not fire at once (a plain setTimeout fires after 1 ms), and a short one fires', async () => {
    let fired = 0;
    const cancel = longTimeout(() => fired++, 30 * 86_400_000);
    const cancelInterval = longInterval(() => fired++, MAX_TIMER_MS + 1);
    let short = false;
    longTimeout(() => (short = true), 20);
    await new Promise((r) => setTimeout(r, 300));
    cancel();
    cancelInterval();
    expect(fired).toBe(0);
    expect(short).toBe(true);
  });

  it('an interval repeats and stops when cancelled', async () => {
    let n = 0;
    const cancel = longInterval(() => n++, 20);
    await new Promise((r) => setTimeout(r, 300));
    cancel();
    const seen = n;
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(n).toBe(seen);
  });

  it('refuses timeouts no timer can hold with LH_INVALID_OPTION naming the option', () => {
    for (const target of [{ connectTimeoutMs: 3e9 }, { deadlineMs: 3e9 }, { unreachableAfterMs: 3e9 }]) {
      expect(() => createLoadTest({ target: { address: 'localhost:50051', ...target } })).toThrow(/at most 2147483647 ms/);
    }
    expect(() => createLoadTest({ target: 'localhost:50051', drainTimeoutMs: 3e9 })).toThrow(/options\.drainTimeoutMs must be at most/);
    expect(() => createLoadTest({ target: { address: 'localhost:50051', connectTimeoutMs: MAX_TIMER_MS } })).not.toThrow();
  });

  it('sleep: true when the time passed, false at once when the signal aborts, and no listener left behind', async () => {
    const abort = new AbortController();
    const listeners = () => getEventListeners(abort.signal, 'abort').length;
    expect(await sleep(5, abort.signal)).toBe(true);
    for (let i = 0; i < 50; i++) await sleep(0, abort.signal); // a poll loop leaves no listener on the signal
    expect(listeners()).toBe(0);
    const pending = sleep(30 * 86_400_000, abort.signal);
    expect(listeners()).toBe(1);
    abort.abort();
    expect(await pending).toBe(false);
    expect(await sleep(10, abort.signal)).toBe(false); // already aborted
    expect(listeners()).toBe(0);
  });
});
