// The flat `s3.*` values the probe contributes to samples (collect) and to the result (summarize).
// Latencies in milliseconds, rates per second, sizes in bytes, error rate in percent.
import type { Growth, Inventory } from './inventory.js';
import { OPERATIONS, type LatencyRecorder, type OperationLatency, type S3Operation } from './latency.js';
import type { RequestTally } from './tally.js';
import { ERROR_KINDS } from './classify.js';

/** Names of the metrics the probe reports, for criteria (`{ metric: S3_METRICS.putP99, op: '<', value: 200 }`). */
export const S3_METRICS = {
  putP99: 's3.put.p99',
  getP99: 's3.get.p99',
  headP99: 's3.head.p99',
  deleteP99: 's3.delete.p99',
  listP99: 's3.list.p99',
  /** Failed probe operations (PUT, GET, HEAD, DELETE) in percent of attempted ones. */
  errorRate: 's3.errorRate',
  /** Throttled requests (503 SlowDown, 429), probe and listing. */
  throttles: 's3.throttles',
  /** Failed requests of any kind, probe and listing. */
  errors: 's3.errors',
  probeOps: 's3.probe.ops',
  probeCycles: 's3.probe.cycles',
  segments: 's3.segments',
  segmentBytes: 's3.segmentBytes',
  segmentsPerSecond: 's3.segmentsPerSecond',
  segmentMBPerSecond: 's3.segmentMBPerSecond',
  segmentsAdded: 's3.segmentsAdded',
  partitions: 's3.partitions',
  listings: 's3.listings',
  listingCapped: 's3.listingCapped',
} as const;

export interface MetricState {
  latency: LatencyRecorder;
  tally: RequestTally;
  cycles: number;
  listings: number;
  first: Inventory | undefined;
  latest: Inventory | undefined;
  /** Growth between the two most recent listings. */
  lastGrowth: Growth | undefined;
  /** Growth from the first listing to the latest. */
  runGrowth: Growth | undefined;
}

function putCounts(out: Record<string, number>, state: MetricState): void {
  const { tally } = state;
  out[S3_METRICS.probeCycles] = state.cycles;
  out[S3_METRICS.probeOps] = tally.probeOps;
  out[S3_METRICS.errorRate] = tally.errorRatePercent();
  out[S3_METRICS.throttles] = tally.errors.throttle;
  out[S3_METRICS.errors] = tally.totalErrors();
  for (const kind of ERROR_KINDS) out[`s3.errors.${kind}`] = tally.errors[kind];
}

function putInventory(out: Record<string, number>, state: MetricState, growth: Growth | undefined): void {
  const inv = state.latest;
  if (!inv) return;
  out[S3_METRICS.listings] = state.listings;
  out[S3_METRICS.segments] = inv.segments;
  out[S3_METRICS.segmentBytes] = inv.segmentBytes;
  out[S3_METRICS.partitions] = inv.partitions.length;
  out[S3_METRICS.listingCapped] = inv.capped ? 1 : 0;
  if (growth) {
    out[S3_METRICS.segmentsPerSecond] = growth.segmentsPerSecond;
    out[S3_METRICS.segmentMBPerSecond] = growth.mbPerSecond;
  }
}

/**
 * Per-sample values: each operation's p99 over the requests since the previous sample (the last known
 * value when none completed since, nothing before the first), cumulative counts, the latest inventory.
 */
export function collectMetrics(state: MetricState, lastP99: Map<S3Operation, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of OPERATIONS) {
    const recent = state.latency.takeRecent(op);
    if (recent) lastP99.set(op, recent.p99);
    const v = lastP99.get(op);
    if (v !== undefined) out[`s3.${op}.p99`] = v;
  }
  putCounts(out, state);
  putInventory(out, state, state.lastGrowth);
  return out;
}

/** Run-level values: whole-run percentiles per operation, totals, and growth from the first listing to the last. */
export function summarizeMetrics(state: MetricState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of OPERATIONS) {
    const s: OperationLatency = state.latency.summary(op);
    if (s.count === 0) continue;
    out[`s3.${op}.p50`] = s.p50;
    out[`s3.${op}.p95`] = s.p95;
    out[`s3.${op}.p99`] = s.p99;
    out[`s3.${op}.max`] = s.max;
    out[`s3.${op}.mean`] = s.mean;
    out[`s3.${op}.count`] = s.count;
  }
  putCounts(out, state);
  putInventory(out, state, state.runGrowth ?? state.lastGrowth);
  if (state.runGrowth) out[S3_METRICS.segmentsAdded] = state.runGrowth.segments;
  return out;
}
