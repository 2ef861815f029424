// Kafka group membership for the `groupMembership` option: a consumer group of the run joins the broker's group
// through the classic group protocol (JoinGroup, SyncGroup, then Heartbeat) with the client's own consumer, once
// per driver (one member per load worker), before its first fetch. Fetches keep the engine's partition
// assignment, so the counts stay exact; what this adds is the cost of membership and the time each rebalance
// takes, from the start of a (re)join to the end of its SyncGroup.
import type { DriverTarget } from '@loadhouse/core';
import { type ConnectionOptions, Consumer } from '@platformatic/kafka';
import { bootstrapBrokers } from './connections.js';
import type { ResolvedKafkaOptions } from './options.js';

interface Membership {
  consumer: Consumer;
  joined: boolean;
  waiting: Array<(err: Error | null) => void>;
  rejoinAt: number | undefined;
}

export class GroupMembers {
  private readonly members = new Map<string, Membership>();
  /** Milliseconds of each completed join or rejoin, not yet taken by rebalances(). */
  private readonly durations: number[] = [];
  /** Every completed join or rejoin since the driver was made. */
  rebalanceCount = 0;

  constructor(
    private readonly t: DriverTarget,
    private readonly conn: ConnectionOptions,
    private readonly options: ResolvedKafkaOptions,
  ) {}

  /** Calls `done` once this driver is a member of `group` (at once when it already is). */
  member(group: string, topic: string, done: (err: Error | null) => void): void {
    const known = this.members.get(group);
    if (known?.joined) return done(null);
    if (known) {
      known.waiting.push(done);
      return;
    }
    const consumer = new Consumer({
      ...this.conn,
      clientId: this.options.clientId,
      bootstrapBrokers: bootstrapBrokers(this.t.address),
      groupId: group,
      timeout: this.t.deadlineMs,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    const m: Membership = { consumer, joined: false, waiting: [done], rejoinAt: undefined };
    this.members.set(group, m);
    consumer.topics.track(topic);
    consumer.on('consumer:group:rejoin', () => {
      m.rejoinAt = performance.now();
    });
    consumer.on('consumer:group:join', () => {
      if (m.rejoinAt === undefined) return;
      this.record(performance.now() - m.rejoinAt);
      m.rejoinAt = undefined;
    });
    const started = performance.now();
    consumer.joinGroup({}).then(
      () => {
        this.record(performance.now() - started);
        m.joined = true;
        for (const w of m.waiting.splice(0)) w(null);
      },
      (err: Error) => {
        // The next fetch tries again.
        this.members.delete(group);
        consumer.close(true, () => {});
        for (const w of m.waiting.splice(0)) w(err);
      },
    );
  }

  private record(ms: number): void {
    this.durations.push(ms);
    this.rebalanceCount++;
  }

  /** The member id and generation to commit with, once joined. */
  identity(group: string): { memberId: string; generationId: number } | undefined {
    const m = this.members.get(group);
    if (!m?.joined || !m.consumer.memberId) return undefined;
    return { memberId: m.consumer.memberId, generationId: m.consumer.generationId };
  }

  /** The durations (ms) of the joins and rejoins completed since the last call. */
  rebalances(): number[] {
    return this.durations.splice(0);
  }

  close(): void {
    for (const m of this.members.values()) {
      m.consumer.leaveGroup(true, () => m.consumer.close(true, () => {}));
    }
    this.members.clear();
  }
}
