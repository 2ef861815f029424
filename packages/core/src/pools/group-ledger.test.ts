// The redelivery accounting of consumer group restarts, on made-up positions: exact counts, no load.
import { describe, expect, it } from 'vitest';
import { GroupLedger } from './group-ledger.js';
import type { ConsumerPosition } from '../worker/protocol.js';

const RUN_START = 1_000_000;

function pos(
  partition: number,
  startOffset: number,
  next: number,
  committed: number,
  firstRecordEpochMs = 0,
  topic = 't',
): ConsumerPosition {
  return { topic, partition, startOffset, next, committed, firstRecordEpochMs };
}

/** Starts instance `id` of group g on topic t and returns what started() said. */
function start(
  l: GroupLedger,
  id: number,
  startAt: 'latest' | 'committed' | 'earliest',
  startOffsets: Record<number, number>,
  at = RUN_START,
) {
  return l.started(id, { group: 'g', topics: ['t'], startAt, startOffsets: { t: startOffsets }, startedEpochMs: at });
}

function stop(l: GroupLedger, id: number, crash: boolean, positions: ConsumerPosition[], producing = true) {
  l.stopping(id, crash, producing);
  l.positions(id, positions);
  l.stopped(id);
}

describe('GroupLedger', () => {
  it('counts what a restart after a crash reads again, bounded by what was read since the last good commit', () => {
    const l = new GroupLedger(() => RUN_START);
    expect(start(l, 1, 'latest', { 0: 100, 1: 50 })).toBeUndefined();
    // Partition 0 read to 400, last good commit 300; partition 1 read to 90, committed 90 (nothing since).
    stop(l, 1, true, [pos(0, 100, 400, 300), pos(1, 50, 90, 90)]);
    expect(l.stoppedWhileProducing).toBe(true);
    expect(start(l, 2, 'committed', { 0: 300, 1: 90 }, RUN_START + 2_000)).toEqual({ rootId: 1, earlier: [1] });
    // A restart took over: its group is no longer one that stopped while producing.
    expect(l.stoppedWhileProducing).toBe(false);
    expect(l.report()?.pending).toBe(1);
    stop(l, 2, false, [pos(0, 300, 900, 900, RUN_START + 2_250), pos(1, 90, 200, 200, RUN_START + 2_500)], false);
    const r = l.report()!;
    expect(r).toMatchObject({ restarts: 1, afterCrash: 1, redelivered: 100, redeliveryBound: 100, beyondBound: 0, skipped: 0, pending: 0 });
    expect(r.maxFirstRecordSeconds).toBe(0.25);
    expect(r.resumes[0]).toMatchObject({ atSeconds: 2, after: 'crash', redelivered: 100, bound: 100, beyondBound: 0 });
    expect(r.resumes[0]!.partitions).toEqual([
      { topic: 't', partition: 0, resumedFrom: 300, previousEnd: 400, committedBefore: 300, redelivered: 100, bound: 100, skipped: 0 },
      { topic: 't', partition: 1, resumedFrom: 90, previousEnd: 90, committedBefore: 90, redelivered: 0, bound: 0, skipped: 0 },
    ]);
  });

  it('flags a resume from before the last acknowledged commit (a lost commit) as beyond the bound', () => {
    const l = new GroupLedger(() => RUN_START);
    start(l, 1, 'latest', { 0: 0 });
    stop(l, 1, true, [pos(0, 0, 500, 450)]);
    // The target acknowledged the commit of 450 but resumes the group at 200.
    start(l, 2, 'committed', { 0: 200 });
    stop(l, 2, true, [pos(0, 200, 700, 650)]);
    expect(l.report()).toMatchObject({ redelivered: 300, redeliveryBound: 50, beyondBound: 250, skipped: 0 });
  });

  it('flags a resume past what the group had read as skipped, and counts nothing read again', () => {
    const l = new GroupLedger(() => RUN_START);
    start(l, 1, 'latest', { 0: 0 });
    stop(l, 1, true, [pos(0, 0, 100, 100)]);
    start(l, 2, 'committed', { 0: 130 });
    stop(l, 2, false, [pos(0, 130, 300, 300)]);
    expect(l.report()).toMatchObject({ redelivered: 0, beyondBound: 0, skipped: 30 });
  });

  it('judges a second restart against the furthest any earlier instance read, and a restart that read little', () => {
    const l = new GroupLedger(() => RUN_START);
    start(l, 1, 'latest', { 0: 0 });
    stop(l, 1, true, [pos(0, 0, 1000, 800)]);
    // The first restart reads only up to 900 (below 1000) and commits 850 before it crashes too.
    start(l, 2, 'committed', { 0: 800 });
    stop(l, 2, true, [pos(0, 800, 900, 850)]);
    // The second resumes at 850: 850..1000 was read before, 150 again, within 1000 - 850.
    start(l, 3, 'committed', { 0: 850 });
    stop(l, 3, false, [pos(0, 850, 2000, 2000)]);
    const r = l.report()!;
    expect(r.resumes.map((x) => [x.redelivered, x.bound])).toEqual([
      [100, 200],
      [150, 150],
    ]);
    expect(r).toMatchObject({ restarts: 2, redelivered: 250, redeliveryBound: 350, beyondBound: 0 });
  });

  it('a graceful stop commits where it read: a restart reads nothing again', () => {
    const l = new GroupLedger(() => RUN_START);
    start(l, 1, 'latest', { 0: 0 });
    stop(l, 1, false, [pos(0, 0, 400, 400)]);
    start(l, 2, 'committed', { 0: 400 });
    stop(l, 2, false, [pos(0, 400, 600, 600)]);
    expect(l.report()).toMatchObject({ restarts: 1, afterCrash: 0, redelivered: 0, redeliveryBound: 0, beyondBound: 0 });
  });

  it('keeps the partitions of a group over two topics apart, though their numbers are the same', () => {
    const l = new GroupLedger(() => RUN_START);
    const topics = ['a', 'b'];
    l.started(1, {
      group: 'g',
      topics,
      startAt: 'latest',
      startOffsets: { a: { 0: 0, 1: 0 }, b: { 0: 0, 1: 0 } },
      startedEpochMs: RUN_START,
    });
    // Topic a's partition 0 is far ahead of topic b's: one map by partition number would mix them.
    stop(l, 1, true, [pos(0, 0, 1000, 900, 0, 'a'), pos(1, 0, 500, 500, 0, 'a'), pos(0, 0, 40, 10, 0, 'b'), pos(1, 0, 70, 60, 0, 'b')]);
    const resumed = l.started(2, {
      group: 'g',
      topics,
      startAt: 'committed',
      // b/1 resumes before its last good commit (60): 10 read again beyond its bound.
      startOffsets: { a: { 0: 900, 1: 500 }, b: { 0: 10, 1: 50 } },
      startedEpochMs: RUN_START + 1_000,
    });
    expect(resumed).toEqual({ rootId: 1, earlier: [1] });
    stop(l, 2, false, [
      pos(0, 900, 1200, 1200, 0, 'a'),
      pos(1, 500, 600, 600, 0, 'a'),
      pos(0, 10, 80, 80, 0, 'b'),
      pos(1, 50, 90, 90, 0, 'b'),
    ]);
    const r = l.report()!;
    expect(r.resumes[0]).toMatchObject({ topic: 'a,b', redelivered: 150, bound: 140, beyondBound: 10, skipped: 0 });
    expect(r.resumes[0]!.partitions.map((p) => [p.topic, p.partition, p.previousEnd, p.committedBefore, p.redelivered, p.bound])).toEqual([
      ['a', 0, 1000, 900, 100, 100],
      ['a', 1, 500, 500, 0, 0],
      ['b', 0, 40, 10, 30, 30],
      ['b', 1, 70, 60, 20, 10],
    ]);
    // Another list of topics under the same name is another group: not a restart of this one.
    expect(
      l.started(3, { group: 'g', topics: ['a'], startAt: 'committed', startOffsets: { a: { 0: 1200 } }, startedEpochMs: RUN_START }),
    ).toBeUndefined();
  });

  it('only a committed start after the group stopped is a restart', () => {
    const l = new GroupLedger(() => RUN_START);
    start(l, 1, 'latest', { 0: 0 });
    // Still running: a second instance reads on its own.
    expect(start(l, 2, 'committed', { 0: 0 })).toBeUndefined();
    stop(l, 2, true, [pos(0, 0, 10, 0)]);
    // Another start offset starts a group of its own.
    expect(start(l, 3, 'earliest', { 0: 0 })).toBeUndefined();
    expect(l.report()).toBeUndefined();
  });
});
