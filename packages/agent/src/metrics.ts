// The agent's Prometheus metrics, under StreamHouse's own names, in a registry of the agent's own (never the global one).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label value used for requests that carry no `x-organization-id`. */
export const DEFAULT_ORG_LABEL = 'default';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly cacheHits: Counter<'org_id'>;
  readonly cacheMisses: Counter<'org_id'>;
  readonly cacheSize: Gauge;
  readonly s3Requests: Counter<'org_id' | 'operation'>;
  readonly s3Errors: Counter<'org_id' | 'operation' | 'error_type'>;
  readonly s3Latency: Histogram<'org_id' | 'operation'>;
  readonly segmentWrites: Counter<'org_id' | 'topic' | 'partition'>;
  readonly segmentFlushes: Counter<'org_id' | 'topic' | 'partition'>;
  readonly producerRecords: Counter<'org_id' | 'topic'>;
  readonly producerBytes: Counter<'org_id' | 'topic'>;
  readonly producerLatency: Histogram<'org_id' | 'topic'>;
  readonly consumerRecords: Counter<'org_id' | 'topic' | 'consumer_group'>;
  /** Not a StreamHouse metric: the reference agent's own, hence its own prefix. */
  readonly segmentsExpired: Counter<'org_id' | 'topic'>;

  constructor() {
    const registers = [this.registry];
    this.cacheHits = new Counter({
      name: 'streamhouse_cache_hits_total',
      help: 'Segment reads served from the segment cache',
      labelNames: ['org_id'],
      registers,
    });
    this.cacheMisses = new Counter({
      name: 'streamhouse_cache_misses_total',
      help: 'Segment reads that had to fetch the segment from storage',
      labelNames: ['org_id'],
      registers,
    });
    this.cacheSize = new Gauge({ name: 'streamhouse_cache_size_bytes', help: 'Bytes held by the segment cache', registers });
    this.s3Requests = new Counter({
      name: 'streamhouse_s3_requests_total',
      help: 'Storage requests (local folder operations are counted under the same names)',
      labelNames: ['org_id', 'operation'],
      registers,
    });
    this.s3Errors = new Counter({
      name: 'streamhouse_s3_errors_total',
      help: 'Failed storage requests by error type',
      labelNames: ['org_id', 'operation', 'error_type'],
      registers,
    });
    this.s3Latency = new Histogram({
      name: 'streamhouse_s3_latency_seconds',
      help: 'Storage request latency',
      labelNames: ['org_id', 'operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.segmentWrites = new Counter({
      name: 'streamhouse_segment_writes_total',
      help: 'Record batches appended to a segment',
      labelNames: ['org_id', 'topic', 'partition'],
      registers,
    });
    this.segmentFlushes = new Counter({
      name: 'streamhouse_segment_flushes_total',
      help: 'Segments stored',
      labelNames: ['org_id', 'topic', 'partition'],
      registers,
    });
    this.producerRecords = new Counter({
      name: 'streamhouse_producer_records_total',
      help: 'Records acked to producers',
      labelNames: ['org_id', 'topic'],
      registers,
    });
    this.producerBytes = new Counter({
      name: 'streamhouse_producer_bytes_total',
      help: 'Key and value bytes acked to producers',
      labelNames: ['org_id', 'topic'],
      registers,
    });
    this.producerLatency = new Histogram({
      name: 'streamhouse_producer_latency_seconds',
      help: 'Time from a produce request to its ack',
      labelNames: ['org_id', 'topic'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.consumerRecords = new Counter({
      name: 'streamhouse_consumer_records_total',
      help: 'Records returned to consumers',
      labelNames: ['org_id', 'topic', 'consumer_group'],
      registers,
    });
    this.segmentsExpired = new Counter({
      name: 'loadhouse_agent_segments_expired_total',
      help: 'Stored segments deleted because they outlived the retention',
      labelNames: ['org_id', 'topic'],
      registers,
    });
    // Counters a dashboard divides or plots exist from the start at 0 (no "No data" before the first read).
    for (const c of [this.cacheHits, this.cacheMisses]) c.inc({ org_id: DEFAULT_ORG_LABEL }, 0);
    collectDefaultMetrics({ register: this.registry });
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
