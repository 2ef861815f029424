// Consumer group commits and restarts, and partition balance, as gauges: counts by outcome, commit latency by
// quantile in seconds, restart totals, the worst imbalance; nothing for a run without them.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { groupGaugesFor, recordGroups } from './group-metrics.js';
import type { LoadTestResult } from '@loadhouse/core';

type Consumer = NonNullable<LoadTestResult['consumer']>;

const counts = { consumed: 0, bytes: 0, msgsPerSec: 0, errorsByCode: {} } as unknown as Consumer;

describe('consumer group gauges', () => {
  it('export commits by outcome, the commit latency, the restart totals and the partition imbalance', async () => {
    const registry = new Registry();
    const g = groupGaugesFor(registry, ['env']);
    expect(groupGaugesFor(registry, ['env'])).toBe(g);
    recordGroups(
      g,
      { scenario: 's', topic: 't', env: 'ci' },
      {
        consumer: {
          ...counts,
          commit: {
            commits: 120,
            failed: 3,
            errorsByCode: { UNAVAILABLE: 3 },
            latency: { p50: 2, p95: 5, p99: 8, p999: 9, max: 12, mean: 3, count: 120 },
          },
          restarts: {
            restarts: 3,
            afterCrash: 2,
            redelivered: 450,
            redeliveryBound: 400,
            beyondBound: 50,
            skipped: 7,
            maxFirstRecordSeconds: 0.75,
            pending: 0,
            resumes: [],
          },
        },
        partitions: { imbalance: 2.5, cv: 0.75, groups: [] },
      },
    );
    const text = await registry.metrics();
    const l = 'scenario="s",topic="t",env="ci"';
    expect(text).toContain(`loadhouse_consumer_group_commits{${l},outcome="acknowledged"} 120`);
    expect(text).toContain(`loadhouse_consumer_group_commits{${l},outcome="failed"} 3`);
    expect(text).toContain(`loadhouse_consumer_group_commit_duration_seconds{${l},quantile="0.99"} 0.008`);
    expect(text).toContain(`loadhouse_consumer_group_commit_duration_seconds{${l},quantile="1"} 0.012`);
    expect(text).toContain(`loadhouse_consumer_group_restarts{${l},after="crash"} 2`);
    expect(text).toContain(`loadhouse_consumer_group_restarts{${l},after="stop"} 1`);
    expect(text).toContain(`loadhouse_consumer_group_redelivered_records{${l}} 450`);
    expect(text).toContain(`loadhouse_consumer_group_redelivery_bound_records{${l}} 400`);
    expect(text).toContain(`loadhouse_consumer_group_beyond_bound_records{${l}} 50`);
    expect(text).toContain(`loadhouse_consumer_group_skipped_records{${l}} 7`);
    expect(text).toContain(`loadhouse_consumer_group_restart_first_record_seconds{${l}} 0.75`);
    expect(text).toContain(`loadhouse_partitions_imbalance{${l}} 2.5`);
    expect(text).toContain(`loadhouse_partitions_cv{${l}} 0.75`);
  });

  it('no acknowledged commit: the failures, and no latency; a run without groups or keys exports nothing', async () => {
    const registry = new Registry();
    const g = groupGaugesFor(registry, []);
    const empty = { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
    recordGroups(
      g,
      { scenario: 's', topic: 't' },
      { consumer: { ...counts, commit: { commits: 0, failed: 4, errorsByCode: {}, latency: empty } } },
    );
    const text = await registry.metrics();
    expect(text).toContain('loadhouse_consumer_group_commits{scenario="s",topic="t",outcome="failed"} 4');
    expect(text).not.toMatch(/^loadhouse_consumer_group_commit_duration_seconds\{/m);
    expect(text).not.toMatch(/^loadhouse_consumer_group_restarts\{/m);

    const other = new Registry();
    recordGroups(groupGaugesFor(other, []), { scenario: 's', topic: 't' }, { consumer: counts });
    expect(await other.metrics()).not.toMatch(/^loadhouse_(consumer_group|partitions)_\w+\{/m);
  });
});
