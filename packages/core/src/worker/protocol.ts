// Messages between the main thread and load workers. Everything here is plain cloneable data.
// A worker hosts groups of any kind: producers today, consumers next (a `consume` group kind and a
// `consumer` section in the report), so both pools share one set of threads and one report shape.
import type { MessagePort } from 'node:worker_threads';
import type { TlsOptions } from '../proto/client.js';

export interface WorkerTarget {
  address: string;
  organizationId?: string;
  tls?: TlsOptions | boolean;
  metadata?: Record<string, string>;
  deadlineMs: number;
  connectTimeoutMs: number;
}

/** The task a worker runs for the whole test: the argument of the worker module's default export. */
export interface WorkerInit {
  workerIndex: number;
  target: WorkerTarget;
  connections: number;
  instrument: boolean;
  port: MessagePort;
  /** Test-only: make the worker die after this many ms (`throw` an uncaught error or `exit` the thread). */
  crash?: { afterMs: number; mode: 'throw' | 'exit' };
}

export interface ProducerSpec {
  /** Run-wide producer id (written in every record header). */
  id: number;
  rate: number;
  partitions: number[];
  /** Fraction of one record interval by which this producer's schedule is offset, so producers do not send in lockstep. */
  phase: number;
}

export interface ProducerGroupSpec {
  groupId: number;
  topic: string;
  producers: ProducerSpec[];
  messageSize: number;
  batchSize: number;
  lingerMs: number;
  maxInFlight: number;
  /** 0 = no quota. */
  messagesPerProducer: number;
  payload: 'random' | 'compressible';
  ackMode: number;
  dropAfterMs: number;
  /** Records whose intended time is before this (epoch ms) belong to warm-up. */
  warmupEndEpochMs: number;
  /** When the main thread started the group (epoch ms): the schedule's origin. */
  startEpochMs: number;
}

export type ControlMessage =
  | { type: 'start-producers'; group: ProducerGroupSpec }
  /** New per-producer rates, keyed by producer id. */
  | { type: 'set-rate'; groupId: number; rates: Record<number, number>; atEpochMs: number }
  /** Scheduling ends at atEpochMs (when the main thread asked); then in-flight batches drain. */
  | { type: 'stop-group'; groupId: number; drainTimeoutMs: number; atEpochMs: number }
  | { type: 'collect'; collectId: number }
  | { type: 'shutdown' };

export interface CounterSet {
  scheduled: number;
  sent: number;
  acked: number;
  failed: number;
  dropped: number;
  /** Value bytes of acked records. */
  bytes: number;
  batches: number;
  /** Failed records by gRPC status name (and DRAIN_TIMEOUT); sums to `failed`. */
  errorsByCode: Record<string, number>;
}

export interface EncodedLatencies {
  response: string | null;
  service: string | null;
  scheduleLag: string | null;
}

export interface ProducerReport {
  /** Everything that happened since the previous report. */
  window: CounterSet;
  /** The part of `window` about records intended after warm-up: what totals count. */
  measured: CounterSet;
  histograms: EncodedLatencies;
  /** Histograms of the measured records; 'window' when every record in the window was measured. */
  measuredHistograms: EncodedLatencies | 'window';
  inFlightBatches: number;
  backlog: number;
}

export interface WorkerHealth {
  eventLoopDelayP99Ms: number;
  /** Event-loop utilization (0..1) since the previous report. */
  utilization: number;
}

export interface WorkerReport {
  producer: ProducerReport | null;
  /** Reserved for the consumer pool. */
  consumer: null;
  health: WorkerHealth;
}

export type WorkerMessage =
  | { type: 'ready'; workerIndex: number }
  | { type: 'init-failed'; workerIndex: number; code: string; message: string }
  | { type: 'report'; workerIndex: number; collectId: number | null; report: WorkerReport }
  | { type: 'group-stopped'; workerIndex: number; groupId: number; producers: ProducerTotalsReport[] }
  | { type: 'producer-done'; workerIndex: number; groupId: number; producer: ProducerTotalsReport }
  | { type: 'log'; workerIndex: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

/** One producer's own totals, sent when it finishes its quota and when its group stops. */
export interface ProducerTotalsReport {
  id: number;
  /** Finished its quota before any stop. */
  completed: boolean;
  startEpochMs: number;
  finishedEpochMs: number;
  scheduled: number;
  acked: number;
  failed: number;
  dropped: number;
}

export function emptyCounters(): CounterSet {
  return { scheduled: 0, sent: 0, acked: 0, failed: 0, dropped: 0, bytes: 0, batches: 0, errorsByCode: {} };
}

export function addCounters(into: CounterSet, from: CounterSet): void {
  into.scheduled += from.scheduled;
  into.sent += from.sent;
  into.acked += from.acked;
  into.failed += from.failed;
  into.dropped += from.dropped;
  into.bytes += from.bytes;
  into.batches += from.batches;
  for (const [k, v] of Object.entries(from.errorsByCode)) into.errorsByCode[k] = (into.errorsByCode[k] ?? 0) + v;
}
