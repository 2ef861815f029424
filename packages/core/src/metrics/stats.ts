// A window's or a span's stats from its counters and histograms: what samples, phases and totals report.
import type { CommitStats, ConsumerStats, ConsumerTotals, ProducerStats, ProducerTotals } from '../types.js';
import type { ConsumerCounterSet, CounterSet } from '../worker/protocol.js';
import {
  CONSUMER_LATENCIES,
  emptySummaries,
  HISTOGRAMS,
  PRODUCER_HISTOGRAMS,
  type ConsumerHistogram,
  type HistogramSet,
  type ProducerHistogram,
} from './histogram-set.js';
import * as figures from '../result/figures.js';
import { emptyLatencySummary, summarizeHistogram } from './histogram.js';

/** The counters a consumer window and a consumer span share, with rates over `seconds`. */
function consumerCounts(c: ConsumerCounterSet, seconds: number) {
  return {
    consumed: c.consumed,
    bytes: c.bytes,
    msgsPerSec: figures.perSecond(c.consumed, seconds),
    mbPerSec: figures.mbPerSecond(c.bytes, seconds),
    polls: c.polls,
    emptyPolls: c.emptyPolls,
    errorsByCode: { ...c.errorsByCode },
  };
}

/** The commit figures of a span, when a group committed (or tried to) in it. */
function commitStats(c: ConsumerCounterSet, h: HistogramSet<ConsumerHistogram> | null): { commit?: CommitStats } {
  if (c.commits + c.commitsFailed === 0) return {};
  const latency = h ? summarizeHistogram(h.get(HISTOGRAMS.consumer.commit)) : emptyLatencySummary();
  return { commit: { commits: c.commits, failed: c.commitsFailed, errorsByCode: { ...c.commitErrorsByCode }, latency } };
}

/** Consumer stats of a window. */
export function consumerStats(
  c: ConsumerCounterSet,
  h: HistogramSet<ConsumerHistogram>,
  seconds: number,
  lag: { total: number; byPartition: Record<string, number> },
): ConsumerStats {
  return {
    ...consumerCounts(c, seconds),
    lag: lag.total,
    lagByPartition: lag.byPartition,
    latency: h.summarize(CONSUMER_LATENCIES),
    foreign: c.foreign,
    ...commitStats(c, h),
  };
}

/** Consumer totals of a span: rates over the time a consumer group ran in it. */
export function consumerTotals(
  c: ConsumerCounterSet,
  h: HistogramSet<ConsumerHistogram> | null,
  activeSeconds: number,
  lag: { max: number; final: number },
): ConsumerTotals {
  return {
    ...consumerCounts(c, activeSeconds),
    lag: { ...lag },
    latency: h ? h.summarize(CONSUMER_LATENCIES) : emptySummaries(CONSUMER_LATENCIES),
    activeSeconds,
    foreign: c.foreign,
    ...commitStats(c, h),
  };
}

/** Integrity counts summed over workers and consumer groups. */

/** The counters of a span and the rates over `seconds` that a window and the whole run both report. */
function producerCounts(c: CounterSet, seconds: number) {
  return {
    scheduled: c.scheduled,
    sent: c.sent,
    acked: c.acked,
    failed: c.failed,
    dropped: c.dropped,
    bytes: c.bytes,
    batches: c.batches,
    msgsPerSec: figures.perSecond(c.acked, seconds),
    mbPerSec: figures.mbPerSecond(c.bytes, seconds),
    errorsByCode: { ...c.errorsByCode },
    meanBatchSize: figures.meanBatchSize(c.sent, c.batches),
  };
}

/** Producer stats of a span, from counters and histograms. */
export function producerStats(
  c: CounterSet,
  h: HistogramSet<ProducerHistogram>,
  seconds: number,
  targetRate: number,
  gauges: { inFlightBatches: number; backlog: number },
): ProducerStats {
  return {
    ...producerCounts(c, seconds),
    targetRate,
    latency: h.summarize(),
    inFlightBatches: gauges.inFlightBatches,
    backlog: gauges.backlog,
  };
}

/**
 * Totals of a span. `activeSeconds` is the time producers were asked to send (the target rate's
 * denominator); `busySeconds` adds the drain after a stop, so records acked late lengthen the time instead
 * of inflating the achieved rate (default: activeSeconds).
 */
export function producerTotals(
  c: CounterSet,
  h: HistogramSet<ProducerHistogram> | null,
  activeSeconds: number,
  requested: number,
  busySeconds: number = activeSeconds,
): ProducerTotals {
  const counts = producerCounts(c, figures.achievedSeconds(activeSeconds, busySeconds));
  const targetRate = figures.targetRate(requested, activeSeconds);
  return {
    ...counts,
    targetRate,
    activeSeconds,
    rateErrorPercent: figures.rateErrorPercent(counts.msgsPerSec, targetRate),
    errorRatePercent: figures.errorRatePercent(c.failed, c.scheduled),
    errors: c.failed,
    latency: h ? h.summarize() : emptySummaries(PRODUCER_HISTOGRAMS),
  };
}
