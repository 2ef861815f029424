// Counters and HDR histograms of the producers of one worker, split by warm-up so totals can exclude it
// exactly: a record belongs to warm-up when its intended send time is before the warm-up end.
import { recordMs, toMicros, type Histogram } from '../metrics/histogram.js';
import { HISTOGRAMS, PRODUCER_HISTOGRAMS, type ProducerHistogram } from '../metrics/histogram-set.js';
import type { HistogramTally } from '../metrics/tally.js';
import { addCounters, emptyCounters, type CounterSet, type ProducerReport } from './protocol.js';
import { TopicShare, WarmupMetrics } from './warmup-metrics.js';

/** What a producer records into: a worker's metrics, or the share of one topic in them (many-topic runs). */
export type ProducerRecorder = Pick<
  ProducerMetrics,
  | 'instrument'
  | 'measured'
  | 'counters'
  | 'fail'
  | 'response'
  | 'responses'
  | 'service'
  | 'scheduleLag'
  | 'scheduleLags'
  | 'firstAckEpochMs'
  | 'firstSecondAcked'
>;

/** The producers of one topic: their own counters, the worker's histograms. */
class TopicProducerMetrics extends TopicShare<CounterSet> implements ProducerRecorder {
  constructor(
    topic: string,
    private readonly worker: ProducerMetrics,
  ) {
    super(topic, emptyCounters, worker);
  }

  get instrument(): boolean {
    return this.worker.instrument;
  }

  // Start-up figures are the worker's, whatever topic the records went to.
  get firstAckEpochMs(): number {
    return this.worker.firstAckEpochMs;
  }
  set firstAckEpochMs(ms: number) {
    this.worker.firstAckEpochMs = ms;
  }
  get firstSecondAcked(): number {
    return this.worker.firstSecondAcked;
  }
  set firstSecondAcked(n: number) {
    this.worker.firstSecondAcked = n;
  }

  fail(isMeasured: boolean, code: string, count: number): void {
    const c = this.counters(isMeasured);
    c.failed += count;
    c.errorsByCode[code] = (c.errorsByCode[code] ?? 0) + count;
  }

  response(isMeasured: boolean, ms: number): void {
    this.worker.response(isMeasured, ms);
  }
  service(isMeasured: boolean, ms: number, count: number): void {
    this.worker.service(isMeasured, ms, count);
  }
  scheduleLag(isMeasured: boolean, ms: number): void {
    this.worker.scheduleLag(isMeasured, ms);
  }
  responses(times: Float64Array, n: number, now: number, warmupEnd: number): number {
    return this.worker.responses(times, n, now, warmupEnd);
  }
  scheduleLags(times: Float64Array, n: number, now: number, warmupEnd: number): number {
    return this.worker.scheduleLags(times, n, now, warmupEnd);
  }
}

export class ProducerMetrics extends WarmupMetrics<CounterSet, ProducerHistogram> {
  // Direct references for the per-record calls: no key lookup per value.
  private readonly mResponse: HistogramTally;
  private readonly wResponse: HistogramTally;
  private readonly mService: Histogram;
  private readonly wService: Histogram;
  private readonly mScheduleLag: HistogramTally;
  private readonly wScheduleLag: HistogramTally;

  /** When this worker's first record was acknowledged (epoch ms; 0 until then). */
  firstAckEpochMs = 0;
  /** Measured records acknowledged within the first second after warm-up, since the previous report. */
  firstSecondAcked = 0;

  constructor(readonly instrument: boolean) {
    super(PRODUCER_HISTOGRAMS, emptyCounters, addCounters);
    const { response, service, scheduleLag } = HISTOGRAMS.producer;
    // The two per-record latencies go through tallies (one increment a value); service is once per batch.
    this.mResponse = this.m.tally(response);
    this.wResponse = this.w.tally(response);
    this.mService = this.m.get(service);
    this.wService = this.w.get(service);
    this.mScheduleLag = this.m.tally(scheduleLag);
    this.wScheduleLag = this.w.tally(scheduleLag);
  }

  fail(isMeasured: boolean, code: string, count: number): void {
    const c = this.counters(isMeasured);
    c.failed += count;
    c.errorsByCode[code] = (c.errorsByCode[code] ?? 0) + count;
  }

  response(isMeasured: boolean, ms: number): void {
    (isMeasured ? this.mResponse : this.wResponse).record(toMicros(ms));
  }
  service(isMeasured: boolean, ms: number, count: number): void {
    recordMs(isMeasured ? this.mService : this.wService, ms, count);
  }
  scheduleLag(isMeasured: boolean, ms: number): void {
    (isMeasured ? this.mScheduleLag : this.wScheduleLag).record(toMicros(ms));
  }
  /** Each record's response time (`now` - its intended time) for a batch acked at `now`; returns the measured ones. */
  responses(times: Float64Array, n: number, now: number, warmupEnd: number): number {
    return this.mResponse.countSince(times, n, now, warmupEnd, this.wResponse);
  }
  /** Each record's schedule lag for a batch sent at `now`; returns the measured ones. */
  scheduleLags(times: Float64Array, n: number, now: number, warmupEnd: number): number {
    return this.mScheduleLag.countSince(times, n, now, warmupEnd, this.wScheduleLag);
  }

  /** Where the producers of `topic` record: reports carry their measured counts by topic (`byTopic`). */
  forTopic(topic: string): ProducerRecorder {
    return this.topicShare(topic, () => new TopicProducerMetrics(topic, this));
  }

  /** Encodes and resets everything recorded since the previous report. */
  report(inFlightBatches: number, backlog: number): ProducerReport {
    const firstSecondAcked = this.firstSecondAcked;
    this.firstSecondAcked = 0;
    return { ...this.take(), inFlightBatches, backlog, firstAckEpochMs: this.firstAckEpochMs, firstSecondAcked };
  }
}
