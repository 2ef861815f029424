// Counters and HDR histograms of the producers of one worker, split by warm-up so totals can exclude it
// exactly: a record belongs to warm-up when its intended send time is before the warm-up end.
import { createHistogram, encodeHistogram, recordMs, type Histogram } from '../metrics/histogram.js';
import { addCounters, emptyCounters, type CounterSet, type EncodedLatencies, type ProducerReport } from './protocol.js';

interface LatencySet {
  response: Histogram;
  service: Histogram;
  scheduleLag: Histogram;
}

function latencySet(): LatencySet {
  return { response: createHistogram(), service: createHistogram(), scheduleLag: createHistogram() };
}

export class ProducerMetrics {
  /** Events of records intended after warm-up. */
  measured: CounterSet = emptyCounters();
  /** Events of warm-up records. */
  warmup: CounterSet = emptyCounters();
  private readonly m: LatencySet;
  private readonly w: LatencySet;
  private sawWarmup = false;

  constructor(readonly instrument: boolean) {
    this.m = latencySet();
    this.w = latencySet();
  }

  counters(isMeasured: boolean): CounterSet {
    if (isMeasured) return this.measured;
    this.sawWarmup = true;
    return this.warmup;
  }

  fail(isMeasured: boolean, code: string, count: number): void {
    const c = this.counters(isMeasured);
    c.failed += count;
    c.errorsByCode[code] = (c.errorsByCode[code] ?? 0) + count;
  }

  response(isMeasured: boolean, ms: number): void {
    recordMs(isMeasured ? this.m.response : this.w.response, ms);
  }
  service(isMeasured: boolean, ms: number, count: number): void {
    recordMs(isMeasured ? this.m.service : this.w.service, ms, count);
  }
  scheduleLag(isMeasured: boolean, ms: number): void {
    recordMs(isMeasured ? this.m.scheduleLag : this.w.scheduleLag, ms);
  }

  /** Encodes and resets everything recorded since the previous report. */
  report(inFlightBatches: number, backlog: number): ProducerReport {
    const window = emptyCounters();
    addCounters(window, this.measured);
    addCounters(window, this.warmup);
    const measured = this.measured;
    let histograms: EncodedLatencies;
    let measuredHistograms: ProducerReport['measuredHistograms'];
    if (!this.sawWarmup) {
      histograms = encodeSet(this.m);
      measuredHistograms = 'window';
    } else {
      measuredHistograms = encodeSet(this.m);
      this.m.response.add(this.w.response);
      this.m.service.add(this.w.service);
      this.m.scheduleLag.add(this.w.scheduleLag);
      histograms = encodeSet(this.m);
    }
    resetSet(this.m);
    resetSet(this.w);
    this.measured = emptyCounters();
    this.warmup = emptyCounters();
    this.sawWarmup = false;
    return { window, measured, histograms, measuredHistograms, inFlightBatches, backlog };
  }

  destroy(): void {
    for (const s of [this.m, this.w]) {
      s.response.destroy();
      s.service.destroy();
      s.scheduleLag.destroy();
    }
  }
}

function encodeSet(s: LatencySet): EncodedLatencies {
  return {
    response: s.response.totalCount > 0 ? encodeHistogram(s.response) : null,
    service: s.service.totalCount > 0 ? encodeHistogram(s.service) : null,
    scheduleLag: s.scheduleLag.totalCount > 0 ? encodeHistogram(s.scheduleLag) : null,
  };
}

function resetSet(s: LatencySet): void {
  s.response.reset();
  s.service.reset();
  s.scheduleLag.reset();
}
