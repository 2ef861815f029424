// What a producer costs as their number grows: the worker's one timer visits a producer only when its
// nextWake() has come, with the same sends, acks and drops as a visit every tick; a group's request buffers and
// a producer's slots follow the calls in flight (and their sizes), not the producer count.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeDriver } from '../driver/fake.js';
import type { PendingCall, ProduceCallback } from '../driver/types.js';
import { initHistograms } from '../metrics/histogram.js';
import { PayloadPool } from './payload.js';
import { Producer, producerFrames } from './producer.js';
import { ProducerMetrics } from './producer-metrics.js';
import type { ProducerGroupSpec } from './protocol.js';
import { WakeQueue } from './wake-queue.js';

const T0 = 1_700_000_000_000;
const TICK = 2;
beforeAll(() => initHistograms());
const metricsList: ProducerMetrics[] = [];
afterEach(() => {
  for (const m of metricsList.splice(0)) m.destroy();
});

function group(o: Partial<ProducerGroupSpec>): ProducerGroupSpec {
  return {
    groupId: 1,
    topic: 'scale',
    producers: [],
    messageSize: 64,
    batchSize: 10,
    lingerMs: 5,
    maxInFlight: 2,
    messagesPerProducer: 0,
    payload: 'compressible',
    ackMode: 1,
    dropAfterMs: 50,
    warmupEndEpochMs: T0 + 100,
    startEpochMs: T0,
    seed: 1,
    ...o,
  };
}

function metrics(): ProducerMetrics {
  const m = new ProducerMetrics(true);
  metricsList.push(m);
  return m;
}

describe('Producer wake-ups', () => {
  it('woken only when nextWake() says, it sends, acks, drops and finishes exactly as when visited every tick', () => {
    const g = group({ messagesPerProducer: 900 });
    const make = () => {
      const clock = new FakeClock(T0);
      const driver = new FakeDriver();
      const m = metrics();
      const p = new Producer(
        { id: 3, rate: 1000, partitions: [0, 1, 2], phase: 0.5 },
        g,
        { driver, metrics: m, payload: new PayloadPool('compressible', 64), clock },
        T0,
      );
      return { clock, driver, m, p, sentAt: [] as number[], visits: 0 };
    };
    const every = make();
    const woken = make();
    const queue = new WakeQueue<Producer>();
    woken.p.onWake = (p) => queue.set(p, p.nextWake());
    queue.set(woken.p, woken.p.nextWake());
    const due: Producer[] = [];

    for (let t = 0; t <= 1600; t += TICK) {
      for (const s of [every, woken]) s.clock.advance(T0 + t - s.clock.now());
      const now = T0 + t;
      if (t === 300) for (const s of [every, woken]) s.p.setRate(0, now); // a pause: nothing is due until the next rate
      if (t === 400) for (const s of [every, woken]) s.p.setRate(2000, now);
      every.visits++;
      every.p.service(now);
      for (const p of queue.takeDue(now, due)) {
        woken.visits++;
        p.service(now);
      }
      for (const s of [every, woken]) {
        while (s.sentAt.length < s.driver.produced.length) s.sentAt.push(t);
        // The target answers after 6 ms, except between 100 and 200 ms where it stalls (records expire).
        if (t >= 100 && t < 200) continue;
        for (const [i, c] of s.driver.produced.entries()) if (t - s.sentAt[i]! >= 6) c.ack(i * 100);
      }
      expect(woken.driver.produced.map((c) => [c.partition, c.values.length])).toEqual(
        every.driver.produced.map((c) => [c.partition, c.values.length]),
      );
    }
    expect(every.p.isFinished).toBe(true);
    expect(woken.p.isFinished).toBe(true);
    expect(woken.p.totals()).toEqual(every.p.totals());
    expect(every.p.totals()).toMatchObject({ completed: true, scheduled: 900 });
    expect(every.p.totals().dropped).toBeGreaterThan(0);
    expect(woken.m.measured).toEqual(every.m.measured);
    expect(woken.m.counters(false)).toEqual(every.m.counters(false));
    // The point of it: fewer visits (every tick would be 801), none once it finished.
    expect(woken.visits).toBeLessThan(every.visits * 0.75);
    expect(queue.length).toBe(0);
  });

  it('a slow producer is visited about once per record, not once per tick', () => {
    const clock = new FakeClock(T0);
    const driver = new FakeDriver();
    const p = new Producer(
      { id: 1, rate: 20, partitions: [0], phase: 0 },
      group({ lingerMs: 0 }),
      { driver, metrics: metrics(), payload: new PayloadPool('compressible', 64), clock },
      T0,
    );
    const queue = new WakeQueue<Producer>();
    p.onWake = (x) => queue.set(x, x.nextWake());
    queue.set(p, p.nextWake());
    let visits = 0;
    for (let t = 0; t < 1000; t += TICK) {
      clock.advance(TICK);
      for (const x of queue.takeDue(clock.now(), [])) {
        visits++;
        x.service(clock.now());
      }
      driver.ackAll();
    }
    // Records due at 0, 50, ..., 1000 ms: 21 of them, 500 ticks.
    expect(driver.produced).toHaveLength(21);
    expect(visits).toBeLessThanOrEqual(22);
  });
});

/** A driver on the framed path that holds each call's bytes until the test writes and acks it. */
class FramedDriver extends FakeDriver {
  readonly held: Array<{ written: () => void; callback: ProduceCallback }> = [];
  produceFramed(_bytes: Uint8Array, written: () => void, callback: ProduceCallback): PendingCall {
    this.held.push({ written, callback });
    return { cancel: () => undefined };
  }
}

describe('A thousand producers in one worker', () => {
  it('start without a buffer or slot each; buffers follow the calls in flight and their sizes', () => {
    const clock = new FakeClock(T0);
    const driver = new FramedDriver();
    const m = metrics();
    // 1 KiB records in batches of up to 100: a full-size buffer per producer would be 100 MB.
    const g = group({ messageSize: 1024, batchSize: 100, maxInFlight: 16, dropAfterMs: 10_000, messagesPerProducer: 10 });
    const payload = new PayloadPool('random', 1024);
    const frames = producerFrames(g, payload);
    const queue = new WakeQueue<Producer>();
    const producers = Array.from({ length: 1000 }, (_, id) => {
      const p = new Producer(
        { id, rate: 20, partitions: [id % 100], phase: id / 1000 },
        g,
        { driver, metrics: m, payload, clock, frames },
        T0,
      );
      p.onWake = (x) => queue.set(x, x.nextWake());
      queue.set(p, p.nextWake());
      return p;
    });
    expect(frames.size).toBe(0);
    expect(frames.bytes).toBe(0);
    let answered = 0;
    for (let t = 0; t < 700; t += TICK) {
      clock.advance(TICK);
      for (const p of queue.takeDue(clock.now(), [])) p.service(clock.now());
      // Written at once, answered 4 ms later.
      for (const c of driver.held.slice(answered)) c.written();
      const ready = driver.held.length;
      if (t % 4 === 0) {
        for (const c of driver.held.slice(answered, ready)) c.callback(null, 0);
        answered = ready;
      }
    }
    for (const c of driver.held.slice(answered)) c.callback(null, 0);
    expect(producers.every((p) => p.isFinished)).toBe(true);
    expect(m.measured.acked + m.counters(false).acked).toBe(10_000);
    // 20K records/s of 1-record batches, each buffer back once written: a few buffers of a record or two.
    expect(frames.bytes).toBeLessThan(100 * 1024);
    expect(Math.max(...producers.map((p) => p.slotsMade))).toBeLessThanOrEqual(2);
  });
});
