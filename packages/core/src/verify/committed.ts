// The end-of-run check of transactions: each consumer group must read every record of every committed
// transaction in the partitions it reads. The sequence check sees only gaps below the highest sequence a group
// read, so a committed tail the target lost (its last transactions) leaves no gap; this check compares what
// producers were told was committed with what each group read, record by record, and so sees it.
//
// Committed records have no known offsets (assigned at commit, never answered), so they cannot be placed
// against where a group started reading. A group that started at offset 0 of a partition must have read all
// of them; one that started later is judged on a stream only if it met the stream's first committed record
// (every later one comes after it in the log). Anything else is counted as unchecked, and the check says why:
// a record that was not checked is never reported as kept.
import type { IntegrityExample } from '../types.js';
import { type ByPartition, byProducer, covered, firstEndingAfter, type Span, union } from './spans.js';

/** Examples of lost committed records at most. */
const EXAMPLES = 3;

/** What one consumer group read of one topic. */
export interface GroupReads {
  topic: string;
  /** Offset the group started each partition it read from. */
  startOffsets: Record<number, number>;
  runs: ByPartition;
}

/** The committed records against what the groups read. */
export interface CommittedCheck {
  /**
   * Records of committed transactions a group did not read, though it read their stream to the end: summed over
   * groups (a record two groups missed counts twice). Undefined when nothing could be judged.
   */
  lost: number | undefined;
  /** Why some (or all) committed records could not be checked; absent when every one was. */
  unmeasured?: string;
  examples: IntegrityExample[];
}

/** The first sequence at or after `s` that `read` (sorted, merged where they touch) does not cover. */
function firstUnread(read: readonly Span[], s: number): number {
  const r = read[firstEndingAfter(read, s)];
  return r && r.s <= s ? r.e : s;
}

function records(spans: readonly Span[]): number {
  let n = 0;
  for (const sp of spans) n += sp.e - sp.s;
  return n;
}

/**
 * Judges the committed records of each topic (`committed`: runs by topic and partition, offsets -1) against the
 * groups' reads. `readToEnd`: the consumers read every partition to its end (else nothing is judged: records
 * not reached yet are not lost).
 */
export function judgeCommitted(
  committed: ReadonlyMap<string, ByPartition>,
  groups: readonly GroupReads[],
  readToEnd: boolean,
): CommittedCheck {
  if (!readToEnd) return { lost: undefined, unmeasured: 'the consumers did not read every partition to its end', examples: [] };
  let lost = 0;
  let judged = 0;
  let unchecked = 0;
  const reasons = new Set<string>();
  const examples: IntegrityExample[] = [];
  const skip = (n: number, reason: string): void => {
    unchecked += n;
    reasons.add(reason);
  };
  for (const [topic, partitions] of committed) {
    const readers = groups.filter((g) => g.topic === topic);
    for (const [partition, list] of partitions) {
      const streams = byProducer(list);
      if (readers.length === 0) {
        for (const spans of streams.values()) skip(records(spans), `no consumer group read topic '${topic}'`);
        continue;
      }
      for (const g of readers) {
        const start = g.startOffsets[partition];
        const consumed = byProducer(g.runs.get(partition));
        for (const [producer, spans] of streams) {
          if (start === undefined) {
            skip(records(spans), 'a consumer group did not read every partition written to (with --shard, other shards read some)');
            continue;
          }
          const read = union(consumed.get(producer) ?? []);
          if (start !== 0 && covered(read, spans[0]!.s, spans[0]!.s + 1) === 0) {
            skip(records(spans), 'a consumer group started reading after the first committed record of a stream');
            continue;
          }
          judged++;
          for (const sp of spans) {
            const n = sp.e - sp.s - covered(read, sp.s, sp.e);
            if (n === 0) continue;
            lost += n;
            if (examples.length >= EXAMPLES) continue;
            examples.push({ kind: 'lostCommitted', producer, partition, sequence: firstUnread(read, sp.s) });
          }
        }
      }
    }
  }
  const out: CommittedCheck = { lost: judged > 0 || unchecked === 0 ? lost : undefined, examples };
  if (unchecked > 0) out.unmeasured = `${unchecked} committed record(s) could not be checked: ${[...reasons].join('; ')}`;
  return out;
}
