// Delivery guarantees of the producers: retries, the idempotent producer and transactions (docs/idempotence.md).
import type { LatencySummary } from './samples.js';

/** Transactions of every producer: `recordsPerTransaction` records each, a seeded share of them aborted. */
export interface TransactionOptions {
  /** Records per transaction (the last one of a producer may be shorter). */
  recordsPerTransaction: number;
  /** Fraction 0..1 of transactions aborted instead of committed (default 0), drawn from `seed`. */
  abortRatio?: number;
  /** Seed of the abort draws (default: the run's `seed`): the same seed aborts the same transactions. */
  seed?: number;
}

/** `options.delivery`: how producers make sure a batch lands (default: sent once, no producer id). */
export interface DeliveryOptions {
  /**
   * Idempotent producers: each calls InitProducer, sends its producer id, epoch and the base sequence of every
   * batch, and retries a failed batch with the same sequence, so the target can drop a copy it already stored.
   */
  idempotent?: boolean;
  /**
   * Times a batch that failed with a retriable status (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED) is
   * sent again, with the same records and sequences (default 5 when idempotent or transactional, else 0).
   * Without idempotence a retry of a batch the target stored duplicates its records.
   */
  retries?: number;
  /** Transactional producers (implies idempotent). */
  transactions?: TransactionOptions;
}

/** `result.config.delivery`: the delivery options the run used. */
export interface DeliveryConfig {
  idempotent: boolean;
  retries: number;
  transactions: { recordsPerTransaction: number; abortRatio: number; seed: number } | null;
}

/**
 * A latency of a merged result whose shards stored only percentile summaries (no histograms): count, max and mean
 * combine exactly, percentiles do not, so they are null (unmeasured) rather than an estimate.
 */
export interface CountedLatency {
  p50: null;
  p95: null;
  p99: null;
  p999: null;
  max: number;
  mean: number;
  count: number;
}

/** The latency of a delivery call: percentiles, or (merged from summaries only) count, max and mean. */
export type DeliveryLatency = LatencySummary | CountedLatency;

/** `result.producer.idempotence`: retries and what the target filtered (present when retries or idempotence were on). */
export interface IdempotenceReport {
  /** The producers were idempotent (sent producer id, epoch and base sequences). */
  enabled: boolean;
  /** InitProducer calls that succeeded (one per producer), and their latency. */
  initProducerCalls: number;
  initProducerLatency: DeliveryLatency;
  /** Batches sent again after a retriable failure, and their records. */
  retriedBatches: number;
  retriedRecords: number;
  /** Batches (and their records) the target answered with `duplicates_filtered`: copies it did not store again. */
  duplicateBatches: number;
  duplicateRecords: number;
  /** Batches answered FAILED_PRECONDITION: the producer was fenced or its sequence was refused. */
  fenced: number;
}

/** `result.producer.transactions`: what the transactional producers committed and aborted. */
export interface TransactionsReport {
  committed: number;
  aborted: number;
  /** Records acked inside committed / aborted transactions (consumers must see all of the first, none of the second). */
  committedRecords: number;
  abortedRecords: number;
  /** Commit or abort calls that failed, and records acked in transactions whose fate is therefore unknown. */
  failed: number;
  uncertainRecords: number;
  /** Latency of CommitTransaction calls. */
  commitLatency: DeliveryLatency;
  /** Latency of AbortTransaction calls (absent in results written before it was measured). */
  abortLatency?: DeliveryLatency;
}
