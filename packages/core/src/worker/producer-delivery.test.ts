// The Producer's retries, idempotent fields and transaction boundaries against a fake driver and a fake clock:
// what is sent again, with which sequence, and when a transaction begins and ends, counted exactly.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeDriver } from '../driver/fake.js';
import type { DriverFailure, PendingCall, ProduceBatch, ProduceCallback, ProducerIdentity } from '../driver/types.js';
import { initHistograms } from '../metrics/histogram.js';
import type { DeliveryConfig } from '../types.js';
import { AckLog } from '../verify/run-log.js';
import { PayloadPool } from './payload.js';
import { Producer } from './producer.js';
import { ProducerMetrics } from './producer-metrics.js';
import type { ProducerGroupSpec } from './protocol.js';

const T0 = 1_700_000_000_000;
const UNAVAILABLE: DriverFailure = { status: 'UNAVAILABLE', retriable: true, message: 'ack lost' };
const FENCED: DriverFailure = { status: 'FAILED_PRECONDITION', retriable: false, message: 'fenced' };

beforeAll(() => initHistograms());

/** A fake driver with InitProducer and transactions; answers a produce call as a duplicate when asked. */
class IdempotentFakeDriver extends FakeDriver {
  readonly sentFields: Array<Pick<ProduceBatch, 'producerId' | 'producerEpoch' | 'baseSequence' | 'transactionId'>> = [];
  readonly duplicates = new Set<number>();
  readonly ended: Array<{ id: string; commit: boolean }> = [];
  inits = 0;
  begins = 0;
  /** EndTransaction calls that fail (the target's answer lost): the transaction's outcome is unknown. */
  endFails = 0;

  override produce(batch: ProduceBatch, callback: ProduceCallback): PendingCall {
    const { producerId, producerEpoch, baseSequence, transactionId } = batch;
    const i = this.sentFields.push({ producerId, producerEpoch, baseSequence, transactionId }) - 1;
    return super.produce(batch, (f, o) => callback(f, o, !f && this.duplicates.has(i)));
  }
  initProducer(): Promise<ProducerIdentity> {
    this.inits++;
    return Promise.resolve({ producerId: 'p-9', epoch: 3 });
  }
  beginTransaction(): Promise<string> {
    return Promise.resolve(`tx-${++this.begins}`);
  }
  endTransaction(_p: ProducerIdentity, id: string, commit: boolean): Promise<void> {
    this.ended.push({ id, commit });
    if (this.endFails > 0) {
      this.endFails--;
      return Promise.reject(new Error('UNAVAILABLE: connection lost'));
    }
    return Promise.resolve();
  }
}

const metricsList: ProducerMetrics[] = [];
afterEach(() => {
  for (const m of metricsList.splice(0)) m.destroy();
});

function setup(delivery: DeliveryConfig, quota = 0) {
  const clock = new FakeClock(T0);
  const driver = new IdempotentFakeDriver();
  const metrics = new ProducerMetrics(true); // record headers written: each batch's values differ
  metricsList.push(metrics);
  const group: ProducerGroupSpec = {
    groupId: 1,
    topic: 't',
    producers: [],
    messageSize: 64,
    batchSize: 10,
    lingerMs: 5,
    maxInFlight: 100,
    messagesPerProducer: quota,
    payload: 'compressible',
    ackMode: 1,
    dropAfterMs: 10_000,
    warmupEndEpochMs: T0,
    startEpochMs: T0,
    seed: 1,
    delivery,
  };
  const spec = { id: 7, rate: 1000, partitions: [0], phase: 0 };
  const acks = new AckLog();
  const producer = new Producer(spec, group, { driver, metrics, payload: new PayloadPool('compressible', 64), clock, acks }, T0);
  const at = (ms: number) => {
    clock.advance(T0 + ms - clock.now());
    producer.service(clock.now());
  };
  /** Lets the driver's resolved promises (InitProducer, transactions) reach the producer. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { clock, driver, metrics, producer, at, settle, acks };
}

describe('Producer delivery: retries and idempotence', () => {
  it('sends nothing before InitProducer answers, then stamps id, epoch and base sequence; a retry resends the same sequence', async () => {
    const { driver, metrics, producer, at, settle } = setup({ idempotent: true, retries: 2, transactions: null });
    at(19);
    expect(driver.produced).toHaveLength(0);
    await settle();
    expect(driver.inits).toBe(1);
    expect(driver.sentFields).toEqual([
      { producerId: 'p-9', producerEpoch: 3, baseSequence: 0, transactionId: undefined },
      { producerId: 'p-9', producerEpoch: 3, baseSequence: 10, transactionId: undefined },
    ]);
    const first = driver.produced[0]!;
    first.fail(UNAVAILABLE);
    expect(metrics.measured.failed).toBe(0);
    at(19 + 25); // the first back-off
    expect(driver.sentFields[2]).toMatchObject({ baseSequence: 0 });
    expect(driver.produced[2]!.values).toEqual(first.values);
    driver.duplicates.add(2);
    driver.produced[2]!.ack();
    driver.produced[1]!.fail(FENCED);
    expect(metrics.measured.acked).toBe(10);
    expect(metrics.measured.failed).toBe(10);
    expect(metrics.measured.errorsByCode).toEqual({ FAILED_PRECONDITION: 10 });
    expect(producer.totals().delivery).toMatchObject({
      initProducerCalls: 1,
      retriedBatches: 1,
      retriedRecords: 10,
      duplicateBatches: 1,
      fenced: 1,
    });
  });

  it('a batch fails for good once its retries are spent; without idempotence no producer id is sent', () => {
    const { driver, metrics, producer, at } = setup({ idempotent: false, retries: 1, transactions: null });
    at(9);
    expect(driver.sentFields).toEqual([
      { producerId: undefined, producerEpoch: undefined, baseSequence: undefined, transactionId: undefined },
    ]);
    driver.produced[0]!.fail(UNAVAILABLE);
    at(9 + 25);
    expect(driver.produced[1]!.values).toEqual(driver.produced[0]!.values); // the retry, before the next batches
    driver.produced[1]!.fail(UNAVAILABLE);
    at(200);
    expect(metrics.measured.failed).toBe(10);
    expect(producer.totals().delivery).toMatchObject({ initProducerCalls: 0, retriedBatches: 1 });
  });
});

describe('Producer delivery: transactions', () => {
  it('fills a transaction, waits for its acks, commits, then begins the next; the last one ends when the quota is sent', async () => {
    const { driver, producer, at, settle, acks } = setup(
      { idempotent: true, retries: 5, transactions: { recordsPerTransaction: 20, abortRatio: 0, seed: 1 } },
      30,
    );
    at(0);
    await settle(); // InitProducer, then BeginTransaction
    at(39);
    expect(driver.sentFields.map((f) => [f.transactionId, f.baseSequence])).toEqual([
      ['tx-1', 0],
      ['tx-1', 10],
    ]);
    driver.ackAll();
    await settle();
    expect(driver.ended).toEqual([{ id: 'tx-1', commit: true }]);
    // Its records are logged as committed once the commit is answered (partition, offset -1, count, producer, sequence).
    expect(acks.committed.take()).toEqual([0, -1, 20, 7, 0]);
    await settle();
    at(40);
    expect(driver.sentFields.map((f) => [f.transactionId, f.baseSequence])).toEqual([
      ['tx-1', 0],
      ['tx-1', 10],
      ['tx-2', 20],
    ]);
    driver.ackAll();
    await settle();
    expect(driver.ended).toEqual([
      { id: 'tx-1', commit: true },
      { id: 'tx-2', commit: true },
    ]);
    expect(producer.isFinished).toBe(true);
    expect(producer.totals().delivery).toMatchObject({ committed: 2, committedRecords: 30, aborted: 0 });
    expect(acks.committed.take()).toEqual([0, -1, 10, 7, 20]);
  });

  it('logs nothing as committed of an aborted transaction', async () => {
    const { driver, producer, at, settle, acks } = setup(
      { idempotent: true, retries: 5, transactions: { recordsPerTransaction: 20, abortRatio: 1, seed: 1 } },
      20,
    );
    at(0);
    await settle();
    at(19);
    driver.ackAll();
    await settle();
    expect(driver.ended).toEqual([{ id: 'tx-1', commit: false }]);
    expect(producer.totals().delivery).toMatchObject({ committed: 0, aborted: 1, abortedRecords: 20 });
    expect(acks.committed.size).toBe(0);
    expect(acks.uncertain.size).toBe(0);
  });

  it('logs the records of a transaction whose commit was never answered as uncertain, not committed', async () => {
    const { driver, producer, at, settle, acks } = setup(
      { idempotent: true, retries: 5, transactions: { recordsPerTransaction: 20, abortRatio: 0, seed: 1 } },
      20,
    );
    driver.endFails = 1;
    at(0);
    await settle();
    at(19);
    driver.ackAll();
    await settle();
    expect(driver.ended).toEqual([{ id: 'tx-1', commit: true }]);
    expect(producer.totals().delivery).toMatchObject({ committed: 0, uncertainRecords: 20 });
    expect(acks.committed.size).toBe(0);
    expect(acks.uncertain.take()).toEqual([0, -1, 20, 7, 0]);
  });
});
