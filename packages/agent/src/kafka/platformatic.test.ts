// The Kafka door with @platformatic/kafka 1.35.0, a pure-JS client that speaks only the recent flexible API
// versions (Produce 9, Fetch 12, Metadata 12, CreateTopics 7, JoinGroup 9, OffsetCommit 8...): an admin creates
// the topic, producers send with acks all (idempotent) and 1, records come back through fetches at chosen
// offsets and through a consumer group that commits and rebalances to a second member, and records cross to
// and from the gRPC door.
import {
  Admin,
  Consumer,
  type Message,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { StreamHouseClient } from '@loadhouse/core/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { agentForTests, clientForTests } from '../../../core/src/test-support.js';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

const PARTITIONS = 3;

/** The values of every record a fetch answered, in order. */
function readBatchValues(res: FetchResponse): string[] {
  return res.responses.flatMap((t) =>
    t.partitions.flatMap((p) => (p.records ?? []).flatMap((b) => b.records.map((r) => r.value?.toString() ?? ''))),
  );
}
const N = 60;

describe('kafka door: @platformatic/kafka', () => {
  const agent = agentForTests({ grpcPort: 0, httpPort: 0, kafkaPort: 0, segmentMaxAgeMs: 50 });
  const client = clientForTests(agent);
  const closers: Array<() => Promise<unknown>> = [];
  const base = (clientId: string) => ({ clientId, bootstrapBrokers: [agent.kafkaAddress!], retries: 2, retryDelay: 100 });
  const consumer = (clientId: string, groupId: string): Consumer<string, string, string, string> => {
    const c = new Consumer({
      ...base(clientId),
      groupId,
      deserializers: stringDeserializers,
      maxWaitTime: 100,
      sessionTimeout: 6_000,
      rebalanceTimeout: 6_000,
      heartbeatInterval: 200,
    });
    closers.push(() => new Promise<void>((resolve) => c.close(true, () => resolve())));
    return c;
  };
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });
  const values = (tag: string): string[] => Array.from({ length: N }, (_, i) => `${tag}-${i}`);
  const messages = (topic: string, tag: string) =>
    values(tag).map((value, i) => ({ topic, key: `k${i}`, value, partition: i % PARTITIONS }));

  it('creates a topic, produces with acks all (idempotent), 1 and 0, and fetches every record back at chosen offsets', async () => {
    const admin = new Admin(base('plt-admin'));
    closers.push(() => admin.close());
    await admin.createTopics({ topics: ['plt'], partitions: PARTITIONS, replicas: 1 });
    expect((await client.getTopic({ name: 'plt' })).topic?.partitionCount).toBe(PARTITIONS);

    const idempotent = new Producer({ ...base('plt-idempotent'), serializers: stringSerializers, idempotent: true });
    const leader = new Producer({ ...base('plt-leader'), serializers: stringSerializers });
    closers.push(
      () => idempotent.close(),
      () => leader.close(),
    );
    const all = await idempotent.send({ messages: messages('plt', 'all') });
    expect(all.offsets?.map((o) => [o.partition, Number(o.offset)]).sort()).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    const one = await leader.send({ messages: messages('plt', 'one'), acks: ProduceAcks.LEADER });
    expect(one.offsets?.map((o) => Number(o.offset))).toEqual([N / PARTITIONS, N / PARTITIONS, N / PARTITIONS]);

    // Fetches at chosen offsets, no group: partition p from offset 0, then again from its middle.
    const fetcher = consumer('plt-fetcher', 'plt-unused');
    const md = await fetcher.metadata({ topics: ['plt'] });
    const id = md.topics.get('plt')!.id;
    const fetchFrom = async (partition: number, offset: number): Promise<string[]> => {
      const res: FetchResponse = await fetcher.fetch({
        node: 0,
        topics: [
          {
            topicId: id,
            partitions: [
              { partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 },
            ],
          },
        ],
      });
      return readBatchValues(res);
    };
    const got: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) got.push(...(await fetchFrom(p, 0)));
    expect(got.sort()).toEqual([...values('all'), ...values('one')].sort());
    expect(await fetchFrom(1, N / PARTITIONS)).toEqual(values('one').filter((_, i) => i % PARTITIONS === 1));

    // No duplicates appended by the idempotent producer: the logs hold exactly 2N records.
    let hw = 0;
    for (let p = 0; p < PARTITIONS; p++)
      hw += (await client.consume({ topic: 'plt', partition: p, offset: 0, maxRecords: 1 })).highWatermark;
    expect(hw).toBe(2 * N);

    // acks 0: the door answers nothing (the client expects nothing), and the records are stored all the same.
    await client.createTopic({ name: 'plt-acks0', partitionCount: 1 });
    await leader.send({
      messages: ['a', 'b', 'c'].map((value) => ({ topic: 'plt-acks0', value, partition: 0 })),
      acks: ProduceAcks.NO_RESPONSE,
    });
    await expect
      .poll(async () => (await client.consume({ topic: 'plt-acks0', partition: 0, offset: 0, maxRecords: 10 })).records.length, {
        timeout: 5_000,
        interval: 50,
      })
      .toBe(3);
  });

  it('a consumer group reads everything, commits, shares the partitions with a second member, and Admin describes it', async () => {
    const c1 = consumer('plt-c1', 'plt-group');
    const s1 = await c1.consume({ topics: ['plt'], mode: MessagesStreamModes.EARLIEST, autocommit: 50 });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      s1.on('data', (m: Message<string, string, string, string>) => {
        seen.push(m.value);
        if (seen.length === 2 * N) resolve();
      });
      s1.on('error', reject);
    });
    expect(seen.sort()).toEqual([...values('all'), ...values('one')].sort());
    // The autocommits reach the gRPC door's committed offsets: every partition at its end.
    await expect
      .poll(
        async () => {
          let sum = 0;
          for (let p = 0; p < PARTITIONS; p++)
            sum += (await client.getOffset({ consumerGroup: 'plt-group', topic: 'plt', partition: p })).offset;
          return sum;
        },
        { timeout: 5_000, interval: 50 },
      )
      .toBe(2 * N);

    const c2 = consumer('plt-c2', 'plt-group');
    const s2 = await c2.consume({ topics: ['plt'], mode: MessagesStreamModes.COMMITTED, autocommit: 50 });
    s2.on('data', () => {});
    const parts = (c: Consumer<string, string, string, string>): number[] => c.assignments?.flatMap((a) => a.partitions) ?? [];
    await expect
      .poll(() => parts(c1).length > 0 && parts(c2).length > 0 && parts(c1).length + parts(c2).length === PARTITIONS, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(true);
    expect([...parts(c1), ...parts(c2)].sort()).toEqual([0, 1, 2]);

    // Its Admin sees the group (ListGroups v4, DescribeGroups v5) with both members.
    const admin = new Admin(base('plt-admin-groups'));
    closers.push(() => admin.close());
    expect((await admin.listGroups({ states: ['STABLE'] })).get('plt-group')).toMatchObject({ state: 'STABLE', protocolType: 'consumer' });
    const described = (await admin.describeGroups({ groups: ['plt-group'] })).get('plt-group');
    expect(described?.members.size).toBe(2);
    await Promise.all([s1.close(), s2.close()]);
  });

  it('records cross between the doors both ways, and a topic deleted through Kafka is gone from gRPC', async () => {
    await client.createTopic({ name: 'plt-cross', partitionCount: 1 });
    const producer = new Producer({ ...base('plt-cross'), serializers: stringSerializers });
    closers.push(() => producer.close());
    await producer.send({ messages: [{ topic: 'plt-cross', key: 'via', value: 'kafka', partition: 0 }] });
    await client.produceBatch({ topic: 'plt-cross', partition: 0, records: [{ key: Buffer.from('via'), value: Buffer.from('grpc') }] });
    const viaGrpc = await client.consume({ topic: 'plt-cross', partition: 0, offset: 0, maxRecords: 10 });
    expect(viaGrpc.records.map((r) => Buffer.from(r.value).toString())).toEqual(['kafka', 'grpc']);
    const fetcher = consumer('plt-cross-fetcher', 'plt-unused');
    const id = (await fetcher.metadata({ topics: ['plt-cross'] })).topics.get('plt-cross')!.id;
    const res = await fetcher.fetch({
      node: 0,
      topics: [
        {
          topicId: id,
          partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }],
        },
      ],
    });
    expect(readBatchValues(res)).toEqual(['kafka', 'grpc']);

    // DeleteTopics v6 through its Admin removes the topic from the gRPC door too.
    const admin = new Admin(base('plt-admin-delete'));
    closers.push(() => admin.close());
    await admin.deleteTopics({ topics: ['plt-cross'] });
    await expect(client.getTopic({ name: 'plt-cross' })).rejects.toMatchObject({ code: 5 });
  });

  it("SASL/PLAIN (SaslAuthenticate v2) names the organization: acme's producer writes acme's topic; a wrong password is refused", async () => {
    const acme = new StreamHouseClient(agent.grpcAddress, { organizationId: 'acme' });
    try {
      await acme.createTopic({ name: 'plt-tenant', partitionCount: 1 });
      const login = (password: string) =>
        new Producer({
          ...base('plt-sasl'),
          retries: 0,
          serializers: stringSerializers,
          sasl: { mechanism: 'PLAIN', username: 'acme', password },
        });
      const ok = login('acme');
      const wrong = login('not-acme');
      closers.push(
        () => ok.close(),
        () => wrong.close(),
      );
      await ok.send({ messages: [{ topic: 'plt-tenant', value: 'for-acme', partition: 0 }] });
      const got = await acme.consume({ topic: 'plt-tenant', partition: 0, offset: 0, maxRecords: 10 });
      expect(got.records.map((r) => Buffer.from(r.value).toString())).toEqual(['for-acme']);
      await expect(client.getTopic({ name: 'plt-tenant' })).rejects.toMatchObject({ code: 5 }); // not the default org's
      await expect(wrong.send({ messages: [{ topic: 'plt-tenant', value: 'x', partition: 0 }] })).rejects.toThrow();
    } finally {
      acme.close();
    }
  });

  it('the agent faults apply to its produce: a drop-every fault acks all ten records and keeps every 2nd', async () => {
    await client.createTopic({ name: 'plt-dropped', partitionCount: 1 });
    const producer = new Producer({ ...base('plt-dropped'), serializers: stringSerializers });
    closers.push(() => producer.close());
    agent.setFaults({ dropEvery: 2 });
    try {
      const sent = Array.from({ length: 10 }, (_, i) => ({ topic: 'plt-dropped', value: `d${i}`, partition: 0 }));
      expect((await producer.send({ messages: sent })).offsets?.map((o) => Number(o.offset))).toEqual([0]);
    } finally {
      agent.setFaults({ dropEvery: 0 });
    }
    const kept = await client.consume({ topic: 'plt-dropped', partition: 0, offset: 0, maxRecords: 100 });
    expect(kept.records.map((r) => Buffer.from(r.value).toString())).toEqual(['d0', 'd2', 'd4', 'd6', 'd8']);
  });
});
