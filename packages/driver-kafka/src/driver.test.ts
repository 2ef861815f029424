// The Kafka driver against the reference agent's Kafka door, over a real socket: every Driver call, the ack
// modes, idempotent sequences, manual and group consumption, SASL, and the errors it maps.
import { afterAll, describe, expect, it } from 'vitest';
import { isLoadhouseError, type DriverFailure, type FetchedBatch, type ProduceBatch } from '@loadhouse/core';
import { AckMode } from '@loadhouse/core/wire';
import { agentForTests } from '../../core/src/test-support.js';
import { KafkaDriver } from './driver.js';
import { kafkaFailure } from './errors.js';
import { resolveKafkaOptions } from './options.js';

const agent = agentForTests({ grpcPort: 0, httpPort: 0, kafkaPort: 0 });
const made: KafkaDriver[] = [];
afterAll(() => {
  for (const d of made) d.close();
});

function driver(extra: Partial<ConstructorParameters<typeof KafkaDriver>[0]> = {}): KafkaDriver {
  const d = new KafkaDriver({ address: agent.kafkaAddress!, deadlineMs: 5000, connections: 2, options: {}, ...extra });
  made.push(d);
  return d;
}

function produce(d: KafkaDriver, batch: ProduceBatch): Promise<{ failure: DriverFailure | null; offset: number; duplicate: boolean }> {
  return new Promise((resolve) =>
    d.produce(batch, (failure, offset, duplicate) => resolve({ failure, offset, duplicate: duplicate === true })),
  );
}

function fetch(d: KafkaDriver, topic: string, partition: number, offset: number, maxRecords = 100, group?: string): Promise<FetchedBatch> {
  return new Promise((resolve, reject) =>
    d.fetch({ topic, partition, offset, maxRecords, ...(group ? { group } : {}) }, (f, b) =>
      f || !b ? reject(new Error(f?.message)) : resolve(b),
    ),
  );
}

const values = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`) }));

describe('the Kafka driver against the agent', () => {
  it('connects, creates and describes a topic, produces with each ack mode, fetches by offset, reads watermarks and commits', async () => {
    const d = driver();
    await d.connect({ timeoutMs: 5000, verify: true });
    expect(await d.describeTopic('kd-basic')).toBeUndefined();
    expect(await d.createTopic('kd-basic', 2)).toBe('created');
    expect(await d.createTopic('kd-basic', 2)).toBe('exists');
    expect(await d.describeTopic('kd-basic')).toEqual({ partitions: 2 });

    const durable = await produce(d, { topic: 'kd-basic', partition: 1, ackMode: AckMode.ACK_DURABLE, records: values(3, 'a') });
    expect(durable).toEqual({ failure: null, offset: 0, duplicate: false });
    const buffered = await produce(d, { topic: 'kd-basic', partition: 1, ackMode: AckMode.ACK_BUFFERED, records: values(2, 'b') });
    expect(buffered).toEqual({ failure: null, offset: 3, duplicate: false });
    // acks=0: no answer, so no offset.
    const none = await produce(d, { topic: 'kd-basic', partition: 1, ackMode: AckMode.ACK_NONE, records: values(1, 'c') });
    expect(none).toEqual({ failure: null, offset: -1, duplicate: false });

    await expect.poll(() => d.latestOffset('kd-basic', 1)).toBe(6);
    expect(await d.latestOffset('kd-basic', 0)).toBe(0);
    const from2 = await fetch(d, 'kd-basic', 1, 2, 3);
    expect(from2.records.map((r) => [r.offset, Buffer.from(r.value).toString()])).toEqual([
      [2, 'a-2'],
      [3, 'b-0'],
      [4, 'b-1'],
    ]);
    expect(from2.highWatermark).toBe(6);

    expect(await d.committedOffset('kd-group', 'kd-basic', 1)).toBe(0);
    await new Promise<void>((resolve, reject) =>
      d.commitOffset({ group: 'kd-group', topic: 'kd-basic', partition: 1, offset: 5 }, (f) =>
        f ? reject(new Error(f.message)) : resolve(),
      ),
    );
    expect(await d.committedOffset('kd-group', 'kd-basic', 1)).toBe(5);
  });

  it('sends record keys and copies the values before produce() returns', async () => {
    const d = driver();
    await d.createTopic('kd-keys', 1);
    const buf = Buffer.from('original');
    const pending = produce(d, {
      topic: 'kd-keys',
      partition: 0,
      ackMode: AckMode.ACK_BUFFERED,
      records: [{ value: buf, key: Buffer.from('k1') } as { value: Uint8Array }],
    });
    buf.write('overwrit');
    expect((await pending).failure).toBeNull();
    const got = await fetch(d, 'kd-keys', 0, 0);
    expect(Buffer.from(got.records[0]!.value).toString()).toBe('original');
  });

  it('registers an idempotent producer and sends its sequences; a repeated batch is not stored twice', async () => {
    const d = driver();
    await d.createTopic('kd-idem', 1);
    const id = await d.initProducer();
    expect(Number(id.producerId)).toBeGreaterThanOrEqual(0);
    const batch = (seq: number, tag: string): ProduceBatch => ({
      topic: 'kd-idem',
      partition: 0,
      ackMode: AckMode.ACK_DURABLE,
      records: values(2, tag),
      producerId: id.producerId,
      producerEpoch: id.epoch,
      baseSequence: seq,
    });
    expect((await produce(d, batch(0, 'x'))).failure).toBeNull();
    expect((await produce(d, batch(2, 'y'))).failure).toBeNull();
    const again = await produce(d, batch(2, 'y'));
    expect(again.failure).toBeNull();
    expect(await d.latestOffset('kd-idem', 0)).toBe(4);
    await expect(d.initProducer('tx-1')).rejects.toThrow(/transactions/);
  });

  it('with groupMembership, a consumer joins its group before it fetches and the join is timed', async () => {
    const d = driver({ options: { groupMembership: true } });
    await d.createTopic('kd-members', 1);
    await produce(d, { topic: 'kd-members', partition: 0, ackMode: AckMode.ACK_BUFFERED, records: values(2, 'm') });
    const got = await fetch(d, 'kd-members', 0, 0, 10, 'kd-member-group');
    expect(got.records).toHaveLength(2);
    expect(d.groups?.identity('kd-member-group')?.memberId).toBeTruthy();
    const joins = d.groups!.rebalances();
    expect(joins).toHaveLength(1);
    expect(joins[0]).toBeGreaterThanOrEqual(0);
    await new Promise<void>((resolve, reject) =>
      d.commitOffset({ group: 'kd-member-group', topic: 'kd-members', partition: 0, offset: 2 }, (f) =>
        f ? reject(new Error(f.message)) : resolve(),
      ),
    );
    expect(await d.committedOffset('kd-member-group', 'kd-members', 0)).toBe(2);
  });

  it('logs in with SASL/PLAIN: the organization id repeated; a wrong password is refused with a coded error', async () => {
    const ok = driver({ sasl: { username: 'org-a', password: 'org-a' } });
    await ok.connect({ timeoutMs: 5000, verify: true });
    const bad = driver({ sasl: { username: 'org-a', password: 'not-it' } });
    const err = await bad.connect({ timeoutMs: 5000, verify: true }).catch((e: unknown) => e);
    expect(isLoadhouseError(err, 'LH_TARGET_NOT_STREAMHOUSE')).toBe(true);
    expect((err as Error).message).toMatch(/SASL/);
    expect((err as Error).message).not.toContain('not-it');
  });

  it('a port that answers but not in Kafka is refused as not Kafka; unknown topics are NOT_FOUND', async () => {
    const grpc = driver({ address: agent.grpcAddress });
    const err = await grpc.connect({ timeoutMs: 3000, verify: true }).catch((e: unknown) => e);
    expect(isLoadhouseError(err, 'LH_TARGET_NOT_STREAMHOUSE'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/does not answer as a Kafka broker/);
    const d = driver();
    const missing = await produce(d, { topic: 'kd-no-such-topic', partition: 0, ackMode: AckMode.ACK_BUFFERED, records: values(1, 'z') });
    expect(missing.failure?.status).toBe('NOT_FOUND');
  });
});

describe('options and error mapping', () => {
  it('refuses unknown options and codecs with LH_KAFKA_OPTION; defaults to no compression', () => {
    expect(resolveKafkaOptions({})).toMatchObject({ compression: 'none', groupMembership: false, fetchMaxWaitMs: 100 });
    for (const bad of [{ compression: 'brotli' }, { fetchMaxWaitMs: -1 }, { nope: 1 }, { groupMembership: 'yes' }]) {
      let err: unknown;
      try {
        resolveKafkaOptions(bad);
      } catch (e) {
        err = e;
      }
      expect(isLoadhouseError(err, 'LH_KAFKA_OPTION'), JSON.stringify(bad)).toBe(true);
    }
  });

  it('maps connection, timeout and broker errors onto the engine statuses', () => {
    expect(kafkaFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({
      status: 'UNAVAILABLE',
      retriable: true,
    });
    expect(kafkaFailure(Object.assign(new Error('t'), { code: 'PLT_KFK_TIMEOUT' })).status).toBe('DEADLINE_EXCEEDED');
    const nested = new AggregateError([Object.assign(new Error('x'), { apiId: 'NOT_LEADER_OR_FOLLOWER' })], 'many');
    expect(kafkaFailure(nested)).toMatchObject({ status: 'UNAVAILABLE', retriable: true });
    expect(kafkaFailure(Object.assign(new Error('x'), { apiId: 'MESSAGE_TOO_LARGE' }))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      retriable: false,
    });
    expect(kafkaFailure(new Error('odd')).status).toBe('INTERNAL');
  });
});
