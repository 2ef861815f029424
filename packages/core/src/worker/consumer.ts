// One consumer inside a worker: it reads its partitions by offset with Consume, round-robin, at most one
// poll in flight per partition and `maxInFlight` per consumer. A rate limit is a token bucket per partition
// (the group's rate split over the topic's partitions); 'max' polls again as soon as an answer arrives. An
// empty answer backs off briefly so an idle consumer does not spin. Per record it reads the header in place
// (no object per record): end-to-end latency, its checksum, and the sequence check of its (producer,
// partition) stream.
import type { Driver, DriverFailure, FetchCallback, FetchedBatch, FetchRequest, PendingCall } from '../driver/types.js';
import {
  hasRecordHeader,
  readHeaderVersion,
  readIntendedTime,
  readProducerId,
  readSequence,
  verifyRecordChecksum,
} from '../record-header.js';
import type { ConsumerRecorder } from './consumer-metrics.js';
import { SequenceStream, type IntegrityCounter } from './integrity.js';
import type { Clock } from '../clock.js';
import type { RunLog } from '../verify/run-log.js';
import type { ConsumerGroupSpec, ConsumerLag, ConsumerPosition, ConsumerSpec, PartitionRate } from './protocol.js';

/** Back-off after a poll that returned nothing: short enough for fresh records, long enough not to spin. */
export const EMPTY_POLL_BACKOFF_MS = 10;
/** Back-off after a failed poll. */
export const ERROR_BACKOFF_MS = 100;
/** A rate-limited partition polls when it may take this much of a second's share (about 20 polls/s at most)... */
const RATE_BATCH_SECONDS = 0.05;
/** ...and saves at most this much while it has nothing to read, so a pause is not followed by a long burst. */
const RATE_BURST_SECONDS = 0.2;

export const DRAIN_TIMEOUT = 'DRAIN_TIMEOUT';

export interface ConsumerContext {
  driver: Driver;
  /** The worker's metrics, or its share for the consumer's topic (many-topic runs). */
  metrics: ConsumerRecorder;
  integrity: IntegrityCounter;
  instrument: boolean;
  clock: Clock;
  /** Where consumed (offset -> producer, sequence) runs go for the consumed-offset check (instrumented runs). */
  consumed?: RunLog;
  /** Called once per failed CommitOffset (the host logs the first of each group). */
  onCommitError(partition: number, code: string): void;
}

class PartitionReader {
  /** Next offset to read. */
  offset: number;
  /** High watermark - next offset after the latest poll; -1 until the first answer. */
  lag = -1;
  tokens = 0;
  notBefore = 0;
  call: PendingCall | null = null;
  pollStart = 0;
  committed: number;
  readonly startOffset: number;
  /** Epoch ms at which the first record arrived (0: none yet). */
  firstRecordAt = 0;
  /** The CommitOffset in flight, if any. */
  committing: Promise<void> | null = null;
  readonly request: FetchRequest;
  readonly streams = new Map<number, SequenceStream>();
  /** The stream of the previous record: records of one producer come in runs (its batches). */
  lastStream: SequenceStream | undefined;
  readonly fromStart: boolean;
  callback!: FetchCallback;
  /** The open consumed run: records whose offsets and sequences of one producer both step by one. */
  runProducer = 0;
  runSequence = 0;
  runOffset = 0;
  runCount = 0;

  constructor(
    readonly partition: number,
    startOffset: number,
    topic: string,
    group: string,
  ) {
    this.offset = startOffset;
    this.startOffset = startOffset;
    this.committed = startOffset;
    this.fromStart = startOffset === 0;
    this.request = { topic, partition, offset: startOffset, maxRecords: 0, group };
  }
}

export class Consumer {
  readonly k: number;
  private readonly readers: PartitionReader[];
  private cursor = 0;
  private inFlight = 0;
  private rate: PartitionRate = 'max';
  private minBatch = 1;
  private burst = 1;
  private lastRefill: number;
  private stopping = false;
  private idle: (() => void) | undefined;
  private readonly maxRecords: number;
  private readonly maxInFlight: number;
  private readonly warmupEnd: number;
  private readonly runStart: number;
  private readonly topic: string;
  private readonly group: string;

  constructor(
    spec: ConsumerSpec,
    group: ConsumerGroupSpec,
    private readonly ctx: ConsumerContext,
    now: number,
  ) {
    this.k = spec.k;
    this.maxRecords = group.maxRecords;
    this.maxInFlight = group.maxInFlight;
    this.warmupEnd = group.warmupEndEpochMs;
    this.runStart = group.runStartEpochMs;
    this.topic = spec.topic ?? group.topic;
    this.group = group.group;
    this.lastRefill = now;
    this.readers = spec.partitions.map((p) => {
      const r = new PartitionReader(p.partition, p.startOffset, this.topic, group.group);
      r.callback = (failure, batch) => this.complete(r, failure, batch);
      return r;
    });
    this.setRate(group.ratePerPartition, now);
  }

  get pollsInFlight(): number {
    return this.inFlight;
  }

  /** Lag of each partition that answered at least once. */
  lags(into: ConsumerLag[], groupId: number): void {
    for (const r of this.readers) if (r.lag >= 0) into.push({ groupId, partition: r.partition, lag: r.lag, topic: this.topic });
  }

  setRate(rate: PartitionRate, now: number): void {
    this.refill(now);
    this.rate = rate;
    if (rate === 'max') return;
    this.minBatch = Math.min(this.maxRecords, Math.max(1, Math.round(rate * RATE_BATCH_SECONDS)));
    this.burst = Math.max(this.minBatch, rate * RATE_BURST_SECONDS);
    for (const r of this.readers) r.tokens = Math.min(r.tokens, this.burst);
  }

  private refill(now: number): void {
    const dt = now - this.lastRefill;
    this.lastRefill = now;
    const rate = this.rate;
    if (rate === 'max' || dt <= 0) return;
    const add = (rate * dt) / 1000;
    for (const r of this.readers) r.tokens = Math.min(this.burst, r.tokens + add);
  }

  /** Starts the polls that are due. Called by the worker tick and after every answer. */
  service(now: number): void {
    if (this.stopping) return;
    this.refill(now);
    const readers = this.readers;
    const n = readers.length;
    for (let i = 0; i < n && this.inFlight < this.maxInFlight; i++) {
      const r = readers[(this.cursor + i) % n]!;
      if (r.call !== null || now < r.notBefore) continue;
      let max = this.maxRecords;
      if (this.rate !== 'max') {
        if (r.tokens < this.minBatch) continue;
        max = Math.min(max, Math.floor(r.tokens));
      }
      this.poll(r, max, now);
    }
    this.cursor = (this.cursor + 1) % n;
  }

  private poll(r: PartitionReader, max: number, now: number): void {
    r.request.offset = r.offset;
    r.request.maxRecords = max;
    r.pollStart = now;
    this.inFlight++;
    // A driver reads the request inside fetch(), and a partition has one poll at a time: reuse it.
    r.call = this.ctx.driver.fetch(r.request, r.callback);
  }

  private complete(r: PartitionReader, failure: DriverFailure | null, res: FetchedBatch | undefined): void {
    if (r.call === null) return; // abandoned at the drain timeout, already counted
    r.call = null;
    this.inFlight--;
    const now = this.ctx.clock.now();
    const m = this.ctx.metrics;
    const pollMeasured = r.pollStart >= this.warmupEnd;
    if (failure || !res) {
      m.error(pollMeasured, failure ? failure.status : 'UNKNOWN');
      r.notBefore = now + ERROR_BACKOFF_MS;
    } else {
      m.counters(pollMeasured).polls++;
      if (this.ctx.instrument) m.poll(pollMeasured, now - r.pollStart);
      const records = res.records;
      const n = records.length;
      if (n === 0) {
        m.counters(pollMeasured).emptyPolls++;
        r.notBefore = now + EMPTY_POLL_BACKOFF_MS;
      } else {
        if (r.firstRecordAt === 0) r.firstRecordAt = now;
        this.take(r, res, now, pollMeasured);
        r.offset = records[n - 1]!.offset + 1;
        if (this.rate !== 'max') r.tokens -= n;
      }
      const lag = res.highWatermark - r.offset;
      r.lag = Math.max(lag, 0);
    }
    if (this.stopping) {
      if (this.inFlight === 0) this.idle?.();
      return;
    }
    this.service(now);
  }

  /** The per-record loop: counts, end-to-end latency and sequence checks straight from the value bytes. */
  private take(r: PartitionReader, res: FetchedBatch, now: number, pollMeasured: boolean): void {
    const m = this.ctx.metrics;
    const records = res.records;
    const instrument = this.ctx.instrument;
    const warmupEnd = this.warmupEnd;
    const runStart = this.runStart;
    const log = this.ctx.consumed;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      const raw = rec.value;
      const value = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      const length = value.length;
      if (instrument && hasRecordHeader(value)) {
        const intended = readIntendedTime(value);
        if (intended >= runStart) {
          const measured = intended >= warmupEnd;
          const c = measured ? m.measured : m.counters(false);
          c.consumed++;
          c.bytes += length;
          m.endToEnd(measured, now - intended);
          const producer = readProducerId(value);
          let stream = r.lastStream;
          if (stream === undefined || stream.producer !== producer) {
            stream = r.streams.get(producer);
            if (stream === undefined) {
              stream = new SequenceStream(producer, r.partition, r.fromStart, this.ctx.integrity);
              r.streams.set(producer, stream);
            }
            r.lastStream = stream;
          }
          const sequence = readSequence(value);
          // Version 1 headers carry no checksum. A corrupted record still takes its place in its stream: most
          // damage is in the payload, and skipping it would also count it as missing.
          if (readHeaderVersion(value) >= 2 && !verifyRecordChecksum(value))
            this.ctx.integrity.corrupt(producer, r.partition, sequence, rec.offset);
          stream.check(sequence, rec.offset);
          if (log !== undefined) {
            const k = r.runCount;
            if (k > 0 && producer === r.runProducer && sequence === r.runSequence + k && rec.offset === r.runOffset + k) {
              r.runCount = k + 1;
            } else {
              if (k > 0) log.push(r.partition, r.runOffset, k, r.runProducer, r.runSequence);
              r.runProducer = producer;
              r.runSequence = sequence;
              r.runOffset = rec.offset;
              r.runCount = 1;
            }
          }
          continue;
        }
      }
      const c = m.counters(pollMeasured);
      c.consumed++;
      c.bytes += length;
      if (instrument) c.foreign++;
    }
  }

  /** Closes the open consumed runs into the log (before the host hands the log over). */
  flushRuns(): void {
    const log = this.ctx.consumed;
    if (!log) return;
    for (const r of this.readers) {
      if (r.runCount > 0) log.push(r.partition, r.runOffset, r.runCount, r.runProducer, r.runSequence);
      r.runCount = 0;
    }
  }

  /**
   * Commits the next offset of every partition that moved since its last commit; resolves when all answered.
   * A partition with a commit in flight commits again after it, so the last call commits the latest offsets.
   */
  commit(): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const r of this.readers) {
      if (r.committing) waits.push(r.committing.then(() => this.commitOne(r)));
      else waits.push(this.commitOne(r));
    }
    return Promise.all(waits).then(() => undefined);
  }

  private commitOne(r: PartitionReader): Promise<void> {
    if (r.committing) return r.committing;
    if (r.offset === r.committed) return Promise.resolve();
    const offset = r.offset;
    const clock = this.ctx.clock;
    const started = clock.now();
    r.committing = new Promise<void>((resolve) => {
      this.ctx.driver.commitOffset({ group: this.group, topic: this.topic, partition: r.partition, offset }, (failure) => {
        r.committing = null;
        this.ctx.metrics.commit(started >= this.warmupEnd, clock.now() - started, failure?.status);
        if (failure) this.ctx.onCommitError(r.partition, failure.status);
        else r.committed = Math.max(r.committed, offset);
        resolve();
      });
    });
    return r.committing;
  }

  /** Resolves once no CommitOffset of this consumer is in flight (a crash waits for them: they land or not). */
  commitsSettled(): Promise<void> {
    return Promise.all(this.readers.map((r) => r.committing)).then(() => undefined);
  }

  /**
   * Where each partition stands: the next offset to read, the offset last committed with success, and when
   * the first record arrived (0: none). What a restart of the group is judged against.
   */
  positions(into: ConsumerPosition[]): void {
    for (const r of this.readers) {
      into.push({
        topic: this.topic,
        partition: r.partition,
        startOffset: r.startOffset,
        next: r.offset,
        committed: r.committed,
        firstRecordEpochMs: r.firstRecordAt,
      });
    }
  }

  /**
   * A crash: polls in flight are cancelled without counting them as errors (their records were never
   * taken), nothing more is polled, and no final commit is made.
   */
  crash(): void {
    this.stopping = true;
    for (const r of this.readers) {
      const call = r.call;
      if (call === null) continue;
      r.call = null;
      call.cancel();
    }
    this.inFlight = 0;
    this.idle?.();
  }

  /** Starts no more polls; resolves once the polls in flight have answered. */
  stop(): Promise<void> {
    this.stopping = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => (this.idle = resolve));
  }

  /** Drain timeout: polls still in flight are cancelled and counted as DRAIN_TIMEOUT errors. */
  abandon(): void {
    for (const r of this.readers) {
      const call = r.call;
      if (call === null) continue;
      r.call = null;
      this.ctx.metrics.error(r.pollStart >= this.warmupEnd, DRAIN_TIMEOUT);
      call.cancel();
    }
    this.inFlight = 0;
    this.idle?.();
  }
}
