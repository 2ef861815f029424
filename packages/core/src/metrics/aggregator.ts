// Merges worker reports exactly: interval histograms for samples, cumulative (post-warm-up) histograms for
// totals, per-phase histograms for phases. Reports add into a pending window whenever they arrive; a cut
// turns the window into producer stats, so a late report lands in the next window instead of being lost.
import type { LatencySummary, ProducerStats, ProducerTotals } from '../types.js';
import { addCounters, emptyCounters, type CounterSet, type EncodedLatencies, type WorkerReport } from '../worker/protocol.js';
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

const MiB = 1024 * 1024;

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
    msgsPerSec: seconds > 0 ? c.acked / seconds : 0,
    mbPerSec: seconds > 0 ? c.bytes / MiB / seconds : 0,
    targetRate,
    errorsByCode: { ...c.errorsByCode },
    latency: summaries(h),
    meanBatchSize: c.batches > 0 ? c.sent / c.batches : 0,
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
  const seconds = Math.max(activeSeconds, busySeconds);
  const msgsPerSec = seconds > 0 ? c.acked / seconds : 0;
  const targetRate = activeSeconds > 0 ? requested / activeSeconds : 0;
  return {
    scheduled: c.scheduled,
    sent: c.sent,
    acked: c.acked,
    failed: c.failed,
    dropped: c.dropped,
    bytes: c.bytes,
    batches: c.batches,
    msgsPerSec,
    mbPerSec: seconds > 0 ? c.bytes / MiB / seconds : 0,
    targetRate,
    activeSeconds,
    rateErrorPercent: targetRate > 0 ? Math.abs(msgsPerSec / targetRate - 1) * 100 : 0,
    errorRatePercent: c.scheduled > 0 ? (c.failed / c.scheduled) * 100 : 0,
    errors: c.failed,
    errorsByCode: { ...c.errorsByCode },
    latency: h
      ? summaries(h)
      : { response: summarizeHistogram(null), service: summarizeHistogram(null), scheduleLag: summarizeHistogram(null) },
    meanBatchSize: c.batches > 0 ? c.sent / c.batches : 0,
  };
}

export interface PhaseAccumulator {
  name: string;
  startMs: number;
  counters: CounterSet;
  histograms: LatencyHistograms;
}

export class Aggregator {
  /** Everything reported since the last cut. */
  private window = emptyCounters();
  private readonly windowHist = latencyHistograms();
  /** Post-warm-up records since the start: the totals. */
  readonly measured = emptyCounters();
  private readonly cumulative = latencyHistograms();
  private readonly phases: PhaseAccumulator[] = [];
  private readonly gauges = new Map<number, { inFlightBatches: number; backlog: number }>();
  private health: WindowHealth = { workerLoopDelayMaxMs: 0, workerUtilizationMax: 0 };

  onReport(workerIndex: number, report: WorkerReport): void {
    const p = report.producer;
    if (p) {
      addCounters(this.window, p.window);
      addCounters(this.measured, p.measured);
      addEncodedSet(this.windowHist, p.histograms);
      addEncodedSet(this.cumulative, p.measuredHistograms === 'window' ? p.histograms : p.measuredHistograms);
      this.gauges.set(workerIndex, { inFlightBatches: p.inFlightBatches, backlog: p.backlog });
    }
    this.health.workerLoopDelayMaxMs = Math.max(this.health.workerLoopDelayMaxMs, report.health.eventLoopDelayP99Ms);
    this.health.workerUtilizationMax = Math.max(this.health.workerUtilizationMax, report.health.utilization);
  }

  /** Closes the window: its producer stats and the health seen in it; the window's data joins open phases. */
  cut(seconds: number, targetRate: number): { producer: ProducerStats; health: WindowHealth } {
    let inFlightBatches = 0;
    let backlog = 0;
    for (const g of this.gauges.values()) {
      inFlightBatches += g.inFlightBatches;
      backlog += g.backlog;
    }
    const producer = producerStats(this.window, this.windowHist, seconds, targetRate, { inFlightBatches, backlog });
    for (const ph of this.phases) {
      addCounters(ph.counters, this.window);
      addAll(ph.histograms, this.windowHist);
    }
    this.window = emptyCounters();
    this.windowHist.response.reset();
    this.windowHist.service.reset();
    this.windowHist.scheduleLag.reset();
    const health = this.health;
    this.health = { workerLoopDelayMaxMs: 0, workerUtilizationMax: 0 };
    return { producer, health };
  }

  openPhase(name: string, startMs: number): PhaseAccumulator {
    const ph: PhaseAccumulator = { name, startMs, counters: emptyCounters(), histograms: latencyHistograms() };
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

  encodedCumulative(): Record<string, string> {
    return {
      'producer.response': encodeHistogram(this.cumulative.response),
      'producer.service': encodeHistogram(this.cumulative.service),
      'producer.scheduleLag': encodeHistogram(this.cumulative.scheduleLag),
    };
  }

  destroy(): void {
    destroyAll(this.windowHist);
    destroyAll(this.cumulative);
    for (const ph of this.phases) destroyAll(ph.histograms);
    this.phases.length = 0;
  }
}

export { destroyAll as destroyLatencyHistograms };
