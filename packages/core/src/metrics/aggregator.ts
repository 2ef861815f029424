// Merges worker reports exactly: interval histograms for samples, cumulative (post-warm-up) histograms for
// totals, per-phase histograms for phases. Reports add into a pending window whenever they arrive; a cut
// turns the window into producer and consumer stats, so a late report lands in the next window instead of
// being lost. Lag is a gauge (each partition's latest value); integrity counts are cumulative per worker and
// group, so the latest report of each simply replaces the previous one.
import type { ConsumerStats, ConsumerTotals, IntegrityExample, LatencySummary, ProducerStats, ProducerTotals } from '../types.js';
import {
  addConsumerCounters,
  addCounters,
  emptyConsumerCounters,
  emptyCounters,
  type ConsumerCounterSet,
  type CounterSet,
  type EncodedConsumerLatencies,
  type EncodedLatencies,
  type IntegrityTally,
  type WorkerReport,
} from '../worker/protocol.js';
import * as figures from '../result/figures.js';
import { addEncoded, createHistogram, encodeHistogram, summarizeHistogram, type Histogram } from './histogram.js';

export interface LatencyHistograms {
  response: Histogram;
  service: Histogram;
  scheduleLag: Histogram;
}

function latencyHistograms(): LatencyHistograms {
  return { response: createHistogram(), service: createHistogram(), scheduleLag: createHistogram() };
}

function addAll(into: LatencyHistograms, from: LatencyHistograms): void {
  into.response.add(from.response);
  into.service.add(from.service);
  into.scheduleLag.add(from.scheduleLag);
}

function addEncodedSet(into: LatencyHistograms, enc: EncodedLatencies): void {
  if (enc.response) addEncoded(into.response, enc.response);
  if (enc.service) addEncoded(into.service, enc.service);
  if (enc.scheduleLag) addEncoded(into.scheduleLag, enc.scheduleLag);
}

function destroyAll(h: LatencyHistograms): void {
  h.response.destroy();
  h.service.destroy();
  h.scheduleLag.destroy();
}

function summaries(h: LatencyHistograms): { response: LatencySummary; service: LatencySummary; scheduleLag: LatencySummary } {
  return {
    response: summarizeHistogram(h.response),
    service: summarizeHistogram(h.service),
    scheduleLag: summarizeHistogram(h.scheduleLag),
  };
}

export interface ConsumerHistograms {
  poll: Histogram;
  endToEnd: Histogram;
}

export function consumerHistograms(): ConsumerHistograms {
  return { poll: createHistogram(), endToEnd: createHistogram() };
}

function addConsumerEncoded(into: ConsumerHistograms, enc: EncodedConsumerLatencies): void {
  if (enc.poll) addEncoded(into.poll, enc.poll);
  if (enc.endToEnd) addEncoded(into.endToEnd, enc.endToEnd);
}

export function destroyConsumerHistograms(h: ConsumerHistograms): void {
  h.poll.destroy();
  h.endToEnd.destroy();
}

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

/** Consumer stats of a window. */
export function consumerStats(
  c: ConsumerCounterSet,
  h: ConsumerHistograms,
  seconds: number,
  lag: { total: number; byPartition: Record<string, number> },
): ConsumerStats {
  return {
    ...consumerCounts(c, seconds),
    lag: lag.total,
    lagByPartition: lag.byPartition,
    latency: { poll: summarizeHistogram(h.poll), endToEnd: summarizeHistogram(h.endToEnd) },
    foreign: c.foreign,
  };
}

/** Consumer totals of a span: rates over the time a consumer group ran in it. */
export function consumerTotals(
  c: ConsumerCounterSet,
  h: ConsumerHistograms | null,
  activeSeconds: number,
  lag: { max: number; final: number },
): ConsumerTotals {
  return {
    ...consumerCounts(c, activeSeconds),
    lag: { ...lag },
    latency: { poll: summarizeHistogram(h?.poll), endToEnd: summarizeHistogram(h?.endToEnd) },
    activeSeconds,
    foreign: c.foreign,
  };
}

/** Integrity counts summed over workers and consumer groups. */
export interface IntegritySums {
  checked: number;
  missing: number;
  duplicates: number;
  reordered: number;
  mergedGaps: number;
  examples: IntegrityExample[];
}

export interface WindowHealth {
  workerLoopDelayMaxMs: number;
  workerUtilizationMax: number;
}

/** Producer stats of a span, from counters and histograms. */
export function producerStats(
  c: CounterSet,
  h: LatencyHistograms,
  seconds: number,
  targetRate: number,
  gauges: { inFlightBatches: number; backlog: number },
): ProducerStats {
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
    targetRate,
    errorsByCode: { ...c.errorsByCode },
    latency: summaries(h),
    meanBatchSize: figures.meanBatchSize(c.sent, c.batches),
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
  h: LatencyHistograms | null,
  activeSeconds: number,
  requested: number,
  busySeconds: number = activeSeconds,
): ProducerTotals {
  const seconds = figures.achievedSeconds(activeSeconds, busySeconds);
  const msgsPerSec = figures.perSecond(c.acked, seconds);
  const targetRate = figures.targetRate(requested, activeSeconds);
  return {
    scheduled: c.scheduled,
    sent: c.sent,
    acked: c.acked,
    failed: c.failed,
    dropped: c.dropped,
    bytes: c.bytes,
    batches: c.batches,
    msgsPerSec,
    mbPerSec: figures.mbPerSecond(c.bytes, seconds),
    targetRate,
    activeSeconds,
    rateErrorPercent: figures.rateErrorPercent(msgsPerSec, targetRate),
    errorRatePercent: figures.errorRatePercent(c.failed, c.scheduled),
    errors: c.failed,
    errorsByCode: { ...c.errorsByCode },
    latency: h
      ? summaries(h)
      : { response: summarizeHistogram(null), service: summarizeHistogram(null), scheduleLag: summarizeHistogram(null) },
    meanBatchSize: figures.meanBatchSize(c.sent, c.batches),
  };
}

/**
 * Histograms that recorded anything, encoded and keyed like `result.histograms` (producer.response, ...):
 * a window's for live samples, a phase's for its result, so shard merges of phases stay exact.
 */
export function encodeNonEmpty(latency: LatencyHistograms, consumer: ConsumerHistograms): Record<string, string> {
  const out: Record<string, string> = {};
  const encodeIf = (key: string, h: Histogram) => {
    if (h.totalCount > 0) out[key] = encodeHistogram(h);
  };
  encodeIf('producer.response', latency.response);
  encodeIf('producer.service', latency.service);
  encodeIf('producer.scheduleLag', latency.scheduleLag);
  encodeIf('consumer.poll', consumer.poll);
  encodeIf('consumer.endToEnd', consumer.endToEnd);
  return out;
}

export interface PhaseAccumulator {
  name: string;
  startMs: number;
  counters: CounterSet;
  histograms: LatencyHistograms;
  consumer: ConsumerCounterSet;
  consumerHistograms: ConsumerHistograms;
  /** Total lag: the largest and the last of the phase's windows. */
  lagMax: number;
  lagFinal: number;
}

export class Aggregator {
  /** Everything reported since the last cut. */
  private window = emptyCounters();
  private readonly windowHist = latencyHistograms();
  /** Post-warm-up records since the start: the totals. */
  readonly measured = emptyCounters();
  /** Every producer event since the start, warm-up included (failed batches: integrity's expected missing). */
  readonly all = emptyCounters();
  private readonly cumulative = latencyHistograms();
  private consumerWindow = emptyConsumerCounters();
  private readonly consumerWindowHist = consumerHistograms();
  /** Post-warm-up consumer events since the start. */
  readonly consumerMeasured = emptyConsumerCounters();
  private readonly consumerCumulative = consumerHistograms();
  /** True once any worker reported a consumer section. */
  private consumersSeen = false;
  /** Latest lag of each (group, partition). A stopped group keeps its last value. */
  private readonly lag = new Map<string, { partition: number; lag: number }>();
  /** Latest integrity tally of each (worker, group). */
  private readonly integrity = new Map<string, IntegrityTally>();
  private readonly phases: PhaseAccumulator[] = [];
  private readonly gauges = new Map<number, { inFlightBatches: number; backlog: number }>();
  private health: WindowHealth = { workerLoopDelayMaxMs: 0, workerUtilizationMax: 0 };

  onReport(workerIndex: number, report: WorkerReport): void {
    const p = report.producer;
    if (p) {
      addCounters(this.window, p.window);
      addCounters(this.measured, p.measured);
      addCounters(this.all, p.window);
      addEncodedSet(this.windowHist, p.histograms);
      addEncodedSet(this.cumulative, p.measuredHistograms === 'window' ? p.histograms : p.measuredHistograms);
      this.gauges.set(workerIndex, { inFlightBatches: p.inFlightBatches, backlog: p.backlog });
    }
    const c = report.consumer;
    if (c) {
      this.consumersSeen = true;
      addConsumerCounters(this.consumerWindow, c.window);
      addConsumerCounters(this.consumerMeasured, c.measured);
      addConsumerEncoded(this.consumerWindowHist, c.histograms);
      addConsumerEncoded(this.consumerCumulative, c.measuredHistograms === 'window' ? c.histograms : c.measuredHistograms);
      for (const l of c.lag) this.lag.set(`${l.groupId}:${l.partition}`, { partition: l.partition, lag: l.lag });
      for (const t of c.integrity) this.integrity.set(`${workerIndex}:${t.groupId}`, t.tally);
    }
    this.health.workerLoopDelayMaxMs = Math.max(this.health.workerLoopDelayMaxMs, report.health.eventLoopDelayP99Ms);
    this.health.workerUtilizationMax = Math.max(this.health.workerUtilizationMax, report.health.utilization);
  }

  /** Whether any consumer group reported (the result's consumer and integrity sections are then live). */
  get hasConsumers(): boolean {
    return this.consumersSeen;
  }

  /** The lag gauge now: total and by partition (summed over groups). */
  currentLag(): { total: number; byPartition: Record<string, number> } {
    let total = 0;
    const byPartition: Record<string, number> = {};
    const sorted = [...this.lag.values()].sort((a, b) => a.partition - b.partition);
    for (const { partition, lag } of sorted) {
      total += lag;
      byPartition[partition] = (byPartition[partition] ?? 0) + lag;
    }
    return { total, byPartition };
  }

  integritySums(): IntegritySums {
    const out: IntegritySums = { checked: 0, missing: 0, duplicates: 0, reordered: 0, mergedGaps: 0, examples: [] };
    const examples: IntegrityExample[] = [];
    for (const t of this.integrity.values()) {
      out.checked += t.checked;
      out.missing += t.missing;
      out.duplicates += t.duplicates;
      out.reordered += t.reordered;
      out.mergedGaps += t.mergedGaps;
      for (const e of t.examples) examples.push({ ...e });
    }
    // Losses first, then duplicates, then reordering (a stable sort keeps each worker's order).
    const rank = { missing: 0, duplicate: 1, reordered: 2 } as const;
    out.examples = examples.sort((a, b) => rank[a.kind] - rank[b.kind]).slice(0, 20);
    return out;
  }

  /** Closes the window: its producer and consumer stats and the health seen in it; the window's data joins open phases. */
  cut(
    seconds: number,
    targetRate: number,
  ): { producer: ProducerStats; consumer: ConsumerStats; health: WindowHealth; histograms: Record<string, string> } {
    let inFlightBatches = 0;
    let backlog = 0;
    for (const g of this.gauges.values()) {
      inFlightBatches += g.inFlightBatches;
      backlog += g.backlog;
    }
    const producer = producerStats(this.window, this.windowHist, seconds, targetRate, { inFlightBatches, backlog });
    const lag = this.currentLag();
    const consumer = consumerStats(this.consumerWindow, this.consumerWindowHist, seconds, lag);
    for (const ph of this.phases) {
      addCounters(ph.counters, this.window);
      addAll(ph.histograms, this.windowHist);
      addConsumerCounters(ph.consumer, this.consumerWindow);
      ph.consumerHistograms.poll.add(this.consumerWindowHist.poll);
      ph.consumerHistograms.endToEnd.add(this.consumerWindowHist.endToEnd);
      ph.lagMax = Math.max(ph.lagMax, lag.total);
      ph.lagFinal = lag.total;
    }
    // The window's histograms, encoded, for listeners that need the distribution (exact Prometheus buckets).
    const histograms = encodeNonEmpty(this.windowHist, this.consumerWindowHist);
    this.window = emptyCounters();
    this.windowHist.response.reset();
    this.windowHist.service.reset();
    this.windowHist.scheduleLag.reset();
    this.consumerWindow = emptyConsumerCounters();
    this.consumerWindowHist.poll.reset();
    this.consumerWindowHist.endToEnd.reset();
    const health = this.health;
    this.health = { workerLoopDelayMaxMs: 0, workerUtilizationMax: 0 };
    return { producer, consumer, health, histograms };
  }

  openPhase(name: string, startMs: number): PhaseAccumulator {
    const ph: PhaseAccumulator = {
      name,
      startMs,
      counters: emptyCounters(),
      histograms: latencyHistograms(),
      consumer: emptyConsumerCounters(),
      consumerHistograms: consumerHistograms(),
      lagMax: 0,
      lagFinal: 0,
    };
    this.phases.push(ph);
    return ph;
  }

  /** Removes an open phase and returns its counters and histograms (the caller destroys the histograms). */
  closePhase(ph: PhaseAccumulator): PhaseAccumulator {
    const i = this.phases.indexOf(ph);
    if (i >= 0) this.phases.splice(i, 1);
    return ph;
  }

  get openPhases(): readonly PhaseAccumulator[] {
    return this.phases;
  }

  cumulativeHistograms(): LatencyHistograms {
    return this.cumulative;
  }

  cumulativeConsumerHistograms(): ConsumerHistograms {
    return this.consumerCumulative;
  }

  encodedCumulative(): Record<string, string> {
    const out: Record<string, string> = {
      'producer.response': encodeHistogram(this.cumulative.response),
      'producer.service': encodeHistogram(this.cumulative.service),
      'producer.scheduleLag': encodeHistogram(this.cumulative.scheduleLag),
    };
    if (this.consumersSeen) {
      out['consumer.poll'] = encodeHistogram(this.consumerCumulative.poll);
      out['consumer.endToEnd'] = encodeHistogram(this.consumerCumulative.endToEnd);
    }
    return out;
  }

  destroy(): void {
    destroyAll(this.windowHist);
    destroyAll(this.cumulative);
    destroyConsumerHistograms(this.consumerWindowHist);
    destroyConsumerHistograms(this.consumerCumulative);
    for (const ph of this.phases) {
      destroyAll(ph.histograms);
      destroyConsumerHistograms(ph.consumerHistograms);
    }
    this.phases.length = 0;
  }
}

export { destroyAll as destroyLatencyHistograms };
