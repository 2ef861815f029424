// Counters and HDR histograms (poll latency, end-to-end latency) of the consumers of one worker, split by
// warm-up like the producers': a record belongs to warm-up when its intended send time is before the
// warm-up end, a poll when it started before it.
import { createHistogram, encodeHistogram, recordMs, type Histogram } from '../metrics/histogram.js';
import {
  addConsumerCounters,
  emptyConsumerCounters,
  type ConsumerCounterSet,
  type ConsumerReport,
  type EncodedConsumerLatencies,
} from './protocol.js';

interface LatencySet {
  poll: Histogram;
  endToEnd: Histogram;
}

function latencySet(): LatencySet {
  return { poll: createHistogram(), endToEnd: createHistogram() };
}

export class ConsumerMetrics {
  measured: ConsumerCounterSet = emptyConsumerCounters();
  warmup: ConsumerCounterSet = emptyConsumerCounters();
  private readonly m: LatencySet;
  private readonly w: LatencySet;
  private sawWarmup = false;

  constructor() {
    this.m = latencySet();
    this.w = latencySet();
  }

  counters(isMeasured: boolean): ConsumerCounterSet {
    if (isMeasured) return this.measured;
    this.sawWarmup = true;
    return this.warmup;
  }

  error(isMeasured: boolean, code: string): void {
    const c = this.counters(isMeasured);
    c.errorsByCode[code] = (c.errorsByCode[code] ?? 0) + 1;
  }

  poll(isMeasured: boolean, ms: number): void {
    recordMs(isMeasured ? this.m.poll : this.w.poll, ms);
  }

  endToEnd(isMeasured: boolean, ms: number): void {
    recordMs(isMeasured ? this.m.endToEnd : this.w.endToEnd, ms);
  }

  /** Encodes and resets everything recorded since the previous report. */
  report(lag: ConsumerReport['lag'], integrity: ConsumerReport['integrity']): ConsumerReport {
    const window = emptyConsumerCounters();
    addConsumerCounters(window, this.measured);
    addConsumerCounters(window, this.warmup);
    const measured = this.measured;
    let histograms: EncodedConsumerLatencies;
    let measuredHistograms: ConsumerReport['measuredHistograms'];
    if (!this.sawWarmup) {
      histograms = encodeSet(this.m);
      measuredHistograms = 'window';
    } else {
      measuredHistograms = encodeSet(this.m);
      this.m.poll.add(this.w.poll);
      this.m.endToEnd.add(this.w.endToEnd);
      histograms = encodeSet(this.m);
    }
    for (const s of [this.m, this.w]) {
      s.poll.reset();
      s.endToEnd.reset();
    }
    this.measured = emptyConsumerCounters();
    this.warmup = emptyConsumerCounters();
    this.sawWarmup = false;
    return { window, measured, histograms, measuredHistograms, lag, integrity };
  }

  destroy(): void {
    for (const s of [this.m, this.w]) {
      s.poll.destroy();
      s.endToEnd.destroy();
    }
  }
}

function encodeSet(s: LatencySet): EncodedConsumerLatencies {
  return {
    poll: s.poll.totalCount > 0 ? encodeHistogram(s.poll) : null,
    endToEnd: s.endToEnd.totalCount > 0 ? encodeHistogram(s.endToEnd) : null,
  };
}
