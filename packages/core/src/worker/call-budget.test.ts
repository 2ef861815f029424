// The worker's bound on calls in flight (call-budget.ts) keeps the model open: with a target that does not
// answer, a thousand producers never hold more calls than the cap, their records wait with their intended times
// and are dropped after dropAfterMs, and every scheduled record is counted exactly once; when the target answers,
// the waiting producers get the freed calls in the order they waited and finish their quotas.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeDriver } from '../driver/fake.js';
import { initHistograms } from '../metrics/histogram.js';
import { saturationReasons } from '../metrics/generator-monitor.js';
import { CallBudget } from './call-budget.js';
import { PayloadPool } from './payload.js';
import { Producer, producerFrames } from './producer.js';
import { ProducerMetrics } from './producer-metrics.js';
import type { ProducerGroupSpec } from './protocol.js';
import { WakeQueue } from './wake-queue.js';

const T0 = 1_700_000_000_000;
const TICK = 2;
const CAP = 64;
beforeAll(() => initHistograms());
const metricsList: ProducerMetrics[] = [];
afterEach(() => {
  for (const m of metricsList.splice(0)) m.destroy();
});

describe('A worker at its cap of calls in flight', () => {
  it('never exceeds it; waiting records are late, then dropped, and counted exactly; freed calls go in waiting order', () => {
    const clock = new FakeClock(T0);
    const driver = new FakeDriver();
    const m = new ProducerMetrics(true);
    metricsList.push(m);
    const g: ProducerGroupSpec = {
      groupId: 1,
      topic: 'budget',
      producers: [],
      messageSize: 64,
      batchSize: 10,
      lingerMs: 5,
      maxInFlight: 16,
      messagesPerProducer: 40,
      payload: 'compressible',
      ackMode: 1,
      dropAfterMs: 200,
      warmupEndEpochMs: T0,
      startEpochMs: T0,
      seed: 1,
    };
    const payload = new PayloadPool('compressible', 64);
    const budget = new CallBudget(CAP);
    const queue = new WakeQueue<Producer>();
    const ctx = { driver, metrics: m, payload, clock, frames: producerFrames(g, payload), budget };
    const producers = Array.from({ length: 1000 }, (_, id) => {
      const p = new Producer({ id, rate: 20, partitions: [id % 100], phase: id / 1000 }, g, ctx, T0);
      p.onWake = (x) => queue.set(x, x.nextWake());
      queue.set(p, p.nextWake());
      return p;
    });
    let maxInFlight = 0;
    const step = () => {
      clock.advance(TICK);
      for (const p of queue.takeDue(clock.now(), [])) p.service(clock.now());
      maxInFlight = Math.max(maxInFlight, budget.inFlight, driver.produced.filter((c) => !c.settled).length);
    };
    const sent = () => driver.produced.reduce((n, c) => n + c.values.length, 0);
    const backlog = () => producers.reduce((n, p) => n + p.backlog, 0);

    // 1 s without an answer: the first 64 producers' first records hold every call; every producer then waits,
    // queued once (not once per record or per tick).
    for (let t = 0; t < 1000; t += TICK) step();
    expect(driver.produced.length).toBe(CAP);
    expect(maxInFlight).toBe(CAP);
    expect(budget.waiting).toBe(1000);
    expect(budget.takeWaits()).toEqual({ waits: 1000, peak: CAP });
    const c = m.measured;
    expect(c.scheduled).toBe(sent() + c.dropped + backlog());
    // Records wait with their intended times: all intended more than dropAfterMs (and a tick) ago are gone.
    let stale = 0;
    for (const p of producers) for (let i = 0; i < 40; i++) if (p.id * 0.05 + i * 50 < 1000 - 200 - TICK) stale++;
    expect(c.dropped).toBeGreaterThanOrEqual(stale - CAP);
    expect(c.dropped).toBeGreaterThan(0);

    // The target answers (each call 2 ms after it was made): the waiters send in order, never above the cap.
    for (let t = 0; t < 4000 && !producers.every((p) => p.isFinished); t += TICK) {
      for (const call of driver.produced) if (!call.settled) call.ack();
      step();
    }
    for (const call of driver.produced) if (!call.settled) call.ack();
    expect(producers.every((p) => p.isFinished)).toBe(true);
    expect(maxInFlight).toBe(CAP);
    expect(c.scheduled).toBe(40_000);
    expect(c.acked + c.dropped).toBe(40_000);
    expect(c.acked).toBe(sent());
    expect(c.failed).toBe(0);
    // Producer 64 waited first (its first record came due right after the 64 that took the calls): the first
    // freed call is its; the producers that held the calls queued behind all others.
    expect(driver.produced[CAP]!.partition).toBe(64);
    expect(driver.produced[CAP]!.values.length).toBeGreaterThan(1);
    expect(budget.inFlight).toBe(0);
    expect(budget.waiting).toBe(0);
  });

  it('gets its calls back when a drain timeout abandons them; every record ends failed or dropped', () => {
    const clock = new FakeClock(T0);
    const driver = new FakeDriver();
    const m = new ProducerMetrics(false);
    metricsList.push(m);
    const g = {
      groupId: 1,
      topic: 'budget',
      producers: [],
      messageSize: 64,
      batchSize: 10,
      lingerMs: 5,
      maxInFlight: 16,
      messagesPerProducer: 0,
      payload: 'compressible' as const,
      ackMode: 1,
      dropAfterMs: 10_000,
      warmupEndEpochMs: T0,
      startEpochMs: T0,
      seed: 1,
    };
    const payload = new PayloadPool('compressible', 64);
    const budget = new CallBudget(4);
    const ctx = { driver, metrics: m, payload, clock, budget };
    const producers = Array.from({ length: 10 }, (_, id) => new Producer({ id, rate: 100, partitions: [id], phase: id / 10 }, g, ctx, T0));
    for (let t = 0; t < 100; t += TICK) {
      clock.advance(TICK);
      for (const p of producers) p.service(clock.now());
    }
    expect(budget.inFlight).toBe(4);
    expect(driver.produced.length).toBe(4);
    for (const p of producers) p.stop(50, clock.now());
    clock.advance(50);
    expect(producers.every((p) => p.isFinished)).toBe(true);
    // A call freed by one producer's timeout may carry another's backlog until that one's own timeout.
    expect(budget.inFlight).toBe(0);
    expect(budget.waiting).toBe(0);
    expect(m.measured.failed).toBe(driver.produced.reduce((n, c) => n + c.values.length, 0));
    expect(m.measured.scheduled).toBe(m.measured.failed + m.measured.dropped);
  });

  it("flags the window as the generator's saturation", () => {
    const lat = { count: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    const input = {
      mainLoopDelayP99Ms: 1,
      mainLoopDelayMaxMs: 5,
      window: undefined,
      workerLoopDelayMaxMs: 1,
      workerUtilizationMax: 0.2,
      cpuPercent: 10,
      cores: 2,
      lingerMs: 5,
      catchingUp: false,
      producer: { latency: { response: lat, service: lat, scheduleLag: lat } } as never,
    };
    expect(saturationReasons(input)).toEqual([]);
    expect(saturationReasons({ ...input, callCap: { cap: 512, waits: 3 } })).toEqual([
      "calls in flight reached a worker's cap of 512 (3 waits): records waited for a call; more connections or --max-calls-per-connection raise the cap",
    ]);
  });
});
