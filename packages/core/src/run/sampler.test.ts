// The sampler's windows on a hand-moved clock: the interval grid, warm-up, outages, saturation, live criteria
// and the unreachable-target watchdog, fed synthetic worker reports (no sockets, no sleeps).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LiveCriteria } from '../criteria.js';
import { Aggregator } from '../metrics/aggregator.js';
import type { MainWindowHealth } from '../metrics/generator-monitor.js';
import { initHistograms } from '../metrics/histogram.js';
import { RateTracker } from '../metrics/rate-tracker.js';
import type { Ending } from '../result/build.js';
import type { Criterion, Sample } from '../types.js';
import { type CounterSet, emptyCounters } from '../worker/protocol.js';
import { FakeClock } from '../clock.js';
import { Sampler, type SamplerDeps } from './sampler.js';

beforeAll(() => initHistograms());

const healthy: MainWindowHealth = {
  mainLoopDelayP99Ms: 2,
  mainLoopDelayMaxMs: 5,
  cpuPercent: 10,
  machineBusyPercent: 20,
  rssBytes: 1e8,
  heapUsedBytes: 5e7,
};

interface Harness {
  clock: FakeClock;
  sampler: Sampler;
  aggregator: Aggregator;
  rates: RateTracker;
  samples: Sample[];
  endings: Ending[];
  main: { health: MainWindowHealth };
  /** One worker report of producer counters (every record measured). */
  report(c: Partial<CounterSet>): void;
}

let aggregators: Aggregator[] = [];
afterEach(() => {
  for (const a of aggregators) a.destroy();
  aggregators = [];
});

function harness(o: { warmupSeconds?: number; criteria?: Criterion[]; unreachableAfterMs?: number } = {}): Harness {
  const clock = new FakeClock();
  const aggregator = new Aggregator();
  aggregators.push(aggregator);
  const rates = new RateTracker(clock.now);
  const samples: Sample[] = [];
  const endings: Ending[] = [];
  const main = { health: healthy };
  const criteria = o.criteria ?? [];
  const deps: SamplerDeps = {
    clock,
    intervalMs: 1000,
    warmupSeconds: o.warmupSeconds ?? 0,
    unreachableAfterMs: o.unreachableAfterMs ?? 10_000,
    targetAddress: 'localhost:50051',
    aggregator,
    rates,
    monitor: { window: () => main.health, cores: 2 },
    targetMonitor: undefined,
    metricSources: { size: 0, collect: async () => ({}), latest: () => ({}) },
    workers: () => undefined,
    live: new LiveCriteria(() => criteria),
    phaseName: () => 'main',
    isEnding: () => endings.length > 0,
    end: (e) => endings.push(e),
    onCriterion: () => undefined,
    observe: () => undefined,
    publish: (s) => samples.push(s),
    logError: (m) => {
      throw new Error(m);
    },
  };
  const sampler = new Sampler(deps);
  const report = (c: Partial<CounterSet>) => {
    const counters = { ...emptyCounters(), ...c };
    const none = {};
    aggregator.onReport(0, {
      producer: { window: counters, measured: counters, histograms: none, measuredHistograms: 'window', inFlightBatches: 0, backlog: 0 },
      consumer: null,
      health: { eventLoopDelayP99Ms: 1, utilization: 0.1 },
    });
  };
  return { clock, sampler, aggregator, rates, samples, endings, main, report };
}

describe('Sampler', () => {
  it('cuts windows on the interval grid; a late window is not followed by a burst of catch-up samples', async () => {
    const h = harness();
    h.sampler.start(h.clock.now());
    h.rates.set(1, 1000);
    h.report({ scheduled: 1000, sent: 1000, acked: 1000 });
    await h.clock.advanceSettling(1000);
    h.report({ scheduled: 500, sent: 500, acked: 500 });
    await h.clock.advanceSettling(1000);
    expect(h.samples.map((s) => [s.elapsedSeconds, s.intervalSeconds, s.producer.acked, s.producer.msgsPerSec])).toEqual([
      [1, 1, 1000, 1000],
      [2, 1, 500, 500],
    ]);
    expect(h.samples[1]!.totals).toMatchObject({ scheduled: 1500, acked: 1500 });
    expect(h.samples[0]!.producer.targetRate).toBe(1000);
    // A cut between grid points makes its own window; the grid stays where it was.
    await h.clock.advanceSettling(400);
    h.report({ scheduled: 10, sent: 10, acked: 10 });
    await h.sampler.sample('cut');
    await h.clock.advanceSettling(600);
    expect(h.samples.slice(2).map((s) => [s.elapsedSeconds, s.intervalSeconds])).toEqual([
      [2.4, 0.4],
      [3, 0.6],
    ]);
    expect(h.sampler.series).toHaveLength(4);
    // Held up 2.5 s past the 4 s point: one 3.5 s window, then the next grid point still ahead (7 s), no burst.
    h.clock.stall(3500);
    await h.clock.advanceSettling(0);
    await h.clock.advanceSettling(500);
    expect(h.samples.slice(4).map((s) => [s.elapsedSeconds, s.intervalSeconds])).toEqual([
      [6.5, 3.5],
      [7, 0.5],
    ]);
    h.sampler.stop();
    await h.clock.advanceSettling(5000);
    expect(h.samples).toHaveLength(6);
  });

  it('flags warm-up windows from the first load on, and cuts a window at the end of warm-up', async () => {
    const h = harness({ warmupSeconds: 1.5 });
    h.sampler.start(h.clock.now());
    await h.clock.advanceSettling(1000); // before any load: warm-up has not begun
    expect(h.sampler.loadStarted()).toBe(h.clock.now() + 1500);
    expect(h.sampler.loadStarted()).toBe(h.clock.now() + 1500);
    h.rates.set(1, 100);
    await h.clock.advanceSettling(3000);
    expect(h.samples.map((s) => [s.elapsedSeconds, s.warmup])).toEqual([
      [1, true],
      [2, true],
      [2.5, true],
      [3, false],
      [4, false],
    ]);
    // Saturation counts only measured windows.
    expect(h.sampler.saturation.summary()).toMatchObject({ totalWindows: 2, saturatedWindows: 0 });
  });

  it('counts saturated windows and keeps the worst example of each reason', async () => {
    const h = harness();
    h.sampler.start(h.clock.now());
    h.sampler.loadStarted();
    h.rates.set(1, 100);
    h.main.health = { ...healthy, mainLoopDelayP99Ms: 80, mainLoopDelayMaxMs: 90 };
    await h.clock.advanceSettling(1000);
    h.main.health = { ...healthy, mainLoopDelayP99Ms: 120, mainLoopDelayMaxMs: 130 };
    await h.clock.advanceSettling(1000);
    h.main.health = healthy;
    await h.clock.advanceSettling(1000);
    expect(h.samples.map((s) => s.generator.saturated)).toEqual([true, true, false]);
    const summary = h.sampler.saturation.summary();
    expect(summary).toMatchObject({ totalWindows: 3, saturatedWindows: 2, maxEventLoopDelayMs: { main: 120 } });
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(/^main-thread event-loop delay p99 .* \(worst of 2 windows\)$/);
  });

  it('names a target outage: records due and none acked after the target had answered', async () => {
    const h = harness({ criteria: [{ metric: 'producer.msgsPerSec', op: '>=', value: 500 }] });
    h.sampler.start(h.clock.now());
    h.sampler.loadStarted();
    h.rates.set(1, 1000);
    h.report({ scheduled: 1000, sent: 1000, acked: 1000 });
    await h.clock.advanceSettling(1000);
    h.report({ scheduled: 1000 });
    await h.clock.advanceSettling(1000);
    h.report({ scheduled: 1000, sent: 2000, acked: 2000 });
    await h.clock.advanceSettling(1000);
    expect(h.samples.map((s) => s.outage ?? false)).toEqual([false, true, false]);
    expect(h.sampler.outages).toEqual({ windows: 1, seconds: 1, spans: [{ fromSeconds: 1, toSeconds: 2 }] });
  });

  it('ends the run when a live criterion is violated for abortAfterSeconds', async () => {
    const h = harness({ criteria: [{ metric: 'producer.errorRatePercent', op: '<', value: 1, abortAfterSeconds: 2 }] });
    h.sampler.start(h.clock.now());
    h.sampler.loadStarted();
    h.rates.set(1, 100);
    h.report({ scheduled: 100, sent: 100, acked: 100 });
    await h.clock.advanceSettling(1000);
    h.report({ scheduled: 100, sent: 100, acked: 90, failed: 10, errorsByCode: { INTERNAL: 10 } });
    await h.clock.advanceSettling(1000);
    expect(h.endings).toEqual([]);
    h.report({ scheduled: 100, sent: 100, acked: 90, failed: 10, errorsByCode: { INTERNAL: 10 } });
    await h.clock.advanceSettling(1000);
    expect(h.endings).toHaveLength(1);
    expect(h.endings[0]).toMatchObject({ state: 'aborted', endReason: 'criterion' });
    expect(h.endings[0]!.message).toContain('producer.errorRatePercent < 1');
  });

  it('ends the run as failed when calls fail with UNAVAILABLE and none succeed for unreachableAfterMs', async () => {
    const h = harness({ unreachableAfterMs: 3000 });
    h.sampler.start(h.clock.now());
    h.sampler.loadStarted();
    h.rates.set(1, 100);
    h.report({ scheduled: 100, sent: 100, acked: 100 });
    await h.clock.advanceSettling(1000);
    for (let i = 0; i < 2; i++) {
      h.report({ scheduled: 100, sent: 100, failed: 100, errorsByCode: { UNAVAILABLE: 100 } });
      await h.clock.advanceSettling(1000);
    }
    expect(h.endings).toEqual([]);
    h.report({ scheduled: 100, sent: 100, failed: 100, errorsByCode: { UNAVAILABLE: 100 } });
    await h.clock.advanceSettling(1000);
    expect(h.endings).toHaveLength(1);
    expect(h.endings[0]).toMatchObject({ state: 'failed', endReason: 'target-unreachable', error: { code: 'LH_TARGET_UNREACHABLE' } });
    expect(h.endings[0]!.message).toContain('for 3.0 s');
    // The run is ending: the grid stops.
    await h.clock.advanceSettling(3000);
    expect(h.samples).toHaveLength(4);
  });

  it('tells subscribers of each sample, and of the end of sampling', async () => {
    const h = harness();
    const seen: Array<number | undefined> = [];
    h.sampler.subscribe((s) => seen.push(s?.elapsedSeconds));
    h.sampler.start(h.clock.now());
    await h.clock.advanceSettling(2000);
    h.sampler.stop();
    expect(seen).toEqual([1, 2, undefined]);
    expect(h.sampler.latest?.elapsedSeconds).toBe(2);
  });
});
