// The group coordinator's state: members, generations and assignments of classic consumer groups. A join
// starts a rebalance; it completes once every known member has rejoined (or its rebalance timeout passes),
// the leader's SyncGroup hands out the assignments, and members that stop heartbeating are dropped.
import { randomUUID } from 'node:crypto';
import { KafkaError } from './bridge.js';

export interface JoinRequest {
  memberId: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Array<[string, Buffer]>;
}

export interface JoinResult {
  error: number;
  generation: number;
  protocol: string;
  leader: string;
  memberId: string;
  /** Every member's metadata for the chosen protocol: the leader's answer only. */
  members: Array<[string, Buffer]>;
}

export interface GroupDescription {
  state: string;
  protocolType: string;
  protocol: string;
  members: Array<{ id: string; clientId: string; metadata: Buffer; assignment: Buffer }>;
}

interface Member {
  id: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: Array<[string, Buffer]>;
  lastSeen: number;
  join?: (r: JoinResult) => void;
  sync?: (r: { error: number; assignment: Buffer }) => void;
  assignment: Buffer;
}

const EMPTY = Buffer.alloc(0);
const SWEEP_MS = 500;
const MIN_SESSION_MS = 1_000;
const MAX_SESSION_MS = 300_000;

class Group {
  state: 'empty' | 'joining' | 'syncing' | 'stable' = 'empty';
  generation = 0;
  protocolType = '';
  protocol = '';
  leader = '';
  readonly members = new Map<string, Member>();
  timer: NodeJS.Timeout | undefined;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.expire(Date.now()), SWEEP_MS);
    this.sweeper.unref();
  }

  private group(key: string): Group {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new Group()));
    return g;
  }

  join(key: string, req: JoinRequest): Promise<JoinResult> {
    const g = this.group(key);
    const fail = (error: number): Promise<JoinResult> =>
      Promise.resolve({ error, generation: -1, protocol: '', leader: '', memberId: req.memberId, members: [] });
    if (req.sessionTimeoutMs < MIN_SESSION_MS || req.sessionTimeoutMs > MAX_SESSION_MS) return fail(KafkaError.INVALID_SESSION_TIMEOUT);
    if (g.members.size > 0 && g.protocolType !== req.protocolType) return fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL);
    let m: Member | undefined;
    if (req.memberId) {
      m = g.members.get(req.memberId);
      if (!m) return fail(KafkaError.UNKNOWN_MEMBER_ID);
    } else {
      m = {
        id: `${req.clientId || 'member'}-${randomUUID()}`,
        clientId: req.clientId,
        sessionTimeoutMs: 0,
        rebalanceTimeoutMs: 0,
        protocols: [],
        lastSeen: 0,
        assignment: EMPTY,
      };
      g.members.set(m.id, m);
    }
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    m.protocols = req.protocols;
    m.lastSeen = Date.now();
    m.join?.({ error: KafkaError.REBALANCE_IN_PROGRESS, generation: -1, protocol: '', leader: '', memberId: m.id, members: [] });
    g.protocolType = req.protocolType;
    const member = m;
    const answer = new Promise<JoinResult>((resolve) => (member.join = resolve));
    this.rebalance(g);
    if ([...g.members.values()].every((x) => x.join)) this.complete(g);
    return answer;
  }

  /** Starts a rebalance: syncs in flight are told to rejoin, members learn it from their next heartbeat. */
  private rebalance(g: Group): void {
    if (g.state === 'joining') return;
    g.state = 'joining';
    for (const m of g.members.values()) {
      m.sync?.({ error: KafkaError.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      m.sync = undefined;
    }
    const wait = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    clearTimeout(g.timer);
    g.timer = setTimeout(() => this.complete(g), wait);
    g.timer.unref();
  }

  private complete(g: Group): void {
    if (g.state !== 'joining') return;
    clearTimeout(g.timer);
    for (const [id, m] of g.members) if (!m.join) g.members.delete(id);
    if (g.members.size === 0) {
      g.state = 'empty';
      return;
    }
    const all = [...g.members.values()];
    if (!g.members.has(g.leader)) g.leader = all[0]!.id;
    const leader = g.members.get(g.leader)!;
    g.protocol = leader.protocols.find(([name]) => all.every((m) => m.protocols.some(([n]) => n === name)))?.[0] ?? '';
    g.generation++;
    g.state = 'syncing';
    const metadata = all.map((m): [string, Buffer] => [m.id, m.protocols.find(([n]) => n === g.protocol)?.[1] ?? EMPTY]);
    for (const m of all) {
      const resolve = m.join!;
      m.join = undefined;
      m.lastSeen = Date.now();
      const error = g.protocol ? KafkaError.NONE : KafkaError.INCONSISTENT_GROUP_PROTOCOL;
      resolve({
        error,
        generation: g.generation,
        protocol: g.protocol,
        leader: g.leader,
        memberId: m.id,
        members: m.id === g.leader ? metadata : [],
      });
    }
  }

  sync(
    key: string,
    generation: number,
    memberId: string,
    assignments: Array<[string, Buffer]>,
  ): Promise<{ error: number; assignment: Buffer }> {
    const g = this.groups.get(key);
    const m = g?.members.get(memberId);
    if (!g || !m) return Promise.resolve({ error: KafkaError.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (g.state === 'joining') return Promise.resolve({ error: KafkaError.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    if (generation !== g.generation) return Promise.resolve({ error: KafkaError.ILLEGAL_GENERATION, assignment: EMPTY });
    m.lastSeen = Date.now();
    if (g.state === 'stable') return Promise.resolve({ error: KafkaError.NONE, assignment: m.assignment });
    if (memberId === g.leader) {
      const given = new Map(assignments);
      for (const x of g.members.values()) x.assignment = given.get(x.id) ?? EMPTY;
      g.state = 'stable';
      for (const x of g.members.values()) {
        x.sync?.({ error: KafkaError.NONE, assignment: x.assignment });
        x.sync = undefined;
      }
      return Promise.resolve({ error: KafkaError.NONE, assignment: m.assignment });
    }
    return new Promise((resolve) => (m.sync = resolve));
  }

  heartbeat(key: string, generation: number, memberId: string): number {
    const g = this.groups.get(key);
    const m = g?.members.get(memberId);
    if (!g || !m) return KafkaError.UNKNOWN_MEMBER_ID;
    m.lastSeen = Date.now();
    if (g.state === 'joining') return KafkaError.REBALANCE_IN_PROGRESS;
    if (generation !== g.generation) return KafkaError.ILLEGAL_GENERATION;
    return KafkaError.NONE;
  }

  leave(key: string, memberId: string): number {
    const g = this.groups.get(key);
    const m = g?.members.get(memberId);
    if (!g || !m) return KafkaError.UNKNOWN_MEMBER_ID;
    g.members.delete(memberId);
    m.join?.({ error: KafkaError.UNKNOWN_MEMBER_ID, generation: -1, protocol: '', leader: '', memberId, members: [] });
    this.afterRemoval(g);
    return KafkaError.NONE;
  }

  private afterRemoval(g: Group): void {
    if (g.members.size === 0) {
      clearTimeout(g.timer);
      g.state = 'empty';
      return;
    }
    this.rebalance(g);
    if ([...g.members.values()].every((x) => x.join)) this.complete(g);
  }

  /** Drops members whose session ran out without a heartbeat (a member waiting in a join is not expected to beat). */
  private expire(now: number): void {
    for (const g of this.groups.values()) {
      let removed = false;
      for (const [id, m] of g.members) {
        if (!m.join && now - m.lastSeen > m.sessionTimeoutMs) {
          m.sync?.({ error: KafkaError.UNKNOWN_MEMBER_ID, assignment: EMPTY });
          g.members.delete(id);
          removed = true;
        }
      }
      if (removed) this.afterRemoval(g);
    }
  }

  /** The groups of keys starting with `prefix` (one organization's): [key, protocol type]. */
  list(prefix: string): Array<[string, string]> {
    return [...this.groups].filter(([key]) => key.startsWith(prefix)).map(([key, g]) => [key, g.protocolType]);
  }

  /** A group as DescribeGroups shows it, with Kafka's state names; undefined when never seen. */
  describe(key: string): GroupDescription | undefined {
    const g = this.groups.get(key);
    if (!g) return undefined;
    const state = { empty: 'Empty', joining: 'PreparingRebalance', syncing: 'CompletingRebalance', stable: 'Stable' }[g.state];
    const members = [...g.members.values()].map((m) => ({
      id: m.id,
      clientId: m.clientId,
      metadata: m.protocols.find(([n]) => n === g.protocol)?.[1] ?? EMPTY,
      assignment: m.assignment,
    }));
    return { state, protocolType: g.protocolType, protocol: g.protocol, members };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const g of this.groups.values()) clearTimeout(g.timer);
  }
}
