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
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers });
    this.cacheHits = counter('streamhouse_cache_hits_total', 'Segment reads served from the segment cache', ['org_id']);
    this.cacheMisses = counter('streamhouse_cache_misses_total', 'Segment reads that had to fetch the segment from storage', ['org_id']);
    this.cacheSize = new Gauge({ name: 'streamhouse_cache_size_bytes', help: 'Bytes held by the segment cache', registers });
    this.s3Requests = counter(
      'streamhouse_s3_requests_total',
      'Storage requests (local folder operations are counted under the same names)',
      ['org_id', 'operation'],
    );
    this.s3Errors = counter('streamhouse_s3_errors_total', 'Failed storage requests by error type', ['org_id', 'operation', 'error_type']);
    this.s3Latency = histogram('streamhouse_s3_latency_seconds', 'Storage request latency', ['org_id', 'operation']);
    this.segmentWrites = counter('streamhouse_segment_writes_total', 'Record batches appended to a segment', [
      'org_id',
      'topic',
      'partition',
    ]);
    this.segmentFlushes = counter('streamhouse_segment_flushes_total', 'Segments stored', ['org_id', 'topic', 'partition']);
    this.producerRecords = counter('streamhouse_producer_records_total', 'Records acked to producers', ['org_id', 'topic']);
    this.producerBytes = counter('streamhouse_producer_bytes_total', 'Key and value bytes acked to producers', ['org_id', 'topic']);
    this.producerLatency = histogram('streamhouse_producer_latency_seconds', 'Time from a produce request to its ack', ['org_id', 'topic']);
    this.consumerRecords = counter('streamhouse_consumer_records_total', 'Records returned to consumers', [
      'org_id',
      'topic',
      'consumer_group',
    ]);
    this.segmentsExpired = counter(
      'loadhouse_agent_segments_expired_total',
      'Stored segments deleted because they outlived the retention',
      ['org_id', 'topic'],
    );
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
