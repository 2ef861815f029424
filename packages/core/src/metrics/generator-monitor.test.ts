import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { emptyLatencySummary } from './histogram.js';
import {
  GeneratorMonitor,
  inFlightBound,
  LOOP_DELAY_RESOLUTION_MS,
  loopDelayP99Ms,
  saturationReasons,
  type SaturationInput,
} from './generator-monitor.js';
import type { ProducerStats } from '../types.js';

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

const lat = (p99: number, max = p99) => ({
  ...emptyLatencySummary(),
  count: 100,
  p50: p99 / 2,
  p95: p99,
  p99,
  p999: max,
  max,
  mean: p99 / 2,
});
function healthy(over: Partial<SaturationInput> = {}, producer: Partial<ProducerStats> = {}): SaturationInput {
  return {
    mainLoopDelayP99Ms: 1,
    mainLoopDelayMaxMs: 5,
    window: { seconds: 1, intervalMs: 1000, collectMs: 500 },
    workerLoopDelayMaxMs: 1,
    workerUtilizationMax: 0.2,
    cpuPercent: 10,
    cores: 2,
    lingerMs: 5,
    catchingUp: false,
    machineBusyPercent: 30,
    producer: { latency: { response: lat(5), service: lat(2), scheduleLag: lat(1) }, ...producer } as ProducerStats,
    ...over,
  };
}

it('flags a window the main thread stalled in, by its longest delay or its length, though the p99 stays low', () => {
  expect(saturationReasons(healthy())).toEqual([]);
  expect(saturationReasons(healthy({ mainLoopDelayMaxMs: 2000 }))).toEqual([
    'the main thread stalled: one event-loop delay of 2000 ms > 500 ms',
  ]);
  expect(saturationReasons(healthy({ window: { seconds: 3, intervalMs: 1000, collectMs: 500 } }))).toEqual([
    'the window lasted 3.0 s for a 1.0 s interval: the main thread was held up',
  ]);
  // Collecting the workers' reports may take up to collectMs: that alone is no stall.
  expect(saturationReasons(healthy({ window: { seconds: 1.9, intervalMs: 1000, collectMs: 500 } }))).toEqual([]);
});

it('does not blame the generator for the late records of a catch-up after a target outage', () => {
  const behind = { latency: { response: lat(3000), service: lat(3, 10), scheduleLag: lat(3000) } };
  expect(saturationReasons(healthy({}, behind)).join()).toMatch(/fell behind schedule .* while the target was fast/);
  expect(saturationReasons(healthy({ catchingUp: true }, behind))).toEqual([]);
});

it('takes records queued behind full in-flight windows of idle-enough workers as the target holding them', () => {
  // A target that holds 64 calls for 100-130 ms caps the rate whoever sends: the records pile up behind the windows.
  const behind = { latency: { response: lat(800), service: lat(110, 130), scheduleLag: lat(760) } };
  expect(saturationReasons(healthy({ windowFullWaits: 40 }, behind))).toEqual([]);
  // Without full windows, with a busy worker, or with the worker's own call cap reached, the lateness stays the generator's.
  expect(saturationReasons(healthy({}, behind)).join()).toMatch(/fell behind schedule/);
  expect(saturationReasons(healthy({ windowFullWaits: 40, workerUtilizationMax: 0.85 }, behind)).join()).toMatch(/fell behind schedule/);
  // A machine whose cores were all busy may have starved the generator: full windows then clear nothing.
  expect(saturationReasons(healthy({ windowFullWaits: 40, machineBusyPercent: 95 }, behind)).join()).toMatch(/fell behind schedule/);
  expect(saturationReasons(healthy({ windowFullWaits: 40, machineBusyPercent: 60 }, behind))).toEqual([]);
  // Cleared, the window says why its load was not offered; flagged, it does not (it is the generator's).
  expect(inFlightBound(healthy({ windowFullWaits: 40 }, behind))).toMatch(/^the producers could not offer the load: .* full 40 times/);
  expect(inFlightBound(healthy({ windowFullWaits: 40, machineBusyPercent: 95 }, behind))).toBeUndefined();
  expect(inFlightBound(healthy({ windowFullWaits: 40 }))).toBeUndefined(); // on schedule: nothing to explain
  const capped = saturationReasons(healthy({ windowFullWaits: 40, callCap: { cap: 256, waits: 3 } }, behind)).join('\n');
  expect(capped).toMatch(/fell behind schedule/);
  expect(capped).toMatch(/cap of 256/);
});

it("times a stall that spans the window boundary (which Node's delay monitor loses on reset)", async () => {
  const m = new GeneratorMonitor();
  m.start();
  await new Promise((r) => setTimeout(r, 50));
  m.window();
  const until = Date.now() + 600;
  while (Date.now() < until);
  await new Promise((r) => setTimeout(r, 50));
  const w = m.window();
  m.stop();
  expect(w.mainLoopDelayMaxMs).toBeGreaterThan(500);
  // The loop spun one core for 600 ms of the window: the machine was busy, whatever else ran.
  expect(w.machineBusyPercent).toBeGreaterThan(0);
  expect(w.machineBusyPercent).toBeLessThanOrEqual(100);
});
