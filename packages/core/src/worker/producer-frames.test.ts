// The producer's request buffers on the framed path (a driver with produceFramed): each call's bytes are the
// whole gRPC-framed request, untouched while the driver holds them, and the buffers a group needs follow the
// calls in flight, not the producers or the batches.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeDriver } from '../driver/fake.js';
import type { PendingCall, ProduceCallback } from '../driver/types.js';
import { initHistograms } from '../metrics/histogram.js';
import { requestCodec } from '../proto/codec.js';
import { decodeRecordHeader } from '../record-header.js';
import { PayloadPool } from './payload.js';
import { Producer, producerFrames } from './producer.js';
import { ProducerMetrics } from './producer-metrics.js';
import type { ProducerGroupSpec } from './protocol.js';

const T0 = 1_700_000_000_000;
beforeAll(() => initHistograms());

interface HeldCall {
  bytes: Uint8Array;
  written: () => void;
  callback: ProduceCallback;
}

/** A fake driver on the framed path: it keeps each request's bytes (not a copy) until the test writes them. */
class FramedDriver extends FakeDriver {
  readonly held: HeldCall[] = [];
  produceFramed(bytes: Uint8Array, written: () => void, callback: ProduceCallback): PendingCall {
    this.held.push({ bytes, written, callback });
    return { cancel: () => undefined };
  }
  /** Writes and acks call i, as a real stream would: written first. */
  finish(i: number): void {
    const c = this.held[i]!;
    c.written();
    c.callback(null, 0);
  }
}

const metricsList: ProducerMetrics[] = [];
afterEach(() => {
  for (const m of metricsList.splice(0)) m.destroy();
});

function group(maxInFlight: number, quota = 0): ProducerGroupSpec {
  return {
    groupId: 1,
    topic: 'frames',
    producers: [],
    messageSize: 64,
    batchSize: 10,
    lingerMs: 5,
    maxInFlight,
    messagesPerProducer: quota,
    payload: 'random',
    ackMode: 1,
    dropAfterMs: 10_000,
    warmupEndEpochMs: T0,
    startEpochMs: T0,
    seed: 1,
  };
}

const decode = (bytes: Uint8Array) => {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(b[0]).toBe(0);
  expect(b.readUInt32BE(1)).toBe(b.length - 5);
  return requestCodec('ProduceBatch').decode(b.subarray(5));
};

describe('Producer on the framed path', () => {
  it('sends whole framed requests whose bytes stay untouched until written; buffers are reused after that', () => {
    const clock = new FakeClock(T0);
    const driver = new FramedDriver();
    const metrics = new ProducerMetrics(true);
    metricsList.push(metrics);
    const g = group(3, 45);
    const payload = new PayloadPool('random', 64);
    const frames = producerFrames(g, payload);
    const producer = new Producer(
      { id: 7, rate: 1000, partitions: [0, 5, 300], phase: 0 },
      g,
      { driver, metrics, payload, clock, frames },
      T0,
    );
    clock.advance(29);
    producer.service(clock.now());
    expect(driver.held).toHaveLength(3);
    expect(frames.size).toBe(3);
    const snapshot = driver.held.map((c) => Buffer.from(c.bytes));
    const requests = driver.held.map((c) => decode(c.bytes));
    expect(requests.map((r) => [r.topic, r.partition, r.ackMode, r.records.length])).toEqual([
      ['frames', 0, 1, 10],
      ['frames', 5, 1, 10],
      ['frames', 300, 1, 10],
    ]);
    for (const [k, r] of requests.entries()) {
      const headers = r.records.map((rec) => decodeRecordHeader(Buffer.from(rec.value)));
      expect(headers.map((h) => [h?.producerId, h?.sequence, h?.partition])).toEqual(
        Array.from({ length: 10 }, (_, j) => [7, j, [0, 5, 300][k]]),
      );
    }

    // Call 1 is written and acked; the next batch takes its buffer, and calls 0 and 2 keep their bytes.
    clock.advance(10);
    driver.finish(1);
    expect(driver.held).toHaveLength(4);
    expect(frames.size).toBe(3);
    expect(Buffer.from(driver.held[0]!.bytes).equals(snapshot[0]!)).toBe(true);
    expect(Buffer.from(driver.held[2]!.bytes).equals(snapshot[2]!)).toBe(true);
    expect(decode(driver.held[3]!.bytes).partition).toBe(0);

    // The quota's last 5 records go out as a short batch once the rest is written.
    clock.advance(10);
    for (const i of [0, 2, 3]) driver.finish(i);
    expect(driver.held).toHaveLength(5);
    const last = decode(driver.held[4]!.bytes);
    expect(last.records).toHaveLength(5);
    driver.finish(4);
    expect(producer.isFinished).toBe(true);
    expect(producer.totals()).toMatchObject({ scheduled: 45, acked: 45, failed: 0, dropped: 0 });
    expect(frames.size).toBe(3);
  });

  it('shares one pool between a group producers: buffers follow the calls in flight, not the producer count', () => {
    const clock = new FakeClock(T0);
    const driver = new FramedDriver();
    const metrics = new ProducerMetrics(false);
    metricsList.push(metrics);
    const g = group(1);
    const payload = new PayloadPool('compressible', 64);
    const frames = producerFrames(g, payload);
    const producers = Array.from(
      { length: 50 },
      (_, id) => new Producer({ id, rate: 100, partitions: [id], phase: 0 }, g, { driver, metrics, payload, clock, frames }, T0),
    );
    expect(frames.size).toBe(0);
    for (let step = 0; step < 5; step++) {
      clock.advance(100);
      for (const p of producers) p.service(clock.now());
      // Every producer has one call out; writing them all frees every buffer for the next round.
      const open = driver.held.slice(-50);
      expect(open.map((c) => decode(c.bytes).records.length)).toEqual(Array(50).fill(10));
      for (const c of open) {
        c.written();
        c.callback(null, 0);
      }
    }
    expect(driver.held).toHaveLength(250);
    expect(frames.size).toBe(50);
  });
});
