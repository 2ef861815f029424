// Restarts of consumer groups, judged on the main thread. A consume() with `startAt: 'committed'` whose group
// (name and topics) had an earlier instance that stopped continues that group: each partition of each topic
// resumes from the offset the target returns as committed, and is compared with where the group had left it.
// Every offset in [resumedFrom, previousEnd) is a record read again: expected, up to the records read since
// the last commit the target acknowledged (previousEnd - committedBefore). More than that means the target lost a commit it
// acknowledged; resuming past previousEnd means records no instance read.
import type { ConsumerRestarts, ConsumerResume, ConsumerResumePartition, StartOffset } from '../types.js';
import type { ConsumerPosition } from '../worker/protocol.js';
import { round3 } from '../util.js';

/**
 * A partition of one of the group's topics, as a map key: a group over many topics has partition 0 in each,
 * and their offsets are unrelated.
 */
type PartitionKey = string;

function keyOf(topic: string, partition: number): PartitionKey {
  return `${topic}\u0000${partition}`;
}

/** Where a logical group (every instance of one group name on one list of topics) stands, per partition. */
interface GroupState {
  /** The id of its first instance: the verifier reconciles every instance's reads under it. */
  rootId: number;
  /** Next offset after the highest read by any instance. */
  end: Map<PartitionKey, number>;
  /** The offset the latest instance had committed with success when it stopped. */
  committed: Map<PartitionKey, number>;
  /** The instance reading now, if any. */
  running: number | undefined;
  /** How the latest stopped instance ended. */
  lastStop: 'crash' | 'stop';
  /** Its instances so far, in start order. */
  instances: number[];
  /** The latest instance stopped while producers ran: records after its last poll were never read by it. */
  stoppedWhileProducing: boolean;
}

interface Instance {
  state: GroupState;
  startedEpochMs: number;
  stopping: 'crash' | 'stop' | undefined;
  /** Filled as its workers report (a group spans several). */
  positions: ConsumerPosition[];
  stopped: boolean;
  resume:
    | (Omit<ConsumerResume, 'redelivered' | 'beyondBound' | 'firstRecordSeconds' | 'partitions'> & {
        partitions: ConsumerResumePartition[];
      })
    | undefined;
}

export class GroupLedger {
  private readonly groups = new Map<string, GroupState>();
  private readonly states: GroupState[] = [];
  private readonly instances = new Map<number, Instance>();
  /** In start order, for the report. */
  private readonly resumed: number[] = [];

  constructor(private readonly runStartEpochMs: () => number) {}

  /**
   * A consumer group instance starts. Returns the group it continues (the ids of its first and earlier
   * instances), or undefined when it starts a group of its own (another start offset, a group never seen, one
   * still running). `startOffsets` holds, per topic, the offset each partition starts at.
   */
  started(
    groupId: number,
    o: {
      group: string;
      topics: readonly string[];
      startAt: StartOffset;
      startOffsets: Readonly<Record<string, Readonly<Record<number, number>>>>;
      startedEpochMs: number;
    },
  ): { rootId: number; earlier: number[] } | undefined {
    const topic = o.topics.join(',');
    const key = `${topic}\u0000${o.group}`;
    const previous = this.groups.get(key);
    const resumes = o.startAt === 'committed' && previous !== undefined && previous.running === undefined;
    const state: GroupState = resumes
      ? previous
      : {
          rootId: groupId,
          end: new Map(),
          committed: new Map(),
          running: undefined,
          lastStop: 'stop',
          instances: [],
          stoppedWhileProducing: false,
        };
    if (!resumes) this.states.push(state);
    const earlier = [...state.instances];
    state.instances.push(groupId);
    state.running = groupId;
    state.stoppedWhileProducing = false;
    this.groups.set(key, state);
    const instance: Instance = {
      state,
      startedEpochMs: o.startedEpochMs,
      stopping: undefined,
      positions: [],
      stopped: false,
      resume: undefined,
    };
    this.instances.set(groupId, instance);
    if (!resumes) return undefined;
    const partitions: ConsumerResumePartition[] = [];
    for (const t of o.topics) {
      for (const [p, resumedFrom] of Object.entries(o.startOffsets[t] ?? {})) {
        const partition = Number(p);
        const previousEnd = state.end.get(keyOf(t, partition));
        if (previousEnd === undefined) continue; // never read before: nothing to read again
        const committedBefore = state.committed.get(keyOf(t, partition)) ?? previousEnd;
        partitions.push({
          topic: t,
          partition,
          resumedFrom,
          previousEnd,
          committedBefore,
          redelivered: null,
          bound: Math.max(0, previousEnd - committedBefore),
          skipped: Math.max(0, resumedFrom - previousEnd),
        });
      }
    }
    instance.resume = {
      group: o.group,
      topic,
      atSeconds: round3((o.startedEpochMs - this.runStartEpochMs()) / 1000),
      after: state.lastStop,
      bound: partitions.reduce((a, p) => a + p.bound, 0),
      skipped: partitions.reduce((a, p) => a + p.skipped, 0),
      partitions,
    };
    this.resumed.push(groupId);
    return { rootId: state.rootId, earlier };
  }

  /** The instance is being stopped, as a crash or gracefully; `producing`: producers still run. */
  stopping(groupId: number, crash: boolean, producing: boolean): void {
    const i = this.instances.get(groupId);
    if (!i || i.stopping !== undefined) return;
    i.stopping = crash ? 'crash' : 'stop';
    if (producing) i.state.stoppedWhileProducing = true;
  }

  /**
   * Some group's latest instance stopped while producers ran, and no later instance took over: gaps below
   * its last sequences may still fill, so its missing count is not final.
   */
  get stoppedWhileProducing(): boolean {
    return this.states.some((s) => s.stoppedWhileProducing);
  }

  /** One worker's positions of the instance (called once per worker hosting it). */
  positions(groupId: number, positions: readonly ConsumerPosition[]): void {
    this.instances.get(groupId)?.positions.push(...positions);
  }

  /** Every worker reported (or the stop timed out): the group's state moves to where the instance left it. */
  stopped(groupId: number): void {
    const i = this.instances.get(groupId);
    if (!i || i.stopped) return;
    i.stopped = true;
    const s = i.state;
    for (const p of i.positions) {
      const k = keyOf(p.topic, p.partition);
      s.end.set(k, Math.max(s.end.get(k) ?? 0, p.next));
      s.committed.set(k, p.committed);
    }
    s.lastStop = i.stopping ?? 'stop';
    if (s.running === groupId) s.running = undefined;
  }

  /** The restarts so far; undefined when no group resumed. */
  report(): ConsumerRestarts | undefined {
    if (this.resumed.length === 0) return undefined;
    const out: ConsumerRestarts = {
      restarts: 0,
      afterCrash: 0,
      redelivered: 0,
      redeliveryBound: 0,
      beyondBound: 0,
      skipped: 0,
      maxFirstRecordSeconds: null,
      pending: 0,
      resumes: [],
    };
    for (const id of this.resumed) {
      const i = this.instances.get(id)!;
      const r = resumeOf(i);
      out.restarts++;
      if (r.after === 'crash') out.afterCrash++;
      out.redeliveryBound += r.bound;
      out.skipped += r.skipped;
      if (r.redelivered === null) out.pending++;
      else {
        out.redelivered += r.redelivered;
        out.beyondBound += r.beyondBound ?? 0;
      }
      if (r.firstRecordSeconds !== null) out.maxFirstRecordSeconds = Math.max(out.maxFirstRecordSeconds ?? 0, r.firstRecordSeconds);
      out.resumes.push(r);
    }
    return out;
  }
}

/** A resume with what its instance read, once it stopped. */
function resumeOf(i: Instance): ConsumerResume {
  const base = i.resume!;
  const next = new Map<PartitionKey, number>();
  let first = 0;
  for (const p of i.positions) {
    next.set(keyOf(p.topic, p.partition), p.next);
    if (p.firstRecordEpochMs > 0 && (first === 0 || p.firstRecordEpochMs < first)) first = p.firstRecordEpochMs;
  }
  let redelivered: number | null = i.stopped ? 0 : null;
  let beyondBound: number | null = i.stopped ? 0 : null;
  const partitions = base.partitions.map((p) => {
    if (!i.stopped) return { ...p };
    const n = next.get(keyOf(p.topic ?? base.topic, p.partition)) ?? p.resumedFrom;
    const again = Math.max(0, Math.min(n, p.previousEnd) - p.resumedFrom);
    redelivered! += again;
    beyondBound! += Math.max(0, again - p.bound);
    return { ...p, redelivered: again };
  });
  return {
    group: base.group,
    topic: base.topic,
    atSeconds: base.atSeconds,
    after: base.after,
    redelivered,
    bound: base.bound,
    beyondBound,
    skipped: base.skipped,
    firstRecordSeconds: first > 0 ? round3(Math.max(0, first - i.startedEpochMs) / 1000) : null,
    partitions,
  };
}
