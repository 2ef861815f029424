// The main thread's side of the consumed-offset check. Workers send run-length logs (run-log.ts): what
// producers had acknowledged, per topic and partition, and what each consumer group read. At the end of a
// run they are reconciled per (group, partition, producer) by sequence: a record read at another offset than
// its ack gave is an offset mismatch, an acknowledged record never read is lost, a record read that was never
// acknowledged is unacked (after a failed batch, which the target may have stored anyway, or not).
import type { IntegrityExample } from '../types.js';
import { RUN_FIELDS } from './run-log.js';
import { type CommittedCheck, judgeCommitted } from './committed.js';
import { type ByPartition, byProducer, covered, firstEndingAfter, union } from './spans.js';
import type { VerifyReport } from '../worker/protocol.js';

/** Runs kept at most (acked, failed and consumed together): about 40 bytes each. Beyond it the check stops. */
export const MAX_VERIFY_RUNS = 4_000_000;
/** Examples of each kind at most. */
const EXAMPLES_PER_KIND = 3;
/** Bytes a run takes on the main thread: its four numbers in a JS array. */
const BYTES_PER_RUN = 4 * 8;

export interface VerifyFigures {
  /** Undefined when acks carry no log offsets (transactions). */
  offsetMismatches: number | undefined;
  /** Undefined unless the consumers read to the end: records they did not reach are not lost. */
  lostAcked: number | undefined;
  unackedSeen: number;
  unackedAfterFailure: number;
  /** Acknowledged records the maps hold (of every topic). */
  ackedRecords: number;
  /** Memory of the maps on the main thread, estimated from their runs. */
  mapBytes: number;
  /** The maps reached MAX_VERIFY_RUNS and stopped growing: the figures are then not given. */
  overflow: boolean;
  examples: IntegrityExample[];
}

/**
 * Per partition list, the index of each producer's last run. A worker merges the runs of one report only; a
 * producer that writes a partition alone would otherwise cost a run per report for the whole run, and a
 * week at 100K msgs/s would fill the maps with runs that continue each other.
 */
const lastRuns = new WeakMap<number[], Map<number, number>>();

function append(map: ByPartition, runs: number[]): number {
  let n = 0;
  for (let i = 0; i < runs.length; i += RUN_FIELDS) {
    const p = runs[i]!;
    const offset = runs[i + 1]!;
    const count = runs[i + 2]!;
    const producer = runs[i + 3]!;
    const sequence = runs[i + 4]!;
    let list = map.get(p);
    let last = list && lastRuns.get(list);
    if (!list || !last) {
      list = [];
      last = new Map();
      map.set(p, list);
      lastRuns.set(list, last);
    }
    const j = last.get(producer);
    if (j !== undefined) {
      const o = list[j]!;
      const c = list[j + 1]!;
      // Offsets and sequences both continue (unknown offsets, -1, continue each other), as RunLog.add merges.
      if ((offset < 0 ? o < 0 : o >= 0 && o + c === offset) && list[j + 3]! + c === sequence) {
        list[j + 1] = c + count;
        continue;
      }
    }
    last.set(producer, list.length);
    list.push(offset, count, producer, sequence);
    n++;
  }
  return n;
}

export class Verifier {
  private readonly acked = new Map<string, ByPartition>();
  private readonly failed = new Map<string, ByPartition>();
  /** Records of committed transactions, by topic (offsets -1). */
  private readonly committed = new Map<string, ByPartition>();
  /** Records of transactions whose outcome the target never confirmed, by topic (offsets -1). */
  private readonly uncertain = new Map<string, ByPartition>();
  /** By `groupId/topic`: a group of a many-topic run reads each topic apart. */
  private readonly groups = new Map<string, { topic: string; startOffsets: Record<number, number>; runs: ByPartition }>();
  private runs = 0;
  private ackedRecords = 0;
  private overflow = false;
  /** Restarted consumer group instances -> the first instance of their group. */
  private readonly aliases = new Map<number, number>();

  /**
   * Group instance `groupId` restarted the group whose first instance is `rootId`: their reads are checked
   * together, so an acked record counts as read when any instance read it, and a record read twice is not lost.
   */
  continues(groupId: number, rootId: number): void {
    this.aliases.set(groupId, rootId);
  }

  add(report: VerifyReport): void {
    if (this.overflow) return;
    for (const a of report.acks) {
      for (let i = 2; i < a.acked.length; i += RUN_FIELDS) this.ackedRecords += a.acked[i]!;
      this.runs += append(topicMap(this.acked, a.topic), a.acked) + append(topicMap(this.failed, a.topic), a.failed);
      if (a.committed) this.runs += append(topicMap(this.committed, a.topic), a.committed);
      if (a.uncertain) this.runs += append(topicMap(this.uncertain, a.topic), a.uncertain);
    }
    for (const c of report.consumed) {
      // A restarted instance's reads join its group's first instance's.
      const id = `${this.aliases.get(c.groupId) ?? c.groupId}/${c.topic}`;
      let g = this.groups.get(id);
      if (!g) {
        g = { topic: c.topic, startOffsets: { ...c.startOffsets }, runs: new Map() };
        this.groups.set(id, g);
      } else {
        // A restart resumes at or after where its group started: the group's reads begin at the lowest.
        for (const [p, o] of Object.entries(c.startOffsets)) {
          const k = Number(p);
          if (g.startOffsets[k] === undefined || o < g.startOffsets[k]) g.startOffsets[k] = o;
        }
      }
      this.runs += append(g.runs, c.runs);
    }
    if (this.runs > MAX_VERIFY_RUNS) this.overflow = true;
  }

  /** Ids of every instance of a restarted consumer group (first instances included). */
  restartedGroupIds(): Set<number> {
    return new Set([...this.aliases.keys(), ...this.aliases.values()]);
  }

  /**
   * The sequence check over all instances of each restarted group together: sequences below the highest read
   * of a (partition, producer) that no instance read. Each instance alone would count what an earlier one read
   * before it resumed as missing (with reordered batches, a record it never had to read). Undefined when the
   * maps overflowed.
   */
  restartedMissing(): { missing: number; examples: IntegrityExample[] } | undefined {
    if (this.overflow) return undefined;
    const out = { missing: 0, examples: [] as IntegrityExample[] };
    const roots = new Set(this.aliases.values());
    for (const [key, g] of this.groups) {
      if (!roots.has(Number(key.slice(0, key.indexOf('/'))))) continue;
      for (const [partition, list] of g.runs) {
        for (const [producer, spans] of byProducer(list)) {
          const read = union(spans);
          // Read from offset 0, a stream must start at sequence 0; from elsewhere it starts where it was met.
          let expected = g.startOffsets[partition] === 0 ? 0 : read[0]!.s;
          for (const r of read) {
            if (r.s > expected) {
              out.missing += r.s - expected;
              if (out.examples.length < EXAMPLES_PER_KIND) out.examples.push({ kind: 'missing', producer, partition, sequence: expected });
            }
            expected = r.e;
          }
        }
      }
    }
    return out;
  }

  /** Committed transactions' records against what every consumer group read (see committed.ts). */
  reconcileCommitted(readToEnd: boolean): CommittedCheck {
    if (this.overflow) return { lost: undefined, unmeasured: 'the verification maps reached their bound', examples: [] };
    return judgeCommitted(this.committed, [...this.groups.values()], readToEnd);
  }

  /** The figures over every consumer group; undefined when no group logged anything. */
  reconcile(readToEnd: boolean): VerifyFigures | undefined {
    return this.against(this.acked, this.failed, readToEnd);
  }

  /**
   * With transactions, what the groups read against what the target confirmed committed: a record read that no
   * confirmed commit covers is `unackedSeen` (an aborted transaction's record made visible, or one never
   * written), unless its transaction's outcome was never confirmed (`unackedAfterFailure`). Transactional acks
   * carry no log offsets, so `offsetMismatches` is not measured; committed records never read are judged by
   * `reconcileCommitted` (`lostAcked` is not given).
   */
  reconcileTransactional(): VerifyFigures | undefined {
    const f = this.against(this.committed, this.uncertain, false);
    return f && { ...f, offsetMismatches: undefined };
  }

  private against(acked: Map<string, ByPartition>, failed: Map<string, ByPartition>, readToEnd: boolean): VerifyFigures | undefined {
    if (this.groups.size === 0) return undefined;
    const f: VerifyFigures = {
      offsetMismatches: 0,
      lostAcked: readToEnd ? 0 : undefined,
      unackedSeen: 0,
      unackedAfterFailure: 0,
      ackedRecords: this.ackedRecords,
      mapBytes: this.runs * BYTES_PER_RUN,
      overflow: this.overflow,
      examples: [],
    };
    if (this.overflow) return f;
    const counts = { offsetMismatch: 0, lostAcked: 0, unackedSeen: 0 };
    const example = (e: IntegrityExample & { kind: keyof typeof counts }): void => {
      if (counts[e.kind]++ < EXAMPLES_PER_KIND) f.examples.push(e);
    };
    for (const g of this.groups.values()) {
      for (const [partitionKey, start] of Object.entries(g.startOffsets)) {
        const partition = Number(partitionKey);
        const acks = byProducer(acked.get(g.topic)?.get(partition));
        const failures = byProducer(failed.get(g.topic)?.get(partition));
        const consumed = byProducer(g.runs.get(partition));
        for (const [producer, spans] of consumed) {
          const a = acks.get(producer) ?? [];
          for (const c of spans) {
            let cursor = c.s;
            const gap = (lo: number, hi: number): void => {
              if (hi <= lo) return;
              const afterFailure = covered(failures.get(producer), lo, hi);
              f.unackedAfterFailure += afterFailure;
              f.unackedSeen += hi - lo - afterFailure;
              if (hi - lo > afterFailure) example({ kind: 'unackedSeen', producer, partition, sequence: lo, offset: c.off + (lo - c.s) });
            };
            for (let i = firstEndingAfter(a, c.s); i < a.length && a[i]!.s < c.e; i++) {
              const ack = a[i]!;
              const lo = Math.max(c.s, ack.s);
              const hi = Math.min(c.e, ack.e);
              gap(cursor, lo);
              cursor = hi;
              if (ack.off >= 0 && ack.off - ack.s !== c.off - c.s) {
                f.offsetMismatches! += hi - lo;
                const offset = c.off + (lo - c.s);
                example({ kind: 'offsetMismatch', producer, partition, sequence: lo, offset, ackedOffset: ack.off + (lo - ack.s) });
              }
            }
            gap(cursor, c.e);
          }
        }
        if (!readToEnd) continue;
        // Acked records at or after where the group started reading, never read.
        for (const [producer, spans] of byProducer(acked.get(g.topic)?.get(partition), start)) {
          const read = union(consumed.get(producer) ?? []);
          for (const ack of spans) {
            const lost = ack.e - ack.s - covered(read, ack.s, ack.e);
            if (lost === 0) continue;
            f.lostAcked! += lost;
            let seq = ack.s;
            while (covered(read, seq, seq + 1) === 1) seq++;
            example({ kind: 'lostAcked', producer, partition, sequence: seq, ackedOffset: ack.off + (seq - ack.s) });
          }
        }
      }
    }
    return f;
  }
}

function topicMap(map: Map<string, ByPartition>, topic: string): ByPartition {
  let m = map.get(topic);
  if (!m) {
    m = new Map();
    map.set(topic, m);
  }
  return m;
}
