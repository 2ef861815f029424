// The synchronised start's wait and its checks (`startAt`, `--start-at`).
import { describe, expect, it, vi } from 'vitest';
import { resolveStartAt, waitUntil } from './start-at.js';

describe('waitUntil', () => {
  it('waits past the longest timer Node has (2^31-1 ms) without firing early', async () => {
    vi.useFakeTimers();
    try {
      const start = Date.now();
      const at = start + 30 * 86_400_000; // beyond 24.8 days: one setTimeout would fire at once
      let done = false;
      const logs: string[] = [];
      void waitUntil(at, new AbortController().signal, (m) => logs.push(m)).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(29 * 86_400_000);
      expect(done).toBe(false);
      expect(logs.at(-1)).toContain('still waiting 24 h 0 min');
      await vi.advanceTimersByTimeAsync(86_400_000 + 1000);
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('resolveStartAt', () => {
  const now = Date.parse('2026-12-02T14:00:00Z');
  it('takes a Date or an ISO time with a zone, a few seconds late at most', () => {
    expect(resolveStartAt('x', '2026-12-02T14:05:00Z', now)).toBe(now + 300_000);
    expect(resolveStartAt('x', '2026-12-02T15:05:00+01:00', now)).toBe(now + 300_000);
    expect(resolveStartAt('x', new Date(now - 4000), now)).toBe(now - 4000);
  });
  it('refuses a time without a zone, an impossible one, a stale one and one more than a day ahead', () => {
    for (const v of [
      '2026-12-02T14:05:00',
      '2026-13-45T99:00:00Z',
      new Date(NaN),
      '2026-12-02T13:59:50Z',
      '2026-12-03T14:00:01Z',
      1700000000000,
    ]) {
      expect(() => resolveStartAt('options.startAt', v, now)).toThrow(
        expect.objectContaining({ code: 'LH_INVALID_OPTION', message: expect.stringContaining('options.startAt ') }),
      );
    }
  });
});
