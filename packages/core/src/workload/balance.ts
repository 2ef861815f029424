// How keyed records spread over partitions (result.partitions): per group, the counts with their imbalance
// and coefficient of variation; shards of one run add their counts up.
import type { PartitionBalance, PartitionsReport } from '../types.js';
import { round3 } from '../util.js';

/** A group's per-partition counts with their imbalance (max / mean) and coefficient of variation. */
export function balance(group: number, keys: string, acked: number[]): PartitionBalance {
  const mean = acked.reduce((a, b) => a + b, 0) / Math.max(1, acked.length);
  const variance = acked.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, acked.length);
  return {
    group,
    keys,
    acked,
    imbalance: mean > 0 ? round3(Math.max(...acked) / mean) : 0,
    cv: mean > 0 ? round3(Math.sqrt(variance) / mean) : 0,
  };
}

/** The report of these groups (the worst group's figures on top); undefined when there are none. */
export function partitionsReport(groups: PartitionBalance[]): PartitionsReport | undefined {
  if (groups.length === 0) return undefined;
  return { imbalance: Math.max(...groups.map((g) => g.imbalance)), cv: Math.max(...groups.map((g) => g.cv)), groups };
}

/** Shards' reports merged: each group's counts summed partition by partition, figures recomputed. */
export function mergePartitions(reports: ReadonlyArray<PartitionsReport | undefined>): PartitionsReport | undefined {
  const byGroup = new Map<number, { keys: string; acked: number[] }>();
  for (const r of reports) {
    for (const g of r?.groups ?? []) {
      const m = byGroup.get(g.group) ?? { keys: g.keys, acked: [] };
      g.acked.forEach((n, p) => {
        m.acked[p] = (m.acked[p] ?? 0) + n;
      });
      byGroup.set(g.group, m);
    }
  }
  return partitionsReport(
    [...byGroup].map(([id, g]) =>
      balance(
        id,
        g.keys,
        Array.from(g.acked, (n) => n ?? 0),
      ),
    ),
  );
}
