// The group coordinator with two members: a join during a stable generation makes the others rejoin, the
// leader's assignment reaches the follower, and a member leaving starts the next generation.
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCoordinator, type JoinRequest } from './groups.js';

const req = (memberId: string, clientId: string): JoinRequest => ({
  memberId,
  clientId,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  protocolType: 'consumer',
  protocols: [['range', Buffer.from(clientId)]],
});

describe('GroupCoordinator', () => {
  const g = new GroupCoordinator();
  afterEach(() => g.close());

  it('rebalances when a second member joins, hands out the leader assignments, and again when one leaves', async () => {
    const a = await g.join('k', req('', 'a'));
    expect(a).toMatchObject({ error: 0, generation: 1, protocol: 'range' });
    expect(a.leader).toBe(a.memberId);
    expect((await g.sync('k', 1, a.memberId, [[a.memberId, Buffer.from('all')]])).assignment.toString()).toBe('all');
    expect(g.heartbeat('k', 1, a.memberId)).toBe(0);

    const bJoined = g.join('k', req('', 'b')); // waits until a rejoins
    expect(g.heartbeat('k', 1, a.memberId)).toBe(27); // REBALANCE_IN_PROGRESS tells a to rejoin
    const [a2, b] = await Promise.all([g.join('k', req(a.memberId, 'a')), bJoined]);
    expect([a2.generation, b.generation]).toEqual([2, 2]);
    expect(a2.leader).toBe(a.memberId);
    expect(a2.members.map(([id]) => id).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(b.members).toEqual([]); // only the leader sees the members

    const bSync = g.sync('k', 2, b.memberId, []); // waits for the leader's assignments
    await g.sync('k', 2, a.memberId, [
      [a.memberId, Buffer.from('p0')],
      [b.memberId, Buffer.from('p1')],
    ]);
    expect((await bSync).assignment.toString()).toBe('p1');
    expect(g.heartbeat('k', 1, b.memberId)).toBe(22); // ILLEGAL_GENERATION for an old generation

    expect(g.leave('k', a.memberId)).toBe(0);
    expect(g.heartbeat('k', 2, b.memberId)).toBe(27);
    const b3 = await g.join('k', req(b.memberId, 'b'));
    expect(b3).toMatchObject({ error: 0, generation: 3, leader: b.memberId });
    expect(g.heartbeat('k', 3, a.memberId)).toBe(25); // UNKNOWN_MEMBER_ID once left
  });
});
