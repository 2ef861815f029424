// One producer's delivery state: its identity from InitProducer, its transactions (begin, fill, commit or
// abort by a seeded draw) and its tally. The producer asks `room()` before each batch: 0 while InitProducer
// or a transaction boundary is pending, and wakes up through `wake` when that is over.
import type { Clock } from '../clock.js';
import type { Driver, DriverFailure, PendingCall, ProduceBatch, ProducerIdentity } from '../driver/types.js';
import { createHistogram, encodeHistogramBytes, recordMs } from '../metrics/histogram.js';
import type { ProducerFields } from '../proto/produce-frame.js';
import type { DeliveryConfig } from '../types.js';
import type { RunLog } from '../verify/run-log.js';
import { mulberry32 } from '../util.js';
import { type DeliveryTally, emptyDeliveryTally } from './delivery-tally.js';
import type { Slot } from './producer-slot.js';

const noop = (): void => {};

/** Wait before InitProducer or BeginTransaction is tried again after a failure. */
const SETUP_RETRY_MS = 500;
/** Longest producer id and transaction id the request frames keep room for. */
export const MAX_PRODUCER_ID_BYTES = 64;
export const MAX_TRANSACTION_ID_BYTES = 128;

/** Back-off before retry `attempt` (1, 2, ...) of a failed batch. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1000, 25 * 2 ** (attempt - 1));
}

interface Transaction {
  id: string;
  idBytes: Buffer;
  records: number;
  inFlight: number;
  /** Records acked so far in it. */
  acked: number;
  /** Its acked batches, 3 numbers each (partition, first sequence, count): logged as committed when it commits. */
  batches: number[];
  commit: boolean;
  /** A batch of it failed for good: it is aborted whatever the draw said. */
  broken: boolean;
  /** No more records go in (full, or the producer is finishing). */
  closed: boolean;
}

export class ProducerDelivery {
  readonly retries: number;
  private identity: ProducerIdentity | undefined;
  private idBytes = Buffer.alloc(0);
  private txn: Transaction | undefined;
  /** InitProducer, BeginTransaction or the end of a transaction is in flight. */
  private busy = false;
  private readonly draw: () => number;
  private readonly tally: DeliveryTally = emptyDeliveryTally();
  // Plain lists (one InitProducer, one commit per transaction): histograms are built only for a report, so a
  // producer holds no WASM memory that nothing would free.
  private readonly initMs: number[] = [];
  private readonly commitMs: number[] = [];
  private readonly abortMs: number[] = [];
  private closed = false;

  constructor(
    private readonly config: DeliveryConfig,
    /** Unique in the run and across runs: the transactional id. */
    private readonly name: string,
    /** The producer's run-wide id: with the seed, it decides which transactions abort. */
    private readonly producerIndex: number,
    private readonly driver: Driver,
    private readonly clock: Clock,
    private readonly wake: () => void,
    /**
     * Where the records of transactions go for the end-of-run checks against what consumers read (instrumented
     * runs): those confirmed committed, and those whose outcome the target never confirmed (they may be visible).
     */
    private readonly txLogs?: { committed: RunLog; uncertain: RunLog },
  ) {
    this.retries = config.retries;
    this.draw = mulberry32(Math.imul(config.transactions?.seed ?? 1, 2654435761) ^ Math.imul(producerIndex + 1, 40503));
    if (config.idempotent) this.init();
  }

  private init(): void {
    const initProducer = this.driver.initProducer?.bind(this.driver);
    if (!initProducer) return;
    this.busy = true;
    const t0 = this.clock.now();
    initProducer(this.config.transactions ? this.name : undefined).then(
      (identity) => {
        this.initMs.push(this.clock.now() - t0);
        this.tally.initProducerCalls++;
        this.identity = identity;
        this.idBytes = Buffer.from(identity.producerId, 'utf8');
        this.busy = false;
        this.wake();
      },
      () => this.later(() => this.init()),
    );
  }

  private later(fn: () => void): void {
    if (this.closed) return;
    this.clock.setTimeout(fn, SETUP_RETRY_MS);
  }

  /** Records the next batch may hold now: 0 to wait, Infinity when nothing bounds it. */
  room(): number {
    if (!this.config.idempotent) return Infinity;
    if (this.busy || !this.identity) return 0;
    const tx = this.config.transactions;
    if (!tx) return Infinity;
    const t = this.txn;
    if (!t) {
      this.begin();
      return 0;
    }
    return t.closed ? 0 : tx.recordsPerTransaction - t.records;
  }

  private begin(): void {
    const begin = this.driver.beginTransaction?.bind(this.driver);
    if (!begin || !this.identity) return;
    this.busy = true;
    begin(this.identity).then(
      (id) => {
        const commit = this.draw() >= (this.config.transactions?.abortRatio ?? 0);
        this.txn = {
          id,
          idBytes: Buffer.from(id, 'utf8'),
          records: 0,
          inFlight: 0,
          acked: 0,
          batches: [],
          commit,
          broken: false,
          closed: false,
        };
        this.busy = false;
        this.wake();
      },
      () =>
        this.later(() => {
          this.busy = false;
          this.wake();
        }),
    );
  }

  /** The request fields of a batch starting at `baseSequence` (undefined when not idempotent), counted as sent. */
  fields(baseSequence: number, count: number): ProducerFields | undefined {
    if (!this.identity) return undefined;
    const t = this.txn;
    if (t) {
      t.records += count;
      t.inFlight++;
      if (t.records >= (this.config.transactions?.recordsPerTransaction ?? Infinity)) t.closed = true;
    }
    return { producerId: this.idBytes, epoch: this.identity.epoch, baseSequence, transactionId: t ? t.idBytes : EMPTY };
  }

  /** Sets the same fields on a request object (drivers that encode requests themselves). */
  stamp(batch: ProduceBatch, f: ProducerFields): void {
    batch.producerId = this.identity!.producerId;
    batch.producerEpoch = f.epoch;
    batch.baseSequence = f.baseSequence;
    if (this.txn && f.transactionId.length > 0) batch.transactionId = this.txn.id;
    else delete batch.transactionId;
  }

  /** Sends the slot's batch again once its attempt's back-off has passed; the call returned cancels the wait. */
  resendLater(slot: Slot): PendingCall {
    const cancel = this.clock.setTimeout(() => {
      if (slot.call === null) return;
      const driver = this.driver;
      if (slot.framed && driver.produceFramed) slot.call = driver.produceFramed(slot.framed, noop, slot.callback);
      else if (slot.batch) slot.call = driver.produce(slot.batch, slot.callback);
    }, retryDelayMs(slot.attempts));
    return { cancel };
  }

  retried(count: number): void {
    this.tally.retriedBatches++;
    this.tally.retriedRecords += count;
  }

  /** A batch's final outcome (after any retries). */
  done(batch: Pick<Slot, 'count' | 'partition' | 'firstSequence'>, failure: DriverFailure | null, duplicate: boolean): void {
    const count = batch.count;
    if (duplicate) {
      this.tally.duplicateBatches++;
      this.tally.duplicateRecords += count;
    }
    if (failure?.status === 'FAILED_PRECONDITION') this.tally.fenced++;
    const t = this.txn;
    if (!t) return;
    t.inFlight--;
    if (failure) t.broken = true;
    else {
      t.acked += count;
      if (this.txLogs) t.batches.push(batch.partition, batch.firstSequence, count);
    }
    if (t.closed && t.inFlight === 0) this.end(t);
  }

  /** Nothing pending: no transaction open and no set-up call in flight. */
  get settled(): boolean {
    return this.txn === undefined && !this.busy;
  }

  /** The producer has sent everything: the open transaction ends with what it holds. */
  closeOpen(): void {
    const t = this.txn;
    if (!t || t.closed) return;
    t.closed = true;
    if (t.inFlight === 0) this.end(t);
  }

  private end(t: Transaction): void {
    const endTransaction = this.driver.endTransaction?.bind(this.driver);
    if (!endTransaction || !this.identity || this.busy) return;
    this.busy = true;
    const commit = t.commit && !t.broken;
    const t0 = this.clock.now();
    const finish = (ok: boolean): void => {
      const n = this.tally;
      if (!ok) {
        n.txFailed++;
        n.uncertainRecords += t.acked;
        this.logBatches(t.batches, this.txLogs?.uncertain);
      } else if (commit) {
        this.commitMs.push(this.clock.now() - t0);
        n.committed++;
        n.committedRecords += t.acked;
        this.logBatches(t.batches, this.txLogs?.committed);
      } else {
        this.abortMs.push(this.clock.now() - t0);
        n.aborted++;
        n.abortedRecords += t.acked;
      }
      this.txn = undefined;
      this.busy = false;
      this.wake();
    };
    endTransaction(this.identity, t.id, commit).then(
      () => finish(true),
      () => finish(false),
    );
  }

  /** A transaction's batches, in sequence order per partition so that they join into few runs. */
  private logBatches(b: number[], log: RunLog | undefined): void {
    if (!log) return;
    const order = Array.from({ length: b.length / 3 }, (_, i) => i * 3);
    order.sort((x, y) => b[x]! - b[y]! || b[x + 1]! - b[y + 1]!);
    for (const i of order) log.add(b[i]!, -1, b[i + 2]!, this.producerIndex, b[i + 1]!);
  }

  /** The drain timed out: the open transaction's fate is the target's (it aborts it on timeout). */
  abandon(): void {
    this.closed = true;
    const t = this.txn;
    if (t) {
      this.tally.txFailed++;
      this.tally.uncertainRecords += t.acked;
      this.logBatches(t.batches, this.txLogs?.uncertain);
      this.txn = undefined;
    }
  }

  report(): DeliveryTally {
    const out = { ...this.tally };
    if (this.initMs.length > 0) out.initProducerLatency = encoded(this.initMs);
    if (this.commitMs.length > 0) out.commitLatency = encoded(this.commitMs);
    if (this.abortMs.length > 0) out.abortLatency = encoded(this.abortMs);
    return out;
  }
}

function encoded(values: readonly number[]): Uint8Array {
  const h = createHistogram();
  try {
    for (const ms of values) recordMs(h, ms);
    return encodeHistogramBytes(h);
  } finally {
    h.destroy();
  }
}

const EMPTY = Buffer.alloc(0);
