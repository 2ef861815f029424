// Empty sections of samples and results for what a run did not measure (consumers, until the consumer pool
// exists, and integrity, which consumers check).
import { CONSUMER_LATENCIES, emptySummaries } from '../metrics/histogram-set.js';
import type { ConsumerStats, ConsumerTotals, IntegrityReport } from '../types.js';

/** The counts a consumer section starts from, shared by live stats and totals. */
function emptyConsumerCounts() {
  return { consumed: 0, bytes: 0, msgsPerSec: 0, mbPerSec: 0, polls: 0, emptyPolls: 0, errorsByCode: {} };
}

export function emptyConsumerStats(): ConsumerStats {
  return { ...emptyConsumerCounts(), lag: 0, lagByPartition: {}, latency: emptySummaries(CONSUMER_LATENCIES) };
}

export function emptyConsumerTotals(): ConsumerTotals {
  return { ...emptyConsumerCounts(), lag: { max: 0, final: 0 }, latency: emptySummaries(CONSUMER_LATENCIES) };
}

export function emptyIntegrity(): IntegrityReport {
  return { checked: false, missing: 0, duplicates: 0, reordered: 0, examples: [] };
}
