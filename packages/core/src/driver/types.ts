// The one seam between the engine and a target. Everything the engine sends or reads goes through a Driver;
// a protocol (gRPC StreamHouse, and later Kafka or REST) is one file implementing it. The hot path (produce,
// consume, commit) is callback-based: a promise per batch would cost more than the batch's own bookkeeping.
import type { TlsOptions } from '../proto/client.js';

/** The Driver contract version this engine speaks; a driver module declares the version it was written for. */
export const DRIVER_API_VERSION = 1;

/** Why a call failed, in the engine's vocabulary. */
export interface DriverFailure {
  /**
   * Upper-case status name (`UNAVAILABLE`, `DEADLINE_EXCEEDED`, `RESOURCE_EXHAUSTED`, `NOT_FOUND`...), the key of
   * `errorsByCode` in results. Connection-type statuses (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED)
   * feed the connection-error criteria and the outage detector, so a driver maps its protocol's errors onto them.
   */
  status: string;
  /** True when the same call could succeed if sent again (an outage, a timeout, back-pressure). */
  retriable: boolean;
  message: string;
}

/** A call in flight: cancel() ends it; its callback may still run once (with a failure) or not at all. */
export interface PendingCall {
  cancel(): void;
}

export interface ProduceBatch {
  topic: string;
  partition: number;
  /**
   * Reused by the caller for its next batch, buffers included: a driver serializes or copies the records
   * before produce() returns and keeps no reference to them.
   */
  records: ReadonlyArray<{ value: Uint8Array; key?: Uint8Array }>;
  /** The wire AckMode of `ackMode` in the options: 0 buffered, 1 durable, 2 none. */
  ackMode: number;
  /** The idempotent producer's id and epoch (from initProducer), and the sequence of the batch's first record. */
  producerId?: string;
  producerEpoch?: number;
  baseSequence?: number;
  /** The open transaction the batch belongs to. */
  transactionId?: string;
}

/**
 * The ack of a batch: the offset of its first record (-1 when the call failed), and whether the target dropped
 * it as a batch it had already stored (`duplicates_filtered`: an idempotent retry whose first ack was lost).
 */
export type ProduceCallback = (failure: DriverFailure | null, baseOffset: number, duplicate?: boolean) => void;

/** An idempotent producer's identity, from the target. */
export interface ProducerIdentity {
  producerId: string;
  epoch: number;
}

export interface FetchRequest {
  topic: string;
  partition: number;
  offset: number;
  maxRecords: number;
  /** Consumer group, when the consumer belongs to one. */
  group?: string;
}

export interface FetchedRecord {
  offset: number;
  value: Uint8Array;
}

export interface FetchedBatch {
  records: ReadonlyArray<FetchedRecord>;
  /** The partition's next offset to be written, for lag. */
  highWatermark: number;
}

export type FetchCallback = (failure: DriverFailure | null, batch: FetchedBatch | undefined) => void;

export interface OffsetCommit {
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

export interface ConnectOptions {
  timeoutMs: number;
  /** Aborting ends the wait; the engine also closes the driver. */
  signal?: AbortSignal;
  /**
   * Also check that the target speaks the protocol (the main thread's pre-flight); workers only connect. A
   * driver throws LH_TARGET_NOT_STREAMHOUSE (or any error) when it does not.
   */
  verify: boolean;
}

export interface Driver {
  /** The target as users name it (its address), for messages. */
  readonly target: string;
  /** Resolves once the target takes calls; rejects when it does not within the timeout. */
  connect(options: ConnectOptions): Promise<void>;
  /** Why a connection failed, from a cheap probe (nothing listens, name does not resolve...); '' when unknown. */
  diagnose?(): Promise<string>;
  /** The topic's partition count, or undefined when the topic does not exist. */
  describeTopic(topic: string): Promise<{ partitions: number } | undefined>;
  /** Creates the topic; 'exists' when it was already there. */
  createTopic(topic: string, partitions: number): Promise<'created' | 'exists'>;
  produce(batch: ProduceBatch, callback: ProduceCallback): PendingCall;
  /**
   * The same call from request bytes the engine laid out itself: a gRPC-framed `streamhouse.StreamHouse`
   * ProduceBatchRequest (5-byte prefix included). Only drivers of that protocol offer it; the engine then
   * keeps the bytes untouched until the driver calls `written()` (once, and before `callback`).
   */
  produceFramed?(request: Uint8Array, written: () => void, callback: ProduceCallback): PendingCall;
  /**
   * Registers an idempotent producer (StreamHouse InitProducer); a `transactionalId` lets it use transactions
   * and fences an earlier holder of the same id. Only drivers whose protocol has it offer it.
   */
  initProducer?(transactionalId?: string): Promise<ProducerIdentity>;
  /** Opens a transaction for the producer; resolves with its id. */
  beginTransaction?(producer: ProducerIdentity): Promise<string>;
  /** Commits (true) or aborts (false) the producer's open transaction. */
  endTransaction?(producer: ProducerIdentity, transactionId: string, commit: boolean): Promise<void>;
  fetch(request: FetchRequest, callback: FetchCallback): PendingCall;
  commitOffset(commit: OffsetCommit, callback: (failure: DriverFailure | null) => void): void;
  /** The group's committed offset of a partition (0 when it never committed). */
  committedOffset(group: string, topic: string, partition: number): Promise<number>;
  /** The partition's high watermark (next offset to be written). */
  latestOffset(topic: string, partition: number): Promise<number>;
  /**
   * Milliseconds of each consumer-group join or rebalance the driver completed since the previous call, for a
   * driver whose consumers join their group (the Kafka driver's `groupMembership`). Workers report them; the
   * result has them as `metrics['driver.groupRebalances' | 'driver.groupRebalanceP50Ms' | 'driver.groupRebalanceMaxMs']`.
   */
  rebalances?(): number[];
  close(): void;
}

/** What a driver is created from: the run's target options, resolved, plus the driver's own options. */
export interface DriverTarget {
  address: string;
  organizationId?: string;
  tls?: TlsOptions | boolean;
  metadata?: Record<string, string>;
  /** Deadline of each call in milliseconds. */
  deadlineMs: number;
  /** Connections (channels) a worker's driver spreads its calls over (1 on the main thread). */
  connections: number;
  /** `target.driver.options`: plain data, copied to every worker. */
  options: Readonly<Record<string, unknown>>;
  /** SASL/PLAIN credentials (`target.sasl`), for protocols that log in that way. */
  sasl?: { username: string; password: string };
}

/** What a driver module exports (its default export, or a named `driver`), made with defineDriver(). */
export interface DriverDefinition {
  apiVersion: number;
  /** Short protocol name (`grpc`, `kafka`...), shown in messages. */
  name: string;
  create(target: DriverTarget): Driver;
}

/** Marks a driver definition; the engine refuses a module whose apiVersion it does not speak. */
export function defineDriver(definition: DriverDefinition): DriverDefinition {
  return definition;
}
