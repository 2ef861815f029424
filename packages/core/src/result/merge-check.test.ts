// Which configuration differences shards of one run may have: timings and per-shard draws, never settings.
import { describe, expect, it } from 'vitest';
import { makeResult } from '../testing/result.js';
import type { LoadTestResult } from '../types.js';
import { checkMergeable } from './merge-check.js';

const group = { id: 1, rate: 'max', consumers: 2, partitions: 4, startAt: 'latest', group: 'g', maxRecords: 500, maxInFlight: 4 };

/** Shard `index` of 2 of a transactional run with one consumer group, started `startedAt` s into the run. */
function shard(index: number, startedAt: number, over: { seed?: number; consumers?: number } = {}): LoadTestResult {
  const r = makeResult({ metrics: false });
  r.shard = { index, count: 2 };
  r.runId = 'run-x';
  const config = r.config as Record<string, unknown>;
  config.consumerGroups = [
    { ...group, consumers: over.consumers ?? 2, commitEverySeconds: 0, idleConsumers: 0, topic: 't', startedAtSeconds: startedAt },
  ];
  config.delivery = { idempotent: true, retries: 5, transactions: { recordsPerTransaction: 200, abortRatio: 0.3, seed: over.seed ?? 1 } };
  return r;
}

describe('checkMergeable', () => {
  it("accepts shards whose consumer groups started at other instants and whose abort seeds were each shard's own", () => {
    expect(() => checkMergeable([shard(0, 0.715, { seed: 1440220846 }), shard(1, 0.829, { seed: 2520785707 })])).not.toThrow();
  });

  it('still refuses shards whose consumer groups were set up differently', () => {
    expect(() => checkMergeable([shard(0, 0.7), shard(1, 0.7, { consumers: 3 })])).toThrow(/different configurations \(consumerGroups\)/);
  });
});
