// Run-length logs of (partition, offset) -> (producer, sequence) that workers keep between reports: what
// producers had acknowledged (or saw fail) and what consumers read. A run is `count` records whose offsets
// and sequences both step by one, so a batch is one run and a producer that owns a partition alone is one run
// per report. The main thread reconciles them (verifier.ts); a worker only appends and hands them over.
import type { VerifyReport } from '../worker/protocol.js';

/** Numbers per run in a flat log: partition, first offset, count, producer, first sequence. */
export const RUN_FIELDS = 5;

export class RunLog {
  private runs: number[] = [];
  /** Index in `runs` of the last run of each (partition, producer), for merging the next one onto it. */
  private readonly last = new Map<string, number>();

  get size(): number {
    return this.runs.length / RUN_FIELDS;
  }

  /** Appends a run, extending the last run of its (partition, producer) when both offsets and sequences continue it. */
  add(partition: number, offset: number, count: number, producer: number, sequence: number): void {
    const key = `${partition}:${producer}`;
    const i = this.last.get(key);
    const runs = this.runs;
    if (i !== undefined) {
      const n = runs[i + 2]!;
      const o = runs[i + 1]!;
      // Unknown offsets (-1, failed batches) continue each other.
      if ((offset < 0 ? o < 0 : o + n === offset) && runs[i + 4]! + n === sequence) {
        runs[i + 2] = n + count;
        return;
      }
    }
    this.last.set(key, runs.length);
    runs.push(partition, offset, count, producer, sequence);
  }

  /** Appends a run without looking for one to merge with (the consumer merges its own, record by record). */
  push(partition: number, offset: number, count: number, producer: number, sequence: number): void {
    this.runs.push(partition, offset, count, producer, sequence);
  }

  /** The runs since the previous take (flat, RUN_FIELDS numbers each); the log starts empty again. */
  take(): number[] {
    const out = this.runs;
    this.runs = [];
    this.last.clear();
    return out;
  }
}

/** What producers of one topic logged in one worker: acknowledged runs and the runs of failed batches. */
export class AckLog {
  readonly acked = new RunLog();
  /** Offsets unknown (-1): the target may or may not have stored these records. */
  readonly failed = new RunLog();
  /** Records of transactions the target confirmed committed (offsets -1: assigned at commit, never answered). */
  readonly committed = new RunLog();
  /** Records of transactions whose commit or abort the target never confirmed: visible to readers, or not. */
  readonly uncertain = new RunLog();
}

interface ConsumedEntry {
  groupId: number;
  topic: string;
  startOffsets: Record<number, number>;
  log: RunLog;
  /** Closes the group's open runs into `log`. */
  flush: () => void;
  stopped: boolean;
}

/** The verification logs of one worker, by topic (producers) and by consumer group, and its share of a report. */
export class WorkerVerifyLogs {
  private readonly acks = new Map<string, AckLog>();
  /** By `groupId/topic`: a group of a many-topic run logs each of its topics apart. */
  private readonly groups = new Map<string, ConsumedEntry>();

  ackLog(topic: string): AckLog {
    let log = this.acks.get(topic);
    if (!log) {
      log = new AckLog();
      this.acks.set(topic, log);
    }
    return log;
  }

  consumerLog(groupId: number, topic: string, startOffsets: Record<number, number>, flush: () => void): RunLog {
    const log = new RunLog();
    this.groups.set(`${groupId}/${topic}`, { groupId, topic, startOffsets, log, flush, stopped: false });
    return log;
  }

  /** The group's last runs go out with the next report, then it is forgotten. */
  groupStopped(groupId: number): void {
    for (const g of this.groups.values()) if (g.groupId === groupId) g.stopped = true;
  }

  /** Everything logged since the previous report; undefined when nothing was. */
  report(): VerifyReport | undefined {
    const out: VerifyReport = { acks: [], consumed: [] };
    for (const [topic, log] of this.acks) {
      if (log.acked.size + log.failed.size + log.committed.size + log.uncertain.size === 0) continue;
      const committed = log.committed.size > 0 ? { committed: log.committed.take() } : {};
      const uncertain = log.uncertain.size > 0 ? { uncertain: log.uncertain.take() } : {};
      out.acks.push({ topic, acked: log.acked.take(), failed: log.failed.take(), ...committed, ...uncertain });
    }
    for (const [key, g] of this.groups) {
      g.flush();
      out.consumed.push({ groupId: g.groupId, topic: g.topic, startOffsets: g.startOffsets, runs: g.log.take() });
      if (g.stopped) this.groups.delete(key);
    }
    return out.acks.length + out.consumed.length > 0 ? out : undefined;
  }
}
