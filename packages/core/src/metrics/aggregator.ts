// Merges worker reports exactly: interval histograms for samples, cumulative (post-warm-up) histograms for
// totals, per-phase histograms for phases. Reports add into a pending window whenever they arrive; a cut
// turns the window into producer and consumer stats, so a late report lands in the next window instead of
// being lost. Lag is a gauge (each partition's latest value); integrity counts are cumulative per worker and
// group, so the latest report of each simply replaces the previous one.
import { Verifier } from '../verify/verifier.js';
import type { ConsumerStats, IntegrityExample, ProducerStats } from '../types.js';
import {
  addConsumerCounters,
  addCounters,
  emptyConsumerCounters,
  emptyCounters,
  type ConsumerCounterSet,
  type CounterSet,
  type IntegrityTally,
  type WorkerReport,
} from '../worker/protocol.js';
import {
  CONSUMER_HISTOGRAMS,
  HISTOGRAMS,
  HistogramSet,
  PRODUCER_HISTOGRAMS,
  type ConsumerHistogram,
  type ProducerHistogram,
} from './histogram-set.js';
import { consumerStats, consumerTotals, producerStats, producerTotals } from './stats.js';

export { consumerStats, consumerTotals, producerStats, producerTotals };
import { compressEncoded } from './histogram.js';

export interface IntegritySums {
  checked: number;
  missing: number;
  duplicates: number;
  reordered: number;
  corrupted: number;
  mergedGaps: number;
  examples: IntegrityExample[];
}

export interface WindowHealth {
  workerLoopDelayMaxMs: number;
  workerUtilizationMax: number;
  /** Producers waited for a call because their worker's calls in flight were at its cap: waits summed over workers. */
  callCap?: { cap: number; waits: number };
  /** Producers found their own in-flight window full with a batch ready: times, summed over workers. */
  windowFullWaits?: number;
}

export interface PhaseAccumulator {
  name: string;
  startMs: number;
  counters: CounterSet;
  histograms: HistogramSet<ProducerHistogram>;
  consumer: ConsumerCounterSet;
  consumerHistograms: HistogramSet<ConsumerHistogram>;
  /** Total lag: the largest and the last of the phase's windows. */
  lagMax: number;
  lagFinal: number;
}

function byTopic<C>(map: Map<string, C>, topic: string, empty: () => C): C {
  let c = map.get(topic);
  if (!c) map.set(topic, (c = empty()));
  return c;
}

/** Compressed base64 histograms, each made from its uncompressed encoding when first read. */
function lazilyCompressed(bytes: Record<string, Uint8Array | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(bytes)) {
    if (!raw) continue;
    let value: string | undefined;
    Object.defineProperty(out, key, { enumerable: true, get: () => (value ??= compressEncoded(raw)) });
  }
  return out;
}

export class Aggregator {
  /** Everything reported since the last cut. */
  private window = emptyCounters();
  private readonly windowHist = new HistogramSet(PRODUCER_HISTOGRAMS);
  /** Post-warm-up records since the start: the totals. */
  readonly measured = emptyCounters();
  /** Every producer event since the start, warm-up included (failed batches: integrity's expected missing). */
  readonly all = emptyCounters();
  private readonly cumulative = new HistogramSet(PRODUCER_HISTOGRAMS);
  private consumerWindow = emptyConsumerCounters();
  private readonly consumerWindowHist = new HistogramSet(CONSUMER_HISTOGRAMS);
  /** Post-warm-up consumer events since the start. */
  readonly consumerMeasured = emptyConsumerCounters();
  private readonly consumerCumulative = new HistogramSet(CONSUMER_HISTOGRAMS);
  /** True once any worker reported a consumer section. */
  private consumersSeen = false;
  /** Latest lag of each (group, topic, partition). A stopped group keeps its last value. */
  private readonly lag = new Map<string, { partition: number; lag: number; topic: string | undefined }>();
  /** Post-warm-up producer and consumer counts by topic (many-topic runs report them; result.topics). */
  readonly topicProducers = new Map<string, CounterSet>();
  readonly topicConsumers = new Map<string, ConsumerCounterSet>();
  /** Latest integrity tally of each (worker, group). */
  private readonly integrity = new Map<string, IntegrityTally>();
  private readonly phases: PhaseAccumulator[] = [];
  private readonly gauges = new Map<number, { inFlightBatches: number; backlog: number }>();
  private health: WindowHealth = { workerLoopDelayMaxMs: 0, workerUtilizationMax: 0 };
  /** Ack and consumed runs for the consumed-offset check, reconciled at the end of the run. */
  readonly verifier = new Verifier();
  /** Durations (ms) of the drivers' group joins and rebalances, as workers reported them. */
  private readonly rebalanceMs: number[] = [];
  /** The earliest first ack of any worker (epoch ms); NaN until one acked. */
  firstAckEpochMs = Number.NaN;
  /** Measured records acknowledged within the first second after warm-up, all workers. */
  firstSecondAcked = 0;

  onReport(workerIndex: number, report: WorkerReport): void {
    if (report.verify) this.verifier.add(report.verify);
    if (report.rebalanceMs) this.rebalanceMs.push(...report.rebalanceMs);
    const p = report.producer;
    if (p) {
      addCounters(this.window, p.window);
      addCounters(this.measured, p.measured);
      addCounters(this.all, p.window);
      this.windowHist.addEncoded(p.histograms);
      this.cumulative.addEncoded(p.measuredHistograms === 'window' ? p.histograms : p.measuredHistograms);
      this.gauges.set(workerIndex, { inFlightBatches: p.inFlightBatches, backlog: p.backlog });
      if (p.firstAckEpochMs && !(p.firstAckEpochMs >= this.firstAckEpochMs)) this.firstAckEpochMs = p.firstAckEpochMs; // NaN: none yet
      this.firstSecondAcked += p.firstSecondAcked ?? 0;
      for (const t of p.byTopic ?? []) addCounters(byTopic(this.topicProducers, t.topic, emptyCounters), t.measured);
    }
    const c = report.consumer;
    if (c) {
      this.consumersSeen = true;
      addConsumerCounters(this.consumerWindow, c.window);
      addConsumerCounters(this.consumerMeasured, c.measured);
      this.consumerWindowHist.addEncoded(c.histograms);
      this.consumerCumulative.addEncoded(c.measuredHistograms === 'window' ? c.histograms : c.measuredHistograms);
      for (const l of c.lag)
        this.lag.set(`${l.groupId}:${l.topic ?? ''}:${l.partition}`, { partition: l.partition, lag: l.lag, topic: l.topic });
      for (const t of c.byTopic ?? []) addConsumerCounters(byTopic(this.topicConsumers, t.topic, emptyConsumerCounters), t.measured);
      for (const t of c.integrity) this.integrity.set(`${workerIndex}:${t.groupId}`, t.tally);
    }
    this.health.workerLoopDelayMaxMs = Math.max(this.health.workerLoopDelayMaxMs, report.health.eventLoopDelayP99Ms);
    this.health.workerUtilizationMax = Math.max(this.health.workerUtilizationMax, report.health.utilization);
    const cc = report.health.callCap;
    if (cc) this.health.callCap = { cap: cc.cap, waits: (this.health.callCap?.waits ?? 0) + cc.waits };
    const wf = report.health.windowFullWaits;
    if (wf) this.health.windowFullWaits = (this.health.windowFullWaits ?? 0) + wf;
  }

  /**
   * The drivers' consumer-group joins and rebalances (count, median and longest, ms) for `result.metrics`;
   * empty when no driver joined a group.
   */
  driverMetrics(): Record<string, number> {
    const ms = [...this.rebalanceMs].sort((a, b) => a - b);
    if (ms.length === 0) return {};
    const round = (v: number): number => Math.round(v * 10) / 10;
    return {
      'driver.groupRebalances': ms.length,
      'driver.groupRebalanceP50Ms': round(ms[Math.floor((ms.length - 1) / 2)]!),
      'driver.groupRebalanceMaxMs': round(ms[ms.length - 1]!),
    };
  }

  /** Drops the lag of stopped consumer groups that a restarted instance took over: their lag is its now. */
  forgetLag(groupIds: readonly number[]): void {
    const ids = new Set(groupIds);
    for (const key of [...this.lag.keys()]) if (ids.has(Number(key.slice(0, key.indexOf(':'))))) this.lag.delete(key);
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

  /** The lag gauge now, summed by topic (partitions whose topic a worker did not name are left out). */
  lagByTopic(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { topic, lag } of this.lag.values()) if (topic !== undefined) out.set(topic, (out.get(topic) ?? 0) + lag);
    return out;
  }

  integritySums(): IntegritySums {
    const out: IntegritySums = { checked: 0, missing: 0, duplicates: 0, reordered: 0, corrupted: 0, mergedGaps: 0, examples: [] };
    const examples: IntegrityExample[] = [];
    // A restarted group's instances each see only part of its streams: its missing records come from all of
    // their reads together (verifier.restartedMissing), not from each instance's sequence check.
    const restarted = this.verifier.restartedGroupIds();
    const union = restarted.size > 0 ? this.verifier.restartedMissing() : undefined;
    if (union) {
      out.missing += union.missing;
      examples.push(...union.examples);
    }
    for (const [key, t] of this.integrity) {
      const partOfUnion = union !== undefined && restarted.has(Number(key.slice(key.indexOf(':') + 1)));
      out.checked += t.checked;
      if (!partOfUnion) out.missing += t.missing;
      out.duplicates += t.duplicates;
      out.reordered += t.reordered;
      out.mergedGaps += t.mergedGaps;
      out.corrupted += t.corrupted;
      for (const e of t.examples) if (!(partOfUnion && e.kind === 'missing')) examples.push({ ...e });
    }
    // Losses and corruption first, then duplicates, then reordering (a stable sort keeps each worker's order).
    const rank: Record<IntegrityExample['kind'], number> = {
      lostAcked: 0,
      lostCommitted: 0,
      missing: 0,
      offsetMismatch: 1,
      unackedSeen: 1,
      corrupted: 1,
      duplicate: 2,
      reordered: 3,
    };
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
      ph.histograms.add(this.windowHist);
      addConsumerCounters(ph.consumer, this.consumerWindow);
      ph.consumerHistograms.add(this.consumerWindowHist);
      ph.lagMax = Math.max(ph.lagMax, lag.total);
      ph.lagFinal = lag.total;
    }
    // The window's histograms for listeners that need the distribution (exact Prometheus buckets). Most are
    // never read: the cheap uncompressed encoding is kept, and compressed to the result form on first read.
    const histograms = lazilyCompressed({ ...this.windowHist.encodeBytes(), ...this.consumerWindowHist.encodeBytes() });
    this.window = emptyCounters();
    this.windowHist.reset();
    this.consumerWindow = emptyConsumerCounters();
    this.consumerWindowHist.reset();
    const health = this.health;
    this.health = { workerLoopDelayMaxMs: 0, workerUtilizationMax: 0 };
    return { producer, consumer, health, histograms };
  }

  openPhase(name: string, startMs: number): PhaseAccumulator {
    const ph: PhaseAccumulator = {
      name,
      startMs,
      counters: emptyCounters(),
      histograms: new HistogramSet(PRODUCER_HISTOGRAMS),
      consumer: emptyConsumerCounters(),
      consumerHistograms: new HistogramSet(CONSUMER_HISTOGRAMS),
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

  cumulativeHistograms(): HistogramSet<ProducerHistogram> {
    return this.cumulative;
  }

  cumulativeConsumerHistograms(): HistogramSet<ConsumerHistogram> {
    return this.consumerCumulative;
  }

  /** The totals' histograms, encoded: the producer's always (empty or not), the consumer's once any reported. */
  encodedCumulative(): Record<string, string> {
    // The commit histogram only when a group committed: results of groups that never commit keep their keys.
    const keys = CONSUMER_HISTOGRAMS.filter((k) => k !== HISTOGRAMS.consumer.commit || this.consumerCumulative.has(k));
    const consumer = this.consumersSeen ? this.consumerCumulative.encode(keys) : {};
    return { ...this.cumulative.encode(PRODUCER_HISTOGRAMS), ...consumer };
  }

  destroy(): void {
    for (const set of [this.windowHist, this.cumulative, ...this.phases.map((ph) => ph.histograms)]) set.destroy();
    for (const set of [this.consumerWindowHist, this.consumerCumulative, ...this.phases.map((ph) => ph.consumerHistograms)]) set.destroy();
    this.phases.length = 0;
  }
}
