import { describe, expect, it } from 'vitest';
import { agentForTests, clientForTests } from '../../core/src/test-support.js';
import { grpc, isServiceError } from '@loadhouse/core/wire';
import { type Admission, ProducerRegistry } from './producer-state.js';

const agent = agentForTests();
const client = clientForTests(agent);

const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r${from + i}`) }));

async function topic(name: string): Promise<string> {
  await client.createTopic({ name, partitionCount: 1 });
  return name;
}

async function readAll(name: string): Promise<string[]> {
  const res = await client.consume({ topic: name, partition: 0, offset: 0, maxRecords: 1000 });
  return res.records.map((r) => Buffer.from(r.value).toString());
}

function code(err: unknown): number | undefined {
  return isServiceError(err) ? err.code : undefined;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('agent: idempotent producer', () => {
  it('filters a retried batch with the same base sequence and answers a gap or a stale sequence FAILED_PRECONDITION', async () => {
    const t = await topic('idem-dedup');
    const { producerId, epoch } = await client.call('InitProducer', { timeoutMs: 0 });
    const batch = (base: number, n: number) => ({
      topic: t,
      partition: 0,
      records: records(base, n),
      producerId,
      producerEpoch: epoch,
      baseSequence: base,
    });
    const first = await client.produceBatch(batch(0, 3));
    expect(first).toMatchObject({ firstOffset: 0, count: 3, duplicatesFiltered: false });
    await client.produceBatch(batch(3, 2));
    // The retry of the first batch answers its original offsets and stores nothing.
    expect(await client.produceBatch(batch(0, 3))).toMatchObject({ firstOffset: 0, lastOffset: 2, duplicatesFiltered: true });
    expect(code(await failure(client.produceBatch(batch(1, 3))))).toBe(grpc.status.FAILED_PRECONDITION);
    expect(await readAll(t)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(code(await failure(client.produceBatch({ ...batch(5, 1), producerId: 'nobody' })))).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it('stores a batch that arrived ahead of its predecessor once the predecessor arrives', async () => {
    const t = await topic('idem-order');
    const { producerId } = await client.call('InitProducer', { timeoutMs: 0 });
    const batch = (base: number) => ({
      topic: t,
      partition: 0,
      records: records(base, 2),
      producerId,
      producerEpoch: 0,
      baseSequence: base,
    });
    const ahead = client.produceBatch(batch(2));
    await new Promise((r) => setTimeout(r, 50));
    await client.produceBatch(batch(0));
    expect(await ahead).toMatchObject({ firstOffset: 2, duplicatesFiltered: false });
    expect(await readAll(t)).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  it('fences the older holder of a transactional id', async () => {
    const t = await topic('idem-fence');
    const a = await client.call('InitProducer', { transactionalId: 'tx-fence', timeoutMs: 0 });
    const b = await client.call('InitProducer', { transactionalId: 'tx-fence', timeoutMs: 0 });
    expect(b.producerId).toBe(a.producerId);
    expect(b.epoch).toBe(a.epoch + 1);
    const old = { topic: t, partition: 0, records: records(0, 1), producerId: a.producerId, producerEpoch: a.epoch, baseSequence: 0 };
    const err = await failure(client.produceBatch(old));
    expect(code(err)).toBe(grpc.status.FAILED_PRECONDITION);
    expect(String((err as Error).message)).toMatch(/fenced/);
    expect((await client.call('Heartbeat', { producerId: a.producerId, producerEpoch: a.epoch })).valid).toBe(false);
    expect((await client.call('Heartbeat', { producerId: b.producerId, producerEpoch: b.epoch })).valid).toBe(true);
    expect(code(await failure(client.call('BeginTransaction', { producerId: a.producerId, producerEpoch: a.epoch, timeoutMs: 0 })))).toBe(
      grpc.status.FAILED_PRECONDITION,
    );
    await client.produceBatch({ ...old, producerEpoch: b.epoch });
    expect(await readAll(t)).toEqual(['r0']);
  });

  it('makes a transaction readable at commit only, and never an aborted one', async () => {
    const t = await topic('idem-txn');
    const p = await client.call('InitProducer', { transactionalId: 'tx-1', timeoutMs: 0 });
    const ids = { producerId: p.producerId, producerEpoch: p.epoch };
    let seq = 0;
    const send = async (transactionId: string, n: number) => {
      await client.produceBatch({ topic: t, partition: 0, records: records(seq, n), ...ids, baseSequence: seq, transactionId });
      seq += n;
    };
    const t1 = (await client.call('BeginTransaction', { ...ids, timeoutMs: 0 })).transactionId;
    await send(t1, 2);
    await send(t1, 1);
    expect(await readAll(t)).toEqual([]);
    expect(code(await failure(client.call('BeginTransaction', { ...ids, timeoutMs: 0 })))).toBe(grpc.status.FAILED_PRECONDITION);
    expect((await client.call('CommitTransaction', { ...ids, transactionId: t1 })).success).toBe(true);
    expect(await readAll(t)).toEqual(['r0', 'r1', 'r2']);

    const t2 = (await client.call('BeginTransaction', { ...ids, timeoutMs: 0 })).transactionId;
    await send(t2, 2);
    expect((await client.call('AbortTransaction', { ...ids, transactionId: t2 })).success).toBe(true);
    expect(code(await failure(client.call('CommitTransaction', { ...ids, transactionId: t2 })))).toBe(grpc.status.FAILED_PRECONDITION);
    const t3 = (await client.call('BeginTransaction', { ...ids, timeoutMs: 0 })).transactionId;
    await send(t3, 1);
    await client.call('CommitTransaction', { ...ids, transactionId: t3 });
    expect(await readAll(t)).toEqual(['r0', 'r1', 'r2', 'r5']);
  });
});

describe('producer registry: sequence gaps', () => {
  it('answers a batch ahead of a gap that never fills FAILED_PRECONDITION after the wait, having stored nothing', async () => {
    const registry = new ProducerRegistry(30);
    const { producerId } = registry.init('', undefined);
    const appended: number[] = [];
    const admit = (base: number) =>
      new Promise<Admission>((resolve) =>
        registry.admit(
          {
            org: '',
            producerId,
            epoch: 0,
            baseSequence: base,
            transactionId: undefined,
            topic: 't',
            partition: 0,
            count: 1,
            append: () => appended.push(base) - 1,
          },
          resolve,
        ),
      );
    expect((await admit(0)).kind).toBe('new');
    const ahead = await admit(5);
    expect(ahead.kind).toBe('error');
    expect(ahead.kind === 'error' && ahead.error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(appended).toEqual([0]);
  });
});

/**
 * One transactional producer of `registry` whose transactions each write two records to partition 0; returns
 * `transaction(commit)` (begin, one batch, end) and the first sequence of every batch appended to the log.
 */
function transactionalProducer(registry: ProducerRegistry, transactionalId: string) {
  const { producerId, epoch } = registry.init('', transactionalId);
  const appended: number[] = [];
  let seq = 0;
  const transaction = (commit: boolean) => {
    const id = registry.begin('', producerId, epoch, 0);
    const base = seq;
    seq += 2;
    const admission: Admission[] = [];
    registry.admit(
      {
        org: '',
        producerId,
        epoch,
        baseSequence: base,
        transactionId: id,
        topic: 't',
        partition: 0,
        count: 2,
        append: () => appended.push(base) - 1,
      },
      (a) => admission.push(a),
    );
    expect(admission.map((a) => a.kind)).toEqual(['new']);
    registry.end('', producerId, epoch, id, commit);
  };
  return { transaction, appended };
}

describe('producer registry: the lose-commits fault', () => {
  it("answers a producer's commits from the Nth on as committed but appends none of their records; aborts do not count", () => {
    // From the 2nd commit on: a stream's first transaction is kept, the rest of it is lost with no gap before.
    const { transaction, appended } = transactionalProducer(new ProducerRegistry(30, (nth) => nth >= 2), 'tx-lose');
    transaction(false); // aborted: discarded, and not a commit
    transaction(true); // 1st commit: kept
    transaction(true); // 2nd: answered OK, lost
    transaction(true); // 3rd: lost
    expect(appended).toEqual([2]);
  });
});

describe('producer registry: the expose-aborts fault', () => {
  it("answers a producer's aborts from the Nth on as aborted but appends their records; commits do not count", () => {
    const registry = new ProducerRegistry(30, undefined, (nth) => nth >= 2);
    const { transaction, appended } = transactionalProducer(registry, 'tx-expose');
    transaction(false); // 1st abort: discarded
    transaction(true); // a commit: kept, and not an abort
    transaction(false); // 2nd abort: answered as aborted, appended
    transaction(false); // 3rd: appended
    expect(appended).toEqual([2, 4, 6]);
  });
});
