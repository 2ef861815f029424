// The idempotent producer and transactions: producer ids and epochs, fencing, the per-partition sequence
// check with its dedup window, and open transactions whose records wait in memory until commit.
// Kept apart from the handlers so grpc-service.ts stays about requests; see docs/idempotence.md.
import * as grpc from '@grpc/grpc-js';
import { RpcError } from './rpc-error.js';

const Status = grpc.status;

/**
 * Batches remembered per (producer, partition). A retry whose batch is older than this answers
 * FAILED_PRECONDITION instead of being filtered. Wider than Kafka's 5 because a gRPC producer may keep more
 * batches in flight (loadhouse's default is 16), and a lost ack is only noticed after those newer batches.
 */
export const DEDUP_WINDOW_BATCHES = 64;
/**
 * How long a batch that arrived ahead of its predecessors waits for them before it answers a sequence gap: a
 * producer's batches travel over several connections, so the next one may overtake the one before it.
 */
export const GAP_WAIT_MS = 5_000;
/** A transaction not committed or aborted within its timeout (or this default) is aborted by the agent. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

interface StoredBatch {
  base: number;
  count: number;
  /** First offset the batch got (for a transactional batch: its position in the transaction). */
  first: number;
}

interface Parked {
  base: number;
  run: () => void;
  timer: NodeJS.Timeout;
}

/** Sequence state of one producer on one partition. */
class SequenceStream {
  /** Sequence the next new batch must start with. */
  next = 0;
  readonly window: StoredBatch[] = [];
  /** Batches that arrived before their predecessors, by base sequence. */
  readonly parked = new Map<number, Parked>();

  remember(b: StoredBatch): void {
    this.window.push(b);
    if (this.window.length > DEDUP_WINDOW_BATCHES) this.window.shift();
    this.next = b.base + b.count;
  }

  find(base: number, count: number): StoredBatch | undefined {
    for (let i = this.window.length - 1; i >= 0; i--) {
      const b = this.window[i]!;
      if (b.base === base && b.count === count) return b;
    }
    return undefined;
  }

  /** Answers every parked batch (after an epoch bump they answer fenced). */
  clear(): void {
    const parked = [...this.parked.values()];
    this.parked.clear();
    for (const p of parked) {
      clearTimeout(p.timer);
      p.run();
    }
  }
}

export interface PendingWrite {
  append: () => number;
}

interface OpenTransaction {
  id: string;
  writes: PendingWrite[];
  records: number;
  timer: NodeJS.Timeout;
}

interface ProducerState {
  id: string;
  epoch: number;
  transactionalId: string | undefined;
  streams: Map<string, SequenceStream>;
  txn: OpenTransaction | undefined;
  txnCount: number;
  /** CommitTransaction calls that committed (the count the lose-commits fault goes by). */
  commits: number;
  /** AbortTransaction calls that aborted (the count the expose-aborts fault goes by). */
  aborts: number;
}

/** What a sequenced ProduceBatch becomes. */
export type Admission = { kind: 'new'; first: number } | { kind: 'duplicate'; first: number } | { kind: 'error'; error: RpcError };

export interface ProducerBatch {
  org: string;
  producerId: string;
  epoch: number | undefined;
  baseSequence: number | undefined;
  transactionId: string | undefined;
  topic: string;
  partition: number;
  count: number;
  /** Appends the records to the partition log now; returns the first offset. */
  append: () => number;
}

export class ProducerRegistry {
  constructor(
    private readonly gapWaitMs = GAP_WAIT_MS,
    /** The lose-commits fault: true when a producer's `nth` commit is to be answered OK and its records discarded. */
    private readonly commitLost: (nth: number) => boolean = () => false,
    /** The expose-aborts fault: true when a producer's `nth` abort is to be answered OK and its records appended. */
    private readonly abortExposed: (nth: number) => boolean = () => false,
  ) {}

  private nextId = 1;
  private readonly producers = new Map<string, ProducerState>();
  private readonly byTransactionalId = new Map<string, string>();

  /** A new producer id (epoch 0), or for a known transactional id the same id with the epoch bumped: the older holder is fenced. */
  init(org: string, transactionalId: string | undefined): { producerId: string; epoch: number } {
    if (transactionalId) {
      const tkey = `${org}\u0000${transactionalId}`;
      const known = this.byTransactionalId.get(tkey);
      const p = known === undefined ? undefined : this.producers.get(`${org}\u0000${known}`);
      if (p) {
        this.endTransaction(p, false);
        p.epoch++;
        for (const s of p.streams.values()) s.clear();
        p.streams.clear();
        return { producerId: p.id, epoch: p.epoch };
      }
      const created = this.create(org, transactionalId);
      this.byTransactionalId.set(tkey, created.id);
      return { producerId: created.id, epoch: 0 };
    }
    return { producerId: this.create(org, undefined).id, epoch: 0 };
  }

  private create(org: string, transactionalId: string | undefined): ProducerState {
    const id = `p-${this.nextId++}`;
    const p: ProducerState = { id, epoch: 0, transactionalId, streams: new Map(), txn: undefined, txnCount: 0, commits: 0, aborts: 0 };
    this.producers.set(`${org}\u0000${id}`, p);
    return p;
  }

  /** The producer a request names, after the epoch check: an older epoch is fenced. */
  private current(org: string, producerId: string, epoch: number | undefined): ProducerState {
    const p = this.producers.get(`${org}\u0000${producerId}`);
    if (!p) {
      throw new RpcError(Status.FAILED_PRECONDITION, `unknown producer_id '${producerId}': call InitProducer first`);
    }
    const e = epoch ?? 0;
    if (e !== p.epoch) {
      throw new RpcError(
        Status.FAILED_PRECONDITION,
        e < p.epoch
          ? `producer '${producerId}' is fenced: epoch ${e} was replaced by epoch ${p.epoch} (another InitProducer with its transactional id)`
          : `producer '${producerId}' epoch ${e} is ahead of the current epoch ${p.epoch}`,
      );
    }
    return p;
  }

  /** True when the producer id and epoch are current. */
  heartbeat(org: string, producerId: string, epoch: number): boolean {
    const p = this.producers.get(`${org}\u0000${producerId}`);
    if (!p || p.epoch !== epoch) return false;
    if (p.txn) this.armTimeout(p, p.txn, DEFAULT_TRANSACTION_TIMEOUT_MS);
    return true;
  }

  begin(org: string, producerId: string, epoch: number, timeoutMs: number): string {
    const p = this.current(org, producerId, epoch);
    if (!p.transactionalId) {
      throw new RpcError(
        Status.FAILED_PRECONDITION,
        `producer '${producerId}' has no transactional_id: InitProducer with one to use transactions`,
      );
    }
    if (p.txn) throw new RpcError(Status.FAILED_PRECONDITION, `producer '${producerId}' already has transaction '${p.txn.id}' open`);
    const txn: OpenTransaction = { id: `${p.id}-e${p.epoch}-t${++p.txnCount}`, writes: [], records: 0, timer: undefined as never };
    p.txn = txn;
    this.armTimeout(p, txn, timeoutMs > 0 ? timeoutMs : DEFAULT_TRANSACTION_TIMEOUT_MS);
    return txn.id;
  }

  private armTimeout(p: ProducerState, txn: OpenTransaction, ms: number): void {
    if (txn.timer) clearTimeout(txn.timer);
    txn.timer = setTimeout(() => {
      if (p.txn === txn) this.endTransaction(p, false);
    }, ms);
    txn.timer.unref();
  }

  /** Commit appends the transaction's batches in the order they were produced; abort discards them. */
  end(org: string, producerId: string, epoch: number, transactionId: string, commit: boolean): void {
    const p = this.current(org, producerId, epoch);
    if (!p.txn || p.txn.id !== transactionId) {
      throw new RpcError(
        Status.FAILED_PRECONDITION,
        `transaction '${transactionId}' is not open for producer '${producerId}' (timed out, fenced or already ended)`,
      );
    }
    // Only an abort the producer asked for counts for the expose-aborts fault (not one on fencing or timeout).
    this.endTransaction(p, commit, !commit && this.abortExposed(++p.aborts));
  }

  private endTransaction(p: ProducerState, commit: boolean, exposeAbort = false): void {
    const txn = p.txn;
    if (!txn) return;
    p.txn = undefined;
    clearTimeout(txn.timer);
    if (!commit) {
      // The expose-aborts fault: an aborted transaction's records appended all the same.
      if (exposeAbort) for (const w of txn.writes) w.append();
      return;
    }
    if (this.commitLost(++p.commits)) return;
    for (const w of txn.writes) w.append();
  }

  /**
   * Runs a sequenced batch through the epoch and sequence checks; `done` gets the outcome, at once or, for a
   * batch ahead of a gap, once the gap fills (or after GAP_WAIT_MS, as FAILED_PRECONDITION).
   */
  admit(b: ProducerBatch, done: (a: Admission) => void): void {
    let p: ProducerState;
    let txn: OpenTransaction | undefined;
    try {
      p = this.current(b.org, b.producerId, b.epoch);
      txn = this.transactionOf(p, b.transactionId);
    } catch (err) {
      done({ kind: 'error', error: err as RpcError });
      return;
    }
    const write = (): number => {
      if (!txn) return b.append();
      const first = txn.records;
      txn.records += b.count;
      txn.writes.push({ append: b.append });
      return first;
    };
    if (b.baseSequence === undefined) {
      done({ kind: 'new', first: write() });
      return;
    }
    const key = `${b.topic}\u0000${b.partition}`;
    let s = p.streams.get(key);
    if (!s) p.streams.set(key, (s = new SequenceStream()));
    this.sequence(p, s, b.baseSequence, b.count, write, done);
  }

  private transactionOf(p: ProducerState, transactionId: string | undefined): OpenTransaction | undefined {
    if (!transactionId) return undefined;
    if (!p.txn || p.txn.id !== transactionId) {
      throw new RpcError(Status.FAILED_PRECONDITION, `transaction '${transactionId}' is not open for producer '${p.id}'`);
    }
    return p.txn;
  }

  private sequence(
    p: ProducerState,
    s: SequenceStream,
    base: number,
    count: number,
    write: () => number,
    done: (a: Admission) => void,
  ): void {
    if (base === s.next) {
      const first = write();
      s.remember({ base, count, first });
      done({ kind: 'new', first });
      const waiting = s.parked.get(s.next);
      if (waiting) {
        s.parked.delete(s.next);
        clearTimeout(waiting.timer);
        waiting.run();
      }
      return;
    }
    if (base < s.next) {
      const stored = s.find(base, count);
      if (stored) done({ kind: 'duplicate', first: stored.first });
      else
        done({
          kind: 'error',
          error: new RpcError(
            Status.FAILED_PRECONDITION,
            `sequence error: base_sequence ${base} (${count} records) is below the next expected ${s.next} and not among the last ${DEDUP_WINDOW_BATCHES} batches`,
          ),
        });
      return;
    }
    if (s.parked.has(base)) {
      done({ kind: 'error', error: new RpcError(Status.FAILED_PRECONDITION, `sequence error: base_sequence ${base} is already waiting`) });
      return;
    }
    const epoch = p.epoch;
    const timer = setTimeout(() => {
      s.parked.delete(base);
      done({
        kind: 'error',
        error: new RpcError(Status.FAILED_PRECONDITION, `sequence gap: base_sequence ${base} arrived but sequence ${s.next} never did`),
      });
    }, this.gapWaitMs);
    timer.unref();
    s.parked.set(base, {
      base,
      timer,
      run: () => {
        if (p.epoch !== epoch) {
          done({ kind: 'error', error: new RpcError(Status.FAILED_PRECONDITION, `producer '${p.id}' was fenced while its batch waited`) });
          return;
        }
        this.sequence(p, s, base, count, write, done);
      },
    });
  }
}

/** Decides, for a ProduceBatch with a producer_id, whether and when its records are appended. */
export type Gate = (append: () => number, done: (a: Admission) => void) => void;
