import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { LOOP_DELAY_RESOLUTION_MS, loopDelayP99Ms } from './generator-monitor.js';

const fake = (count: number, p99Ms: number) => ({ count, percentile: () => p99Ms * 1e6 });

it("event-loop delay excludes the monitor's own sampling period", () => {
  // Node's monitor records the time between its samples: an idle loop reads about the resolution.
  expect(loopDelayP99Ms(fake(100, LOOP_DELAY_RESOLUTION_MS + 0.4))).toBeCloseTo(0.4, 6);
  expect(loopDelayP99Ms(fake(100, LOOP_DELAY_RESOLUTION_MS - 0.2))).toBe(0);
  expect(loopDelayP99Ms(fake(100, 130))).toBeCloseTo(130 - LOOP_DELAY_RESOLUTION_MS, 6);
  expect(loopDelayP99Ms(fake(0, 500))).toBe(0);
});

it('a blocked loop shows its delay through the real monitor', async () => {
  const h = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  h.enable();
  // Blocked for 120 ms in a row, several times (a busy machine only makes the delay longer).
  for (let i = 0; i < 3; i++) {
    const until = Date.now() + 120;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(loopDelayP99Ms(h)).toBeGreaterThan(80);
  h.disable();
});
