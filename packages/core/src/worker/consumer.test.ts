// The Consumer's polling against a fake driver and a fake clock: one poll per partition at a time, offsets
// that advance by what was read, back-off after empty and failed polls, sequence checks, commits and drain.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeDriver } from '../driver/fake.js';
import { initHistograms } from '../metrics/histogram.js';
import { CONSUMER_HISTOGRAMS, HistogramSet, HISTOGRAMS } from '../metrics/histogram-set.js';
import { RECORD_HEADER_SIZE, writeRecordHeader } from '../record-header.js';
import { Consumer, DRAIN_TIMEOUT, EMPTY_POLL_BACKOFF_MS, ERROR_BACKOFF_MS } from './consumer.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { IntegrityCounter } from './integrity.js';
import type { ConsumerGroupSpec } from './protocol.js';

const T0 = 1_700_000_000_000;

beforeAll(() => initHistograms());

const metricsList: ConsumerMetrics[] = [];
afterEach(() => {
  for (const m of metricsList.splice(0)) m.destroy();
});

function setup(partitions: number[], maxInFlight = 8) {
  const clock = new FakeClock(T0);
  const driver = new FakeDriver();
  const metrics = new ConsumerMetrics();
  metricsList.push(metrics);
  const integrity = new IntegrityCounter();
  const commitErrors: string[] = [];
  const group: ConsumerGroupSpec = {
    groupId: 1,
    topic: 't',
    consumers: [],
    ratePerPartition: 'max',
    maxRecords: 100,
    maxInFlight,
    group: 'g',
    commitEveryMs: 0,
    warmupEndEpochMs: T0,
    runStartEpochMs: T0 - 1000,
  };
  const spec = { k: 0, partitions: partitions.map((partition) => ({ partition, startOffset: 0 })) };
  const ctx = {
    driver,
    metrics,
    integrity,
    instrument: true,
    clock,
    onCommitError: (p: number, code: string) => void commitErrors.push(`${p}:${code}`),
  };
  const consumer = new Consumer(spec, group, ctx, T0);
  return { clock, driver, metrics, integrity, consumer, commitErrors };
}

/** Records of producer 1 with sequences [from, to) at offsets [from, to), stamped T0. */
function records(from: number, to: number, partition = 0): Array<{ offset: number; value: Uint8Array }> {
  const out = [];
  for (let s = from; s < to; s++) {
    const value = Buffer.alloc(RECORD_HEADER_SIZE + 8);
    writeRecordHeader(value, 0, 1, s, T0, partition, value.length);
    out.push({ offset: s, value });
  }
  return out;
}

describe('Consumer', () => {
  it('polls each partition once at a time and reads on from the next offset', () => {
    const { driver, metrics, integrity, consumer, clock } = setup([0, 1]);
    consumer.service(clock.now());
    expect(driver.fetches.map((f) => [f.request.partition, f.request.offset, f.request.group])).toEqual([
      [0, 0, 'g'],
      [1, 0, 'g'],
    ]);
    consumer.service(clock.now());
    expect(driver.fetches).toHaveLength(2);
    clock.advance(3);
    driver.fetches[0]!.answer(records(0, 5), 9);
    // The answer polls again at once, from offset 5.
    expect(driver.fetches.map((f) => [f.request.partition, f.request.offset])).toEqual([
      [0, 0],
      [1, 0],
      [0, 5],
    ]);
    expect(metrics.measured).toMatchObject({ consumed: 5, polls: 1, emptyPolls: 0, foreign: 0 });
    expect(integrity.tally).toMatchObject({ checked: 5, missing: 0, duplicates: 0 });
    const lags: Array<{ groupId: number; partition: number; lag: number }> = [];
    consumer.lags(lags, 1);
    expect(lags).toEqual([{ groupId: 1, partition: 0, lag: 4, topic: 't' }]);
  });

  it('backs off after an empty poll and after a failed one, counting the failure under its status', () => {
    const { driver, metrics, consumer, clock } = setup([0, 1]);
    consumer.service(clock.now());
    driver.fetches[0]!.answer([], 0);
    driver.fetches[1]!.fail({ status: 'UNAVAILABLE', retriable: true, message: 'down' });
    expect(metrics.measured).toMatchObject({ polls: 1, emptyPolls: 1, errorsByCode: { UNAVAILABLE: 1 } });
    clock.advance(EMPTY_POLL_BACKOFF_MS - 1);
    consumer.service(clock.now());
    expect(driver.fetches).toHaveLength(2);
    clock.advance(1);
    consumer.service(clock.now());
    expect(driver.fetches.map((f) => f.request.partition)).toEqual([0, 1, 0]);
    clock.advance(ERROR_BACKOFF_MS - EMPTY_POLL_BACKOFF_MS);
    consumer.service(clock.now());
    expect(driver.fetches.map((f) => f.request.partition)).toEqual([0, 1, 0, 1]);
  });

  it('counts a sequence gap as missing', () => {
    const { driver, integrity, consumer, clock } = setup([0]);
    consumer.service(clock.now());
    driver.fetches[0]!.answer([...records(0, 3), ...records(5, 8)], 8);
    expect(integrity.tally).toMatchObject({ checked: 6, missing: 2 });
  });

  it('commits the offsets that moved, and on stop awaits its polls; abandon counts them as DRAIN_TIMEOUT', async () => {
    const { driver, metrics, consumer, clock } = setup([0, 1]);
    consumer.service(clock.now());
    driver.fetches[0]!.answer(records(0, 4), 4);
    await consumer.commit();
    expect(driver.commits).toEqual([{ group: 'g', topic: 't', partition: 0, offset: 4 }]);
    await consumer.commit(); // nothing moved since
    expect(driver.commits).toHaveLength(1);
    let stopped = false;
    const stop = consumer.stop().then(() => (stopped = true));
    driver.fetches[2]!.answer([], 4);
    await Promise.resolve();
    expect(stopped).toBe(false); // partition 1's poll is still out
    consumer.abandon();
    await stop;
    expect(driver.fetches[1]!.cancelled).toBe(true);
    expect(metrics.measured.errorsByCode).toEqual({ [DRAIN_TIMEOUT]: 1 });
  });

  it('times each commit from call to ack, counts failures by status, and a crash drops its polls and keeps its positions', async () => {
    const { driver, metrics, consumer, clock, commitErrors } = setup([0, 1]);
    // Commits answer when the test says, after the fake clock moved.
    const acks: Array<(failure: { status: string; retriable: boolean; message: string } | null) => void> = [];
    driver.commitOffset = (commit, callback) => {
      driver.commits.push({ ...commit });
      acks.push(callback);
    };
    consumer.service(clock.now());
    driver.fetches[0]!.answer(records(0, 4), 10);
    driver.fetches[1]!.answer(records(0, 2, 1), 10);
    const first = consumer.commit();
    clock.advance(7);
    acks[0]!(null);
    acks[1]!({ status: 'UNAVAILABLE', retriable: true, message: 'down' });
    await first;
    expect(metrics.measured).toMatchObject({ commits: 1, commitsFailed: 1, commitErrorsByCode: { UNAVAILABLE: 1 } });
    expect(commitErrors).toEqual(['1:UNAVAILABLE']);
    const report = metrics.report([], []);
    expect(report.measured.commits).toBe(1);
    const decoded = HistogramSet.decode(CONSUMER_HISTOGRAMS, [report.histograms]);
    const commitLatency = decoded.summarize([HISTOGRAMS.consumer.commit]).commit;
    decoded.destroy();
    expect(commitLatency.count).toBe(1);
    expect(commitLatency.max).toBeCloseTo(7, 1);
    consumer.service(clock.now());
    driver.fetches[2]!.answer(records(4, 6), 10);
    // Crashed with a poll out on partition 1: it is cancelled, not an error, and no commit is sent.
    consumer.crash();
    await consumer.commitsSettled();
    expect(driver.fetches[3]!.cancelled).toBe(true);
    expect(metrics.measured.errorsByCode).toEqual({});
    expect(driver.commits).toHaveLength(2);
    const positions: Parameters<Consumer['positions']>[0] = [];
    consumer.positions(positions);
    expect(positions).toEqual([
      { topic: 't', partition: 0, startOffset: 0, next: 6, committed: 4, firstRecordEpochMs: T0 },
      { topic: 't', partition: 1, startOffset: 0, next: 2, committed: 0, firstRecordEpochMs: T0 },
    ]);
  });
});
