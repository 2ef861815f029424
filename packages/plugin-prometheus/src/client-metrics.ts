// loadhouse's own measurements as StreamHouse client-side metrics (the names the plan's PromQL uses), fed
// once per interval from the engine's merged Sample: counters advance by the interval's counts, histograms
// take the interval's bucket counts in bulk, gauges take the interval's last value. Nothing here runs per record.
import { Counter, Gauge, type Registry } from 'prom-client';
import { CONNECTION_ERROR_CODES, type LatencySummary, type Sample } from '@loadhouse/core';
import { HISTOGRAMS, type EncodedHistograms, type ResultHistogram } from '@loadhouse/core/histogram';
import { BulkHistogram } from './bulk-histogram.js';
import {
  BATCH_SIZE_BUCKETS,
  LATENCY_BUCKETS_SECONDS,
  bucketsFromConstant,
  bucketsFromEncodedHdr,
  bucketsFromSummary,
  type BucketDelta,
} from './buckets.js';

/**
 * Fields the engine may add to Sample (proposed): encoded interval HDR histograms (compressed base64,
 * microseconds) keyed like `result.histograms`, and the connection pool's state. Read when present.
 */
export interface SampleExtensions {
  histograms?: EncodedHistograms<ResultHistogram>;
  connections?: { total: number; healthy: number };
}

export type HistogramSource = 'hdr' | 'summary';

const BASE_LABELS = ['scenario', 'phase', 'topic'] as const;

/** Metric names, for documentation, the dashboard test and users' own queries. */
export function clientMetricNames(prefix = 'streamhouse_'): Record<string, string> {
  return {
    recordsSent: `${prefix}producer_records_sent_total`,
    bytesSent: `${prefix}producer_bytes_sent_total`,
    sendDuration: `${prefix}producer_send_duration_seconds`,
    batchSize: `${prefix}producer_batch_size_records`,
    producerErrors: `${prefix}producer_errors_total`,
    dropped: `${prefix}producer_records_dropped_total`,
    recordsConsumed: `${prefix}consumer_records_consumed_total`,
    bytesConsumed: `${prefix}consumer_bytes_consumed_total`,
    consumerErrors: `${prefix}consumer_errors_total`,
    lag: `${prefix}consumer_lag_records`,
    pollDuration: `${prefix}consumer_poll_duration_seconds`,
    endToEnd: `${prefix}consumer_end_to_end_latency_seconds`,
    poolTotal: `${prefix}connection_pool_connections_total`,
    poolHealthy: `${prefix}connection_pool_connections_healthy`,
    // The load generator's own state: not StreamHouse metrics, so never renamed by the prefix.
    targetRate: 'loadhouse_producer_target_rate',
    backlog: 'loadhouse_producer_backlog_records',
    inFlight: 'loadhouse_producer_in_flight_batches',
    eventLoopDelay: 'loadhouse_generator_event_loop_delay_seconds',
    cpu: 'loadhouse_generator_cpu_percent',
    saturated: 'loadhouse_generator_saturated',
    saturatedIntervals: 'loadhouse_generator_saturated_intervals_total',
  };
}

export interface ClientMetricsOptions {
  registry: Registry;
  prefix: string;
  /** Static labels added to every series (names must not clash with scenario, phase, topic, code, thread). */
  labelNames: readonly string[];
}

/** The metric objects of one registry and prefix; shared by every plugin instance that serves that registry. */
export class ClientMetrics {
  readonly names: Record<string, string>;
  readonly recordsSent: Counter<string>;
  readonly bytesSent: Counter<string>;
  readonly sendDuration: BulkHistogram;
  readonly batchSize: BulkHistogram;
  readonly producerErrors: Counter<string>;
  readonly dropped: Counter<string>;
  readonly recordsConsumed: Counter<string>;
  readonly bytesConsumed: Counter<string>;
  readonly consumerErrors: Counter<string>;
  readonly lag: Gauge<string>;
  readonly pollDuration: BulkHistogram;
  readonly endToEnd: BulkHistogram;
  readonly poolTotal: Gauge<string>;
  readonly poolHealthy: Gauge<string>;
  readonly targetRate: Gauge<string>;
  readonly backlog: Gauge<string>;
  readonly inFlight: Gauge<string>;
  readonly eventLoopDelay: Gauge<string>;
  readonly cpu: Gauge<string>;
  readonly saturated: Gauge<string>;
  readonly saturatedIntervals: Counter<string>;

  constructor(options: ClientMetricsOptions) {
    const registers = [options.registry];
    const n = (this.names = clientMetricNames(options.prefix));
    const labelNames = [...BASE_LABELS, ...options.labelNames];
    const latency = { labelNames, buckets: LATENCY_BUCKETS_SECONDS, registers };
    this.recordsSent = new Counter({ name: n.recordsSent!, help: 'Records acknowledged by the target', labelNames, registers });
    this.bytesSent = new Counter({ name: n.bytesSent!, help: 'Record value bytes acknowledged by the target', labelNames, registers });
    this.sendDuration = new BulkHistogram({
      name: n.sendDuration!,
      help: 'Producer latency per record: ack time minus intended send time (coordinated-omission free)',
      ...latency,
    });
    this.batchSize = new BulkHistogram({
      name: n.batchSize!,
      help: 'Records per ProduceBatch (each interval contributes its batches at the interval mean)',
      labelNames,
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    this.producerErrors = new Counter({
      name: n.producerErrors!,
      help: 'Failed produce records by gRPC status',
      labelNames: [...labelNames, 'code'],
      registers,
    });
    this.dropped = new Counter({
      name: n.dropped!,
      help: 'Records whose send could not start within dropAfterMs of its intended time',
      labelNames,
      registers,
    });
    this.recordsConsumed = new Counter({ name: n.recordsConsumed!, help: 'Records returned by Consume', labelNames, registers });
    this.bytesConsumed = new Counter({ name: n.bytesConsumed!, help: 'Record value bytes returned by Consume', labelNames, registers });
    this.consumerErrors = new Counter({
      name: n.consumerErrors!,
      help: 'Failed consume calls by gRPC status',
      labelNames: [...labelNames, 'code'],
      registers,
    });
    this.lag = new Gauge({ name: n.lag!, help: 'Records behind the high watermark, summed over partitions', labelNames, registers });
    this.pollDuration = new BulkHistogram({ name: n.pollDuration!, help: 'Duration of one Consume call', ...latency });
    this.endToEnd = new BulkHistogram({
      name: n.endToEnd!,
      help: 'Consume time minus the intended send time carried in the record',
      ...latency,
    });
    this.poolTotal = new Gauge({ name: n.poolTotal!, help: 'gRPC channels of the load generator', labelNames, registers });
    this.poolHealthy = new Gauge({ name: n.poolHealthy!, help: 'gRPC channels able to carry calls', labelNames, registers });
    this.targetRate = new Gauge({ name: n.targetRate!, help: 'Records per second the scenario asks for', labelNames, registers });
    this.backlog = new Gauge({ name: n.backlog!, help: 'Records due but not yet sent at the end of the interval', labelNames, registers });
    this.inFlight = new Gauge({
      name: n.inFlight!,
      help: 'Produce batches awaiting their ack at the end of the interval',
      labelNames,
      registers,
    });
    this.eventLoopDelay = new Gauge({
      name: n.eventLoopDelay!,
      help: 'Event-loop delay p99 of the generator (thread="main" or the worst worker)',
      labelNames: [...labelNames, 'thread'],
      registers,
    });
    this.cpu = new Gauge({ name: n.cpu!, help: 'CPU of the generator process, percent of one core', labelNames, registers });
    this.saturated = new Gauge({
      name: n.saturated!,
      help: '1 when the generator itself was the bottleneck in the last interval',
      labelNames,
      registers,
    });
    this.saturatedIntervals = new Counter({
      name: n.saturatedIntervals!,
      help: 'Intervals in which the generator was saturated',
      labelNames,
      registers,
    });
  }
}

// One set of metric objects per registry and prefix, so runs that share an exporter share series.
const byRegistry = new WeakMap<Registry, Map<string, ClientMetrics>>();

export function clientMetricsFor(registry: Registry, prefix: string, labelNames: readonly string[]): ClientMetrics {
  let perPrefix = byRegistry.get(registry);
  if (!perPrefix) byRegistry.set(registry, (perPrefix = new Map()));
  const key = `${prefix}\u0000${[...labelNames].sort().join(',')}`;
  let metrics = perPrefix.get(key);
  if (!metrics) {
    metrics = new ClientMetrics({ registry, prefix, labelNames });
    perPrefix.set(key, metrics);
  }
  return metrics;
}

const TRANSPORT_ERRORS = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);

/** Writes one Sample into the metrics of one run; remembers which gauge series it set, to retire them. */
export class SampleRecorder {
  /** Which histogram source fed the last sample (for tests and diagnostics). */
  lastHistogramSource: HistogramSource | undefined;
  private gaugeLabels: Record<string, string> | undefined;
  /** Phases whose series were created at zero and have had no sample yet. */
  private readonly touched = new Set<string>();

  constructor(
    private readonly metrics: ClientMetrics,
    private readonly base: () => Record<string, string>,
    /** Channels per worker from the run's config, when known. */
    private readonly connectionsPerWorker: () => number | undefined,
  ) {}

  record(sample: Sample): void {
    const m = this.metrics;
    const labels = { ...this.base(), phase: sample.phase };
    this.touched.delete(sample.phase);
    const ext = sample as Sample & SampleExtensions;
    const p = sample.producer;
    const c = sample.consumer;

    m.recordsSent.inc(labels, nonNegative(p.acked));
    m.bytesSent.inc(labels, nonNegative(p.bytes));
    m.dropped.inc(labels, nonNegative(p.dropped));
    for (const [code, count] of Object.entries(p.errorsByCode)) m.producerErrors.inc({ ...labels, code }, nonNegative(count));
    m.recordsConsumed.inc(labels, nonNegative(c.consumed));
    m.bytesConsumed.inc(labels, nonNegative(c.bytes));
    for (const [code, count] of Object.entries(c.errorsByCode)) m.consumerErrors.inc({ ...labels, code }, nonNegative(count));

    m.sendDuration.add(labels, this.latencyBuckets(ext, HISTOGRAMS.producer.response, p.latency.response));
    m.pollDuration.add(labels, this.latencyBuckets(ext, HISTOGRAMS.consumer.poll, c.latency.poll));
    m.endToEnd.add(labels, this.latencyBuckets(ext, HISTOGRAMS.consumer.endToEnd, c.latency.endToEnd));
    m.batchSize.add(labels, bucketsFromConstant(BATCH_SIZE_BUCKETS, p.meanBatchSize, nonNegative(p.batches)));

    // Gauges hold one series per run: when the phase changes the previous phase's series is retired,
    // otherwise Prometheus would keep showing the old phase's lag forever.
    if (this.gaugeLabels && this.gaugeLabels['phase'] !== labels.phase) this.removeGauges(this.gaugeLabels);
    this.gaugeLabels = labels;
    m.lag.set(labels, c.lag);
    m.targetRate.set(labels, p.targetRate);
    m.backlog.set(labels, p.backlog ?? 0);
    m.inFlight.set(labels, p.inFlightBatches ?? 0);
    const pool = this.pool(ext, sample);
    if (pool) {
      m.poolTotal.set(labels, pool.total);
      m.poolHealthy.set(labels, pool.healthy);
    }
    const g = sample.generator;
    m.eventLoopDelay.set({ ...labels, thread: 'main' }, g.eventLoopDelayMs.main / 1000);
    m.eventLoopDelay.set({ ...labels, thread: 'workers_max' }, g.eventLoopDelayMs.workersMax / 1000);
    m.cpu.set(labels, g.cpuPercent);
    m.saturated.set(labels, g.saturated ? 1 : 0);
    m.saturatedIntervals.inc(labels, g.saturated ? 1 : 0);
  }

  /**
   * Creates a phase's counter and histogram series at zero before its first sample. Prometheus's rate()
   * ignores the first value of a new series, so without this the first interval of every phase is lost.
   */
  touch(phase: string): void {
    const m = this.metrics;
    const labels = { ...this.base(), phase };
    this.touched.add(phase);
    for (const c of [m.recordsSent, m.bytesSent, m.dropped, m.recordsConsumed, m.bytesConsumed, m.saturatedIntervals]) c.inc(labels, 0);
    // Error counters too, for the codes that mean the target or the pool gave out: a panel of them reads 0, not "No data".
    for (const code of CONNECTION_ERROR_CODES) for (const c of [m.producerErrors, m.consumerErrors]) c.inc({ ...labels, code }, 0);
    for (const h of [m.sendDuration, m.pollDuration, m.endToEnd, m.batchSize]) {
      h.add(labels, { counts: new Array<number>(h.buckets.length + 1).fill(0), sum: 0, count: 0 });
    }
  }

  /** Removes the zero series of a phase that never had a sample (the default `main` of a run that declares phases). */
  untouch(phase: string): void {
    if (!this.touched.delete(phase)) return;
    const m = this.metrics;
    const labels = { ...this.base(), phase };
    for (const c of [m.recordsSent, m.bytesSent, m.dropped, m.recordsConsumed, m.bytesConsumed, m.saturatedIntervals]) c.remove(labels);
    for (const code of CONNECTION_ERROR_CODES) for (const c of [m.producerErrors, m.consumerErrors]) c.remove({ ...labels, code });
    for (const h of [m.sendDuration, m.pollDuration, m.endToEnd, m.batchSize]) h.remove(labels);
  }

  /** Removes this run's gauge series (at the end of a run, so a shared endpoint does not show stale values). */
  retire(): void {
    if (this.gaugeLabels) this.removeGauges(this.gaugeLabels);
    this.gaugeLabels = undefined;
  }

  private removeGauges(labels: Record<string, string>): void {
    const m = this.metrics;
    for (const g of [m.lag, m.targetRate, m.backlog, m.inFlight, m.poolTotal, m.poolHealthy, m.cpu, m.saturated]) g.remove(labels);
    m.eventLoopDelay.remove({ ...labels, thread: 'main' });
    m.eventLoopDelay.remove({ ...labels, thread: 'workers_max' });
  }

  private latencyBuckets(ext: SampleExtensions, key: ResultHistogram, summary: LatencySummary): BucketDelta {
    const encoded = ext.histograms?.[key];
    if (typeof encoded === 'string' && encoded !== '') {
      try {
        const delta = bucketsFromEncodedHdr(LATENCY_BUCKETS_SECONDS, encoded);
        this.lastHistogramSource = 'hdr';
        return delta;
      } catch {
        // fall through to the summary: a bad encoding must not lose the interval
      }
    }
    this.lastHistogramSource = 'summary';
    return bucketsFromSummary(LATENCY_BUCKETS_SECONDS, summary);
  }

  private pool(ext: SampleExtensions, sample: Sample): { total: number; healthy: number } | undefined {
    if (ext.connections) return ext.connections;
    const perWorker = this.connectionsPerWorker();
    const workers = sample.generator.workers;
    if (perWorker === undefined || !(workers > 0)) return undefined;
    const total = workers * perWorker;
    // Until the engine reports channel states: a pool is counted unhealthy only in an interval where
    // calls failed at the transport level and none succeeded.
    const transportErrors = Object.entries(sample.producer.errorsByCode).some(([code, n]) => TRANSPORT_ERRORS.has(code) && n > 0);
    const healthy = transportErrors && sample.producer.acked === 0 && sample.consumer.consumed === 0 ? 0 : total;
    return { total, healthy };
  }
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}
