// Counters and HDR histograms (poll latency, end-to-end latency) of the consumers of one worker, split by
// warm-up like the producers': a record belongs to warm-up when its intended send time is before the
// warm-up end, a poll when it started before it.
import { HISTOGRAMS, CONSUMER_HISTOGRAMS, type ConsumerHistogram } from '../metrics/histogram-set.js';
import { recordMs, toMicros, type Histogram } from '../metrics/histogram.js';
import type { HistogramTally } from '../metrics/tally.js';
import { addConsumerCounters, emptyConsumerCounters, type ConsumerCounterSet, type ConsumerReport } from './protocol.js';
import { TopicShare, WarmupMetrics } from './warmup-metrics.js';

/** What a consumer records into: a worker's metrics, or the share of one topic in them (many-topic runs). */
export type ConsumerRecorder = Pick<ConsumerMetrics, 'measured' | 'counters' | 'error' | 'poll' | 'endToEnd' | 'commit'>;

/** The consumers of one topic: their own counters, the worker's histograms. */
class TopicConsumerMetrics extends TopicShare<ConsumerCounterSet> implements ConsumerRecorder {
  constructor(
    topic: string,
    private readonly worker: ConsumerMetrics,
  ) {
    super(topic, emptyConsumerCounters, worker);
  }

  error(isMeasured: boolean, code: string): void {
    const c = this.counters(isMeasured);
    c.errorsByCode[code] = (c.errorsByCode[code] ?? 0) + 1;
  }

  poll(isMeasured: boolean, ms: number): void {
    this.worker.poll(isMeasured, ms);
  }

  endToEnd(isMeasured: boolean, ms: number): void {
    this.worker.endToEnd(isMeasured, ms);
  }

  commit(isMeasured: boolean, ms: number, failure: string | undefined): void {
    const c = this.counters(isMeasured);
    if (failure === undefined) {
      c.commits++;
      this.worker.commitLatency(isMeasured, ms);
    } else {
      c.commitsFailed++;
      c.commitErrorsByCode[failure] = (c.commitErrorsByCode[failure] ?? 0) + 1;
    }
  }
}

export class ConsumerMetrics extends WarmupMetrics<ConsumerCounterSet, ConsumerHistogram> {
  // Direct references for the per-record calls: no key lookup per value.
  private readonly mPoll: Histogram;
  private readonly wPoll: Histogram;
  private readonly mEndToEnd: HistogramTally;
  private readonly wEndToEnd: HistogramTally;
  private readonly mCommit: Histogram;
  private readonly wCommit: Histogram;

  constructor() {
    super(CONSUMER_HISTOGRAMS, emptyConsumerCounters, addConsumerCounters);
    const { poll, endToEnd, commit } = HISTOGRAMS.consumer;
    this.mPoll = this.m.get(poll);
    this.wPoll = this.w.get(poll);
    // Per record consumed: through tallies (metrics/tally.ts).
    this.mEndToEnd = this.m.tally(endToEnd);
    this.wEndToEnd = this.w.tally(endToEnd);
    this.mCommit = this.m.get(commit);
    this.wCommit = this.w.get(commit);
  }

  /** A successful commit's latency, into the worker's histogram (topic shares count their commits themselves). */
  commitLatency(isMeasured: boolean, ms: number): void {
    recordMs(isMeasured ? this.mCommit : this.wCommit, ms);
  }

  /** One CommitOffset answered: its latency (call to ack) when it succeeded, its status when it failed. */
  commit(isMeasured: boolean, ms: number, failure: string | undefined): void {
    const c = this.counters(isMeasured);
    if (failure === undefined) {
      c.commits++;
      this.commitLatency(isMeasured, ms);
    } else {
      c.commitsFailed++;
      c.commitErrorsByCode[failure] = (c.commitErrorsByCode[failure] ?? 0) + 1;
    }
  }

  error(isMeasured: boolean, code: string): void {
    const c = this.counters(isMeasured);
    c.errorsByCode[code] = (c.errorsByCode[code] ?? 0) + 1;
  }

  poll(isMeasured: boolean, ms: number): void {
    recordMs(isMeasured ? this.mPoll : this.wPoll, ms);
  }

  endToEnd(isMeasured: boolean, ms: number): void {
    (isMeasured ? this.mEndToEnd : this.wEndToEnd).record(toMicros(ms));
  }

  /** Where the consumers of `topic` record: reports carry their measured counts by topic (`byTopic`). */
  forTopic(topic: string): ConsumerRecorder {
    return this.topicShare(topic, () => new TopicConsumerMetrics(topic, this));
  }

  /** Encodes and resets everything recorded since the previous report. */
  report(lag: ConsumerReport['lag'], integrity: ConsumerReport['integrity']): ConsumerReport {
    return { ...this.take(), lag, integrity };
  }
}
