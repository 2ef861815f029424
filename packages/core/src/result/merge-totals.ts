// The totals of shards that ran side by side, added into one run's: counts sum, rates add, percentiles come
// from the merged histograms when there are any (exact) or from the worst shard (an upper bound); the derived
// figures are computed as a run computes them (figures.ts).
import type { ConsumerLatency, LatencySummaries, ProducerHistogram } from '../metrics/histogram-set.js';
import type { CommitStats, ConsumerRestarts, ConsumerTotals, IntegrityReport, LatencySummary, ProducerTotals } from '../types.js';
import { errorRatePercent, meanBatchSize, rateErrorPercent, sideBySide } from './figures.js';

export function sumCodes(maps: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
export const max = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);

/** Percentiles where no histogram is stored (intervals, phases of older results): the worst shard's, an upper bound. */
export function worstSummary(xs: LatencySummary[]): LatencySummary {
  const counted = xs.filter((s) => s.count > 0);
  if (counted.length === 0) return xs[0] ?? { p50: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
  const count = sum(counted.map((s) => s.count));
  return {
    p50: max(counted.map((s) => s.p50)),
    p95: max(counted.map((s) => s.p95)),
    p99: max(counted.map((s) => s.p99)),
    p999: max(counted.map((s) => s.p999)),
    max: max(counted.map((s) => s.max)),
    mean: sum(counted.map((s) => s.mean * s.count)) / count,
    count,
  };
}

export function mergeProducer(parts: ProducerTotals[], exact?: LatencySummaries<ProducerHistogram>): ProducerTotals {
  const acked = sum(parts.map((p) => p.acked));
  const scheduled = sum(parts.map((p) => p.scheduled));
  const failed = sum(parts.map((p) => p.failed));
  const sent = sum(parts.map((p) => p.sent));
  const batches = sum(parts.map((p) => p.batches));
  const bytes = sum(parts.map((p) => p.bytes));
  const msgsPerSec = sideBySide(parts.map((p) => p.msgsPerSec));
  const targetRate = sideBySide(parts.map((p) => p.targetRate));
  const latency = exact ?? {
    response: worstSummary(parts.map((p) => p.latency.response)),
    service: worstSummary(parts.map((p) => p.latency.service)),
    scheduleLag: worstSummary(parts.map((p) => p.latency.scheduleLag)),
  };
  return {
    scheduled,
    sent,
    acked,
    failed,
    dropped: sum(parts.map((p) => p.dropped)),
    bytes,
    batches,
    msgsPerSec,
    mbPerSec: sideBySide(parts.map((p) => p.mbPerSec)),
    targetRate,
    activeSeconds: max(parts.map((p) => p.activeSeconds ?? 0)),
    rateErrorPercent: rateErrorPercent(msgsPerSec, targetRate),
    errorRatePercent: errorRatePercent(failed, scheduled),
    errors: failed,
    errorsByCode: sumCodes(parts.map((p) => p.errorsByCode)),
    latency,
    meanBatchSize: meanBatchSize(sent, batches),
  } as ProducerTotals;
}

export function mergeConsumer(
  parts: ConsumerTotals[],
  exact?: LatencySummaries<ConsumerLatency>,
  exactCommit?: LatencySummary,
): ConsumerTotals {
  const merged: ConsumerTotals = {
    ...parts[0]!,
    consumed: sum(parts.map((p) => p.consumed)),
    bytes: sum(parts.map((p) => p.bytes)),
    msgsPerSec: sideBySide(parts.map((p) => p.msgsPerSec)),
    mbPerSec: sideBySide(parts.map((p) => p.mbPerSec)),
    polls: sum(parts.map((p) => p.polls)),
    emptyPolls: sum(parts.map((p) => p.emptyPolls)),
    errorsByCode: sumCodes(parts.map((p) => p.errorsByCode)),
    lag: { max: sum(parts.map((p) => p.lag.max)), final: sum(parts.map((p) => p.lag.final)) },
    ...(parts.some((p) => p.foreign !== undefined) ? { foreign: sum(parts.map((p) => p.foreign ?? 0)) } : {}),
    ...(parts.some((p) => p.activeSeconds !== undefined) ? { activeSeconds: max(parts.map((p) => p.activeSeconds ?? 0)) } : {}),
    latency: exact ?? {
      poll: worstSummary(parts.map((p) => p.latency.poll)),
      endToEnd: worstSummary(parts.map((p) => p.latency.endToEnd)),
    },
  };
  delete merged.commit;
  delete merged.restarts;
  Object.assign(
    merged,
    mergeCommits(
      parts.map((p) => p.commit),
      exactCommit,
    ),
  );
  const restarts = parts.flatMap((p) => (p.restarts ? [p.restarts] : []));
  if (restarts.length > 0) merged.restarts = mergeRestarts(restarts);
  return merged;
}

/** The commits of shards side by side (`{}` when none committed); latency exact when given, else the worst shard's. */
export function mergeCommits(parts: ReadonlyArray<CommitStats | undefined>, exact?: LatencySummary): { commit?: CommitStats } {
  const commits = parts.filter((c): c is CommitStats => c !== undefined);
  if (commits.length === 0) return {};
  return {
    commit: {
      commits: sum(commits.map((c) => c.commits)),
      failed: sum(commits.map((c) => c.failed)),
      errorsByCode: sumCodes(commits.map((c) => c.errorsByCode)),
      latency: exact ?? worstSummary(commits.map((c) => c.latency)),
    },
  };
}

/** Each shard restarts its own consumers: counts add, the slowest first record is the slowest of any shard. */
function mergeRestarts(parts: ConsumerRestarts[]): ConsumerRestarts {
  const firsts = parts.flatMap((p) => (p.maxFirstRecordSeconds === null ? [] : [p.maxFirstRecordSeconds]));
  return {
    restarts: sum(parts.map((p) => p.restarts)),
    afterCrash: sum(parts.map((p) => p.afterCrash)),
    redelivered: sum(parts.map((p) => p.redelivered)),
    redeliveryBound: sum(parts.map((p) => p.redeliveryBound)),
    beyondBound: sum(parts.map((p) => p.beyondBound)),
    skipped: sum(parts.map((p) => p.skipped)),
    maxFirstRecordSeconds: firsts.length ? max(firsts) : null,
    pending: sum(parts.map((p) => p.pending)),
    resumes: parts.flatMap((p) => p.resumes),
  };
}

/** Integrity of the shards together (exported for its tests). */
export function mergeIntegrity(parts: IntegrityReport[]): IntegrityReport {
  const out: IntegrityReport & Record<string, unknown> = {
    ...parts[0]!,
    checked: parts.some((p) => p.checked),
    missing: sum(parts.map((p) => p.missing)),
    duplicates: sum(parts.map((p) => p.duplicates)),
    reordered: sum(parts.map((p) => p.reordered)),
    examples: parts.flatMap((p) => p.examples).slice(0, 20),
  };
  for (const key of Object.keys(parts[0]!)) {
    const values = parts.map((p) => (p as unknown as Record<string, unknown>)[key]);
    if (values.every((v) => typeof v === 'number') && !['missing', 'duplicates', 'reordered'].includes(key))
      out[key] = sum(values as number[]);
    if (values.every((v) => typeof v === 'boolean') && key !== 'checked') out[key] = (values as boolean[]).some(Boolean);
  }
  // A record-level count one checked shard lacks (not read to the end, maps over their bound) is unknown for
  // the whole: summing the others would read as a measured figure.
  for (const key of ['offsetMismatches', 'lostAcked', 'unackedSeen', 'unackedAfterFailure'] as const) {
    if (parts.some((p) => p.checked && typeof p[key] !== 'number')) delete out[key];
  }
  // Records any shard's consumers left unread: one shard's unread tail is unknown for the whole.
  const unread = sum(parts.map((p) => p.unread ?? 0));
  if (unread > 0) out.unread = unread;
  else delete out.unread;
  mergeCommitted(parts, out);
  // Each shard's failed batches explain only its own gaps: summed as they are, one shard's failures would hide
  // another shard's lost records from integrity.lost (missing - expectedMissing).
  if (parts.some((p) => typeof p.expectedMissing === 'number')) {
    out.expectedMissing = sum(parts.map((p) => Math.min(p.expectedMissing ?? 0, p.missing)));
  }
  return out;
}

/**
 * The check of committed transactions over shards. A shard checks its own producers' commits against its own
 * consumers' reads, and says when some went unchecked (another shard read their partition). Losses found add
 * up; any shard's unchecked records (or a shard without the check) leave the merged check incomplete.
 */
function mergeCommitted(parts: IntegrityReport[], out: IntegrityReport): void {
  const withCheck = parts.filter((p) => p.lostCommitted !== undefined || p.lostCommittedUnmeasured !== undefined);
  delete out.lostCommitted;
  delete out.lostCommittedUnmeasured;
  if (withCheck.length === 0) return;
  const lost = parts.flatMap((p) => (typeof p.lostCommitted === 'number' ? [p.lostCommitted] : []));
  if (lost.length > 0) out.lostCommitted = sum(lost);
  const notes = [...new Set(parts.flatMap((p) => (p.lostCommittedUnmeasured ? [p.lostCommittedUnmeasured] : [])))];
  if (withCheck.length < parts.length) notes.push(`${parts.length - withCheck.length} shard(s) have no check of committed transactions`);
  if (notes.length > 0) out.lostCommittedUnmeasured = notes.join('; ');
}
