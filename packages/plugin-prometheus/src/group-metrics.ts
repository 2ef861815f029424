// Consumer group commits and restarts, and how keyed records spread over partitions, as gauges set once when
// the run ends (result.consumer.commit / restarts and result.partitions exist whole only then): what an alert on
// "commits fail", "a restart read again more than its commit interval allows" or "one partition takes the
// load" reads. A run without commits has no commit latency: it is left out, never exported as 0.
import type { LoadTestResult } from '@loadhouse/core';
import type { Gauge, Registry } from 'prom-client';
import { gaugeSets, QUANTILES } from './gauge-sets.js';

/** Names of the consumer group and partition balance gauges (loadhouse's own figures, never renamed by the prefix). */
export const GROUP_METRIC_NAMES = {
  commits: 'loadhouse_consumer_group_commits',
  commitDuration: 'loadhouse_consumer_group_commit_duration_seconds',
  restarts: 'loadhouse_consumer_group_restarts',
  redelivered: 'loadhouse_consumer_group_redelivered_records',
  redeliveryBound: 'loadhouse_consumer_group_redelivery_bound_records',
  beyondBound: 'loadhouse_consumer_group_beyond_bound_records',
  skipped: 'loadhouse_consumer_group_skipped_records',
  firstRecord: 'loadhouse_consumer_group_restart_first_record_seconds',
  imbalance: 'loadhouse_partitions_imbalance',
  cv: 'loadhouse_partitions_cv',
} as const;

type Name = keyof typeof GROUP_METRIC_NAMES;

const HELP: Record<Name, string> = {
  commits: 'Offset commits after warm-up by outcome (acknowledged, failed)',
  commitDuration: 'Latency of acknowledged offset commits by quantile (0.5 to 0.999, and 1: the max); absent when none was acknowledged',
  restarts: 'Consumer group restarts from committed offsets, by how the instance before ended (crash, stop)',
  redelivered: 'Records restarted groups read again (an earlier instance had read them)',
  redeliveryBound: 'Records read again that the commit interval allows: read since the last acknowledged commit before each stop',
  beyondBound: 'Records read again beyond each partition bound: the target resumed a group before a commit it acknowledged',
  skipped: 'Offsets no instance of a restarted group read: it resumed past them',
  firstRecord: 'The slowest restart, seconds from the restart to its first record; absent when no restart read anything',
  imbalance: 'Keyed records: the most loaded partition count over the mean (1 = even), the most uneven keyed producer group',
  cv: 'Keyed records: coefficient of variation of the per-partition counts (0 = even), the most uneven keyed producer group',
};

export type GroupGauges = Record<Name, Gauge<string>>;

/** The consumer group gauges of a registry for these label names (one set per registry, as runs may share it). */
export const groupGaugesFor: (registry: Registry, labelNames: readonly string[]) => GroupGauges = gaugeSets(
  GROUP_METRIC_NAMES,
  HELP,
  (make) => ({
    commits: make('commits', ['outcome']),
    commitDuration: make('commitDuration', ['quantile']),
    restarts: make('restarts', ['after']),
    redelivered: make('redelivered'),
    redeliveryBound: make('redeliveryBound'),
    beyondBound: make('beyondBound'),
    skipped: make('skipped'),
    firstRecord: make('firstRecord'),
    imbalance: make('imbalance'),
    cv: make('cv'),
  }),
);

/** Sets the gauges of one finished run; a run without commits, restarts or keyed records sets none of theirs. */
export function recordGroups(
  g: GroupGauges,
  labels: Record<string, string>,
  result: Pick<LoadTestResult, 'consumer' | 'partitions'>,
): void {
  const commit = result.consumer?.commit;
  if (commit) {
    g.commits.set({ ...labels, outcome: 'acknowledged' }, commit.commits);
    g.commits.set({ ...labels, outcome: 'failed' }, commit.failed);
    if (commit.latency.count > 0)
      for (const [quantile, key] of QUANTILES) g.commitDuration.set({ ...labels, quantile }, commit.latency[key] / 1000);
  }
  const r = result.consumer?.restarts;
  if (r) {
    g.restarts.set({ ...labels, after: 'crash' }, r.afterCrash);
    g.restarts.set({ ...labels, after: 'stop' }, r.restarts - r.afterCrash);
    g.redelivered.set(labels, r.redelivered);
    g.redeliveryBound.set(labels, r.redeliveryBound);
    g.beyondBound.set(labels, r.beyondBound);
    g.skipped.set(labels, r.skipped);
    if (r.maxFirstRecordSeconds !== null) g.firstRecord.set(labels, r.maxFirstRecordSeconds);
  }
  const p = result.partitions;
  if (p) {
    g.imbalance.set(labels, p.imbalance);
    g.cv.set(labels, p.cv);
  }
}
