import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { LOOP_DELAY_RESOLUTION_MS, loopDelayP99Ms } from './generator-monitor.js';

it('event-loop delay excludes the sampling period: an idle loop is not late, a blocked one is', async () => {
  const h = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  h.enable();
  await new Promise((r) => setTimeout(r, 300));
  // Idle: the raw monitor reads about 10 ms, which is only its own period.
  expect(h.percentile(99) / 1e6).toBeGreaterThanOrEqual(LOOP_DELAY_RESOLUTION_MS);
  expect(loopDelayP99Ms(h)).toBeLessThan(LOOP_DELAY_RESOLUTION_MS);
  h.reset();
  // Blocked for 120 ms in a row, several times: the delay shows.
  for (let i = 0; i < 3; i++) {
    const until = Date.now() + 120;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(loopDelayP99Ms(h)).toBeGreaterThan(80);
  h.disable();
});
