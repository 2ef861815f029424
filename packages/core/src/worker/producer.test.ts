// The Producer's open-model schedule against a fake driver and a fake clock: what is scheduled, batched,
// sent, acked, failed and dropped at each instant, counted exactly.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeDriver } from '../driver/fake.js';
import { initHistograms } from '../metrics/histogram.js';
import { decodeRecordHeader, verifyRecordChecksum } from '../record-header.js';
import { PayloadPool } from './payload.js';
import { DRAIN_TIMEOUT, Producer } from './producer.js';
import { ProducerMetrics } from './producer-metrics.js';
import type { ProducerGroupSpec } from './protocol.js';

const T0 = 1_700_000_000_000;

beforeAll(() => initHistograms());

interface Setup {
  rate?: number;
  batchSize?: number;
  lingerMs?: number;
  maxInFlight?: number;
  quota?: number;
  dropAfterMs?: number;
  warmupEnd?: number;
  instrument?: boolean;
  partitions?: number[];
}

const metricsList: ProducerMetrics[] = [];
afterEach(() => {
  for (const m of metricsList.splice(0)) m.destroy();
});

function setup(o: Setup = {}) {
  const clock = new FakeClock(T0);
  const driver = new FakeDriver();
  const metrics = new ProducerMetrics(o.instrument ?? false);
  metricsList.push(metrics);
  const group: ProducerGroupSpec = {
    groupId: 1,
    topic: 't',
    producers: [],
    messageSize: 64,
    batchSize: o.batchSize ?? 10,
    lingerMs: o.lingerMs ?? 5,
    maxInFlight: o.maxInFlight ?? 100,
    messagesPerProducer: o.quota ?? 0,
    payload: 'compressible',
    ackMode: 1,
    dropAfterMs: o.dropAfterMs ?? 10_000,
    warmupEndEpochMs: o.warmupEnd ?? T0,
    startEpochMs: T0,
    seed: 1,
  };
  const spec = { id: 7, rate: o.rate ?? 1000, partitions: o.partitions ?? [0], phase: 0 };
  const windowFull = { waits: 0 };
  const producer = new Producer(spec, group, { driver, metrics, payload: new PayloadPool('compressible', 64), clock, windowFull }, T0);
  let finished = 0;
  producer.onFinished = () => finished++;
  /** Moves the clock to T0 + ms and lets the producer look at its schedule, as the worker tick does. */
  const at = (ms: number) => {
    clock.advance(T0 + ms - clock.now());
    producer.service(clock.now());
  };
  return { clock, driver, metrics, producer, at, windowFull, finished: () => finished };
}

describe('Producer schedule', () => {
  it('schedules one record per interval from the start and sends full batches at once', () => {
    const { driver, metrics, producer, at } = setup({ rate: 1000, batchSize: 10 });
    at(0);
    expect(metrics.measured.scheduled).toBe(1);
    expect(driver.produced).toHaveLength(0); // one record lingers
    at(99);
    expect(metrics.measured.scheduled).toBe(100);
    expect(driver.produced.map((c) => c.values.length)).toEqual(Array(10).fill(10));
    expect(metrics.measured.sent).toBe(100);
    expect(metrics.measured.batches).toBe(10);
    expect(producer.inFlightBatches).toBe(10);
    expect(driver.ackAll()).toBe(100);
    expect(metrics.measured.acked).toBe(100);
    expect(metrics.measured.bytes).toBe(100 * 64);
    expect(producer.totals()).toMatchObject({ scheduled: 100, acked: 100, failed: 0, dropped: 0 });
  });

  it('holds a partial batch for lingerMs after its first record was due, then sends what is there', () => {
    const { driver, at } = setup({ rate: 1000, batchSize: 10, lingerMs: 5 });
    at(4);
    expect(driver.produced).toHaveLength(0);
    at(5);
    expect(driver.produced.map((c) => c.values.length)).toEqual([6]);
  });

  it('keeps at most maxInFlight batches in flight; an ack sends the next batch of the backlog', () => {
    const { driver, producer, at } = setup({ rate: 1000, batchSize: 10, maxInFlight: 2 });
    at(99);
    expect(driver.produced).toHaveLength(2);
    expect(producer.inFlightBatches).toBe(2);
    expect(producer.backlog).toBe(80);
    driver.produced[0]!.ack();
    expect(driver.produced).toHaveLength(3);
    expect(producer.inFlightBatches).toBe(2);
    expect(producer.backlog).toBe(70);
  });

  it('counts each time its in-flight window fills with a batch ready, not each look at a full window', () => {
    const { driver, producer, at, windowFull } = setup({ rate: 1000, batchSize: 10, maxInFlight: 2 });
    at(12);
    expect(driver.produced).toHaveLength(1); // 13 due: one full batch out, 3 lingering
    expect(windowFull.waits).toBe(0);
    at(25);
    expect(producer.inFlightBatches).toBe(2);
    expect(windowFull.waits).toBe(1); // records wait behind a full window
    at(40);
    expect(windowFull.waits).toBe(1); // the same filling, seen again
    driver.produced[0]!.ack(); // room: the next batch goes and fills the window again
    expect(producer.inFlightBatches).toBe(2);
    expect(windowFull.waits).toBe(2);
    driver.produced[1]!.ack();
    driver.produced[2]!.ack();
    expect(producer.backlog).toBeLessThan(10);
    at(41);
    expect(windowFull.waits).toBe(2); // window not full, nothing ready: no wait
  });

  it('drops, without sending, the records that could not start within dropAfterMs of their intended time', () => {
    const { driver, metrics, producer, at } = setup({ rate: 1000, batchSize: 10, maxInFlight: 1, dropAfterMs: 50 });
    at(99);
    // Records 0..48 were due more than 50 ms before now (T0+99): dropped; 49..58 go out.
    expect(metrics.measured.dropped).toBe(49);
    expect(driver.produced).toHaveLength(1);
    const header = decodeRecordHeader(Buffer.from(driver.produced[0]!.values[0]!));
    expect(header).toBeNull(); // not instrumented: no header written
    driver.produced[0]!.ack();
    expect(producer.totals()).toMatchObject({ scheduled: 100, acked: 10, dropped: 49 });
    expect(producer.backlog).toBe(100 - 49 - 20);
  });

  it('drops exactly across a setRate segment boundary, the survivors keeping their intended times', () => {
    const { clock, driver, metrics, producer, at } = setup({
      rate: 1000,
      batchSize: 10,
      maxInFlight: 1,
      dropAfterMs: 50,
      instrument: true,
    });
    at(5); // records 0..5 go out after the linger; the one slot stays busy
    producer.setRate(100, T0 + 20); // records 0..20 at 1 ms, then 21, 31, 41, ... at 10 ms from T0+21
    at(200);
    // Cutoff T0+150: 6..20 (15) and 21..33 (intended up to T0+141, 13) are dropped; 34..38 wait.
    expect(metrics.measured.scheduled).toBe(39);
    expect(metrics.measured.dropped).toBe(28);
    expect(producer.backlog).toBe(5);
    driver.produced[0]!.ack();
    const intended = driver.produced[1]!.values.map((v) => decodeRecordHeader(Buffer.from(v))!.intendedTimeMs - T0);
    expect(intended).toEqual([151, 161, 171, 181, 191]);
    expect(clock.now()).toBe(T0 + 200);
    expect(producer.totals()).toMatchObject({ scheduled: 39, dropped: 28 });
  });

  it('drops exactly across a pause: the records before it, then those after the restart', () => {
    const { metrics, producer, at } = setup({ rate: 1000, batchSize: 10, maxInFlight: 1, dropAfterMs: 50 });
    at(5);
    producer.setRate(0, T0 + 20); // 21 records scheduled, then nothing
    at(100);
    expect(metrics.measured.scheduled).toBe(21);
    expect(metrics.measured.dropped).toBe(15); // 6..20
    expect(producer.backlog).toBe(0);
    producer.setRate(1000, T0 + 100); // record 21 is due at T0+101
    at(300);
    // 21..220 scheduled (T0+101..T0+300); cutoff T0+250 drops 21..169 (149).
    expect(metrics.measured.scheduled).toBe(221);
    expect(metrics.measured.dropped).toBe(15 + 149);
    expect(producer.backlog).toBe(51);
  });

  it('splits drops at the warm-up end by intended time', () => {
    const { metrics, at } = setup({ rate: 1000, batchSize: 10, maxInFlight: 1, dropAfterMs: 50, warmupEnd: T0 + 30 });
    at(5);
    at(100);
    expect(metrics.warmup.dropped).toBe(24); // 6..29
    expect(metrics.measured.dropped).toBe(20); // 30..49
    expect(metrics.warmup.scheduled + metrics.measured.scheduled).toBe(101);
  });

  it('splits counts at the warm-up end by intended time', () => {
    const { metrics, at } = setup({ rate: 1000, warmupEnd: T0 + 5 });
    at(9);
    expect(metrics.warmup.scheduled).toBe(5);
    expect(metrics.measured.scheduled).toBe(5);
  });

  it('pauses at rate 0 and restarts one new interval after setRate', () => {
    const { clock, metrics, producer, at } = setup({ rate: 1000 });
    at(9);
    producer.setRate(0, clock.now());
    at(1000);
    expect(metrics.measured.scheduled).toBe(10);
    producer.setRate(100, clock.now());
    at(1009);
    expect(metrics.measured.scheduled).toBe(10);
    at(1010);
    expect(metrics.measured.scheduled).toBe(11);
    at(1030);
    expect(metrics.measured.scheduled).toBe(13);
  });

  it('counts a failed batch under its status and writes record headers with gap-free sequences when instrumented', () => {
    const { driver, metrics, producer, at } = setup({ rate: 1000, batchSize: 10, instrument: true });
    at(19);
    driver.produced[0]!.fail({ status: 'UNAVAILABLE', retriable: true, message: 'down' });
    expect(metrics.measured.errorsByCode).toEqual({ UNAVAILABLE: 10 });
    expect(producer.totals()).toMatchObject({ failed: 10, acked: 0 });
    const sequences = driver.produced.flatMap((c) => c.values.map((v) => decodeRecordHeader(Buffer.from(v))!.sequence));
    expect(sequences).toEqual([...Array(20).keys()]);
    expect(decodeRecordHeader(Buffer.from(driver.produced[1]!.values[0]!))).toMatchObject({ producerId: 7, intendedTimeMs: T0 + 10 });
  });
});

describe('Producer quota and drain', () => {
  it('finishes once its quota is acked, flushing the last partial batch at once', () => {
    const { driver, producer, at, finished } = setup({ rate: 1000, batchSize: 10, quota: 25 });
    at(100);
    expect(driver.produced.map((c) => c.values.length)).toEqual([10, 10, 5]);
    expect(finished()).toBe(0);
    driver.ackAll();
    expect(finished()).toBe(1);
    expect(producer.totals()).toMatchObject({ completed: true, scheduled: 25, acked: 25, failed: 0, dropped: 0 });
    at(1000);
    expect(driver.produced).toHaveLength(3);
  });

  it('on stop sends the backlog and awaits the batches in flight; the drain timer is cleared', () => {
    const { clock, driver, producer, at, finished } = setup({ rate: 1000, batchSize: 10, maxInFlight: 1 });
    at(29);
    producer.stop(1000, clock.now());
    at(500);
    expect(driver.produced).toHaveLength(1);
    driver.ackAll();
    driver.ackAll();
    expect(finished()).toBe(0);
    driver.ackAll();
    expect(finished()).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(producer.totals()).toMatchObject({ completed: false, scheduled: 30, acked: 30, failed: 0, dropped: 0 });
  });

  it('at the drain timeout fails what is in flight with DRAIN_TIMEOUT, cancels it and drops the backlog', () => {
    const { clock, driver, metrics, producer, at, finished } = setup({ rate: 1000, batchSize: 10, maxInFlight: 1 });
    at(29);
    producer.stop(1000, clock.now());
    clock.advance(999);
    expect(finished()).toBe(0);
    clock.advance(1);
    expect(finished()).toBe(1);
    expect(driver.produced[0]!.cancelled).toBe(true);
    expect(metrics.measured.errorsByCode).toEqual({ [DRAIN_TIMEOUT]: 10 });
    expect(producer.totals()).toMatchObject({ scheduled: 30, acked: 0, failed: 10, dropped: 20 });
    driver.produced[0]!.ack(); // a late answer is not counted twice
    expect(producer.totals()).toMatchObject({ acked: 0, failed: 10 });
  });

  it("writes each batch's partition into its record headers when the producer has several", () => {
    const { driver, at } = setup({ rate: 1000, batchSize: 10, partitions: [3, 5], instrument: true });
    at(39);
    const headers = driver.produced.map((c) => c.values.map((v) => decodeRecordHeader(Buffer.from(v))!));
    expect(headers.map((h) => [...new Set(h.map((r) => r.partition))])).toEqual([[3], [5], [3], [5]]);
    expect(headers[3]!.map((r) => r.sequence)).toEqual([...Array(10).keys()].map((k) => 10 + k));
    expect(headers.flat().every((r) => r.producerId === 7 && r.length === 64 && r.version === 2)).toBe(true);
    // The checksum continues the payload CRC cached per buffer: it must match the bytes actually sent.
    expect(driver.produced.flatMap((c) => c.values.map((v) => verifyRecordChecksum(Buffer.from(v))))).toEqual(Array(40).fill(true));
  });

  it('round-robins batches over its partitions', () => {
    const { driver, at } = setup({ rate: 1000, batchSize: 10, partitions: [3, 5] });
    at(39);
    expect(driver.produced.map((c) => c.partition)).toEqual([3, 5, 3, 5]);
  });
});
