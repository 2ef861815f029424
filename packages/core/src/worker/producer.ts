// One open-model producer inside a worker. Record i has an intended send time on a schedule that never
// waits for the target: due records form a backlog (a range of schedule positions, no per-record state),
// batches are cut by size or linger, at most maxInFlight are in flight, and records that cannot start
// within dropAfterMs of their intended time are counted as dropped. Every scheduled record ends as
// acked, failed or dropped. What a producer holds follows what it has out: slots and request buffers are taken
// per batch in flight (slot-pool.ts, batch-frames.ts), and the worker wakes it only when something falls due
// (nextWake(), wake-queue.ts).
import type { Driver, DriverFailure, ProduceBatch } from '../driver/types.js';
import type { BatchFrames } from './batch-frames.js';
import type { ProduceFrame } from '../proto/produce-frame.js';
import type { PayloadPool } from './payload.js';
import type { ProducerRecorder } from './producer-metrics.js';
import type { ProducerGroupSpec, ProducerSpec, ProducerTotalsReport } from './protocol.js';
import type { Clock } from '../clock.js';
import { ArrivalGaps, makeSchedule } from './arrivals.js';
import type { ArrivalSchedule } from './poisson-schedule.js';
import type { AckLog } from '../verify/run-log.js';
import { ProducerDelivery } from './producer-delivery.js';
import { producerFrames, type Slot } from './producer-slot.js';
import { countAcked, countFailed, countRange, countSent, partitionCounts, stampBatch } from './producer-outcome.js';
import { SlotPool } from './slot-pool.js';
import type { Wakeable } from './wake-queue.js';
import { ProducerRecords, type GroupRecords } from './producer-records.js';
import { LaidOutFrame } from '../proto/produce-frame-laid.js';
import { dispatchBatch, releaseSlot, retryBatch, type DispatchTarget } from './producer-dispatch.js';
import type { BudgetWaiter, CallBudget } from './call-budget.js';

export interface ProducerContext {
  driver: Driver;
  /** The worker's metrics, or its share for the producer's topic (many-topic runs). */
  metrics: ProducerRecorder;
  payload: PayloadPool;
  clock: Clock;
  /** Request buffers shared by the group's producers (producerFrames()); a producer makes its own when absent. */
  frames?: BatchFrames;
  /** Where acknowledged and failed batches are logged for the consumed-offset check (instrumented runs). */
  acks?: AckLog;
  /** Keys and drawn sizes (groupRecords()); absent for the uniform keyless workload. */
  records?: GroupRecords;
  /** The worker's bound on calls in flight, all producers together (call-budget.ts); absent: none. */
  budget?: CallBudget;
  /**
   * Times a producer had a batch ready while its own maxInFlight calls were all out (counted once per time it
   * filled up): its records then wait on the target's answers, as a real client's would. The worker reports it.
   */
  windowFull?: { waits: number };
}

export { producerFrames };

export const DRAIN_TIMEOUT = 'DRAIN_TIMEOUT';

export class Producer implements Wakeable, BudgetWaiter {
  readonly id: number;
  /** Queued in the worker's CallBudget: a batch is ready but the worker's calls in flight are at the cap. */
  awaitingBudget = false;
  /** When the worker's timer next services this producer (WakeQueue's; Infinity when not queued). */
  wakeAt = Infinity;
  heapIndex = -1;
  private readonly partitions: number[];
  private partitionCursor = 0;
  /**
   * Next record-header sequence per partition (same index as `partitions`): a sequence is taken when a
   * record is put into a batch, so a consumer of one partition sees every producer's sequences gap-free.
   */
  private readonly sequences: number[];
  private readonly schedule: ArrivalSchedule;
  /** Gaps between intended times (Poisson arrivals only: evenly spaced ones have none to measure). */
  private readonly gaps: ArrivalGaps | undefined;
  /** Records scheduled so far (the next schedule position). */
  private next = 0;
  /** Next schedule position to send; [sendIndex, next) is the backlog. */
  private sendIndex = 0;
  private quota: number;
  private inFlight = 0;
  /** All maxInFlight calls were out with a batch ready (counted in ctx.windowFull); cleared by the next answer. */
  private atWindowLimit = false;
  private readonly slots: SlotPool;
  private flushing = false;
  private draining = false;
  private finished = false;
  private cancelDrainTimer: (() => void) | undefined;
  private readonly startMs: number;
  private finishedMs = 0;
  private completedQuota = false;
  private acked = 0;
  private failed = 0;
  private dropped = 0;
  private readonly frames: BatchFrames;
  private readonly request: ProduceBatch;
  private readonly messageSize: number;
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private readonly dropAfterMs: number;
  private readonly warmupEnd: number;
  /** Retries, idempotence and transactions; undefined when each batch is sent once without a producer id. */
  private readonly delivery: ProducerDelivery | undefined;
  /** Where a batch goes once laid out (producer-dispatch.ts). */
  private readonly out: DispatchTarget;
  /** Builds each batch's records when the workload has keys or drawn sizes. */
  private readonly records: ProducerRecords | undefined;
  /** Acked records per partition (same index as `partitions`), kept when records have keys. */
  private readonly ackedByPartition: number[] | undefined;
  /** Called once when every scheduled record is acked, failed or dropped after the quota or a stop. */
  onFinished: (() => void) | undefined;
  /** Called after anything that may move nextWake() (a service, a new rate, a stop); the worker re-queues it. */
  onWake: ((p: Producer) => void) | undefined;

  constructor(
    spec: ProducerSpec,
    group: ProducerGroupSpec,
    private readonly ctx: ProducerContext,
    startMs: number,
  ) {
    this.id = spec.id;
    this.partitions = spec.partitions;
    this.sequences = spec.partitions.map(() => 0);
    // A producer of a many-topic group writes its own topic (laid-out requests carry it).
    const topic = spec.topic ?? group.topic;
    this.records = ctx.records
      ? new ProducerRecords(spec.id, { ...group, topic }, ctx.records, ctx.payload, ctx.metrics.instrument)
      : undefined;
    this.ackedByPartition = group.keys && group.keys.kind !== 'none' ? spec.partitions.map(() => 0) : undefined;
    this.messageSize = group.messageSize;
    this.batchSize = group.batchSize;
    this.lingerMs = group.lingerMs;
    this.maxInFlight = group.maxInFlight;
    this.dropAfterMs = group.dropAfterMs;
    this.warmupEnd = group.warmupEndEpochMs;
    this.quota = group.messagesPerProducer > 0 ? group.messagesPerProducer : Infinity;
    this.startMs = startMs;
    this.schedule = makeSchedule(spec, group, startMs);
    this.gaps = group.arrivals === 'poisson' ? new ArrivalGaps() : undefined;

    // A frame is taken per call and given back once the driver no longer reads it: at once for produce()
    // (it serializes the records inside the call), when written for produceFramed().
    // ctx.frames are then that topic's.
    this.frames = ctx.frames ?? producerFrames({ ...group, topic }, ctx.payload);
    this.request = { topic, partition: 0, records: [], ackMode: group.ackMode };
    const txName = `loadhouse-${group.startEpochMs}-${spec.id}`;
    const d = group.delivery;
    this.delivery = d && new ProducerDelivery(d, txName, spec.id, ctx.driver, ctx.clock, () => this.service(ctx.clock.now()), ctx.acks);
    // Frames stay with their batch until it is done when a retry may send the same bytes.
    const keepFrames = (this.delivery?.retries ?? 0) > 0;
    this.out = { driver: ctx.driver, keepFrames, request: this.request, delivery: this.delivery, giveFrame: (f) => this.giveFrame(f) };
    this.slots = new SlotPool(
      this.batchSize,
      (slot, failure, baseOffset, duplicate) => this.complete(slot, failure, baseOffset, duplicate),
      (slot) => {
        if (keepFrames) return;
        if (slot.frame) this.giveFrame(slot.frame);
        slot.frame = null;
      },
    );
  }

  get inFlightBatches(): number {
    return this.inFlight;
  }
  get backlog(): number {
    return this.next - this.sendIndex;
  }
  get isFinished(): boolean {
    return this.finished;
  }
  /** Batch slots made so far (the most this producer ever had out at once). */
  get slotsMade(): number {
    return this.slots.size;
  }

  /**
   * When service() next has something to do without an ack: the next record falls due, the oldest waiting
   * record's linger ends (a short batch may go) or it expires (it is dropped). Infinity when only an ack, a
   * new rate or a stop can move it.
   */
  nextWake(): number {
    if (this.finished) return Infinity;
    let t = Infinity;
    // NaN while paused (an infinite interval): not earlier than anything.
    if (!this.draining && this.next < this.quota) {
      const due = this.schedule.intended(this.next);
      if (due < t) t = due;
    }
    if (this.sendIndex < this.next) {
      const oldest = this.schedule.intended(this.sendIndex);
      const expires = oldest + this.dropAfterMs;
      if (expires < t) t = expires;
      // Waiting for the budget, only a freed call (budgetFreed) lets it send: its linger is no reason to wake.
      if (this.inFlight < this.maxInFlight && !this.awaitingBudget && oldest + this.lingerMs < t) t = oldest + this.lingerMs;
    }
    return t;
  }

  totals(): ProducerTotalsReport {
    return {
      id: this.id,
      completed: this.completedQuota,
      startEpochMs: this.startMs,
      finishedEpochMs: this.finished ? this.finishedMs : this.ctx.clock.now(),
      scheduled: this.next,
      acked: this.acked,
      failed: this.failed,
      dropped: this.dropped,
      ...(this.delivery ? { delivery: this.delivery.report() } : {}),
      ...(this.ackedByPartition ? { ackedByPartition: partitionCounts(this.partitions, this.ackedByPartition) } : {}),
      ...(this.gaps ? { arrivals: this.gaps.report() } : {}),
    };
  }

  private giveFrame(frame: Slot['frame']): void {
    if (frame instanceof LaidOutFrame) this.records!.give(frame);
    else if (frame) this.frames.give(frame);
  }

  /** Room in the worker's budget for a call. */
  budgetFreed(now: number): void {
    this.service(now);
  }

  /** Schedules due records, drops expired ones and sends what it can. Called by the worker tick and on every ack. */
  service(now: number): void {
    if (this.finished) return;
    this.advance(now);
    this.expire(now);
    this.pump(now);
    this.checkFinished();
    this.onWake?.(this);
  }

  /** Re-anchors the schedule at `now` (Schedule.setRate; `continuous` for the steps of a rate profile). */
  setRate(rate: number, now: number, continuous = false): void {
    if (this.draining || this.finished) return;
    this.advance(now);
    this.schedule.setRate(rate, this.next, now, continuous);
    this.gaps?.reset();
    this.onWake?.(this);
  }

  /** Stops scheduling; the backlog is sent at once and in-flight batches are awaited up to drainTimeoutMs. */
  stop(drainTimeoutMs: number, atMs: number): void {
    if (this.finished || this.draining) return;
    const now = this.ctx.clock.now();
    this.advance(Math.min(now, atMs));
    this.draining = true;
    this.flushing = true;
    this.quota = this.next;
    this.cancelDrainTimer = this.ctx.clock.setTimeout(() => this.abandon(), drainTimeoutMs);
    this.service(now);
  }

  private advance(now: number): void {
    if (this.draining) return;
    let due = this.schedule.dueBy(now);
    if (due === undefined) return;
    if (due > this.quota) due = this.quota;
    if (due <= this.next) return;
    const from = this.next;
    this.next = due;
    this.gaps?.add(this.schedule, from, due);
    countRange(this.ctx.metrics, this.schedule, this.warmupEnd, from, due, 'scheduled');
    if (this.next >= this.quota) this.flushing = true;
  }

  private expire(now: number): void {
    if (this.sendIndex >= this.next) return;
    const cutoff = now - this.dropAfterMs;
    if (this.schedule.intended(this.sendIndex) >= cutoff) return;
    const from = this.sendIndex;
    const i = this.schedule.firstNotBefore(cutoff, from, this.next);
    countRange(this.ctx.metrics, this.schedule, this.warmupEnd, from, i, 'dropped');
    this.dropped += i - from;
    this.sendIndex = i;
    this.schedule.prune(this.sendIndex);
  }

  private pump(now: number): void {
    while (this.inFlight < this.maxInFlight && this.sendIndex < this.next) {
      const n = this.readyBatch(now);
      if (n === 0) break;
      const budget = this.ctx.budget;
      if (budget?.full) {
        budget.wait(this);
        break;
      }
      this.send(n, now);
    }
    if (this.inFlight >= this.maxInFlight && !this.atWindowLimit && this.ctx.windowFull && this.readyBatch(now) > 0) {
      this.atWindowLimit = true;
      this.ctx.windowFull.waits++;
    }
  }

  /**
   * Records the next batch takes if it goes now; 0 while none may: nothing is due, a short batch still lingers, or
   * there is no room (a transaction's last batch is cut at its boundary; nothing goes before InitProducer answered).
   */
  private readyBatch(now: number): number {
    const cut = this.delivery ? Math.min(this.batchSize, this.delivery.room()) : this.batchSize;
    const n = Math.min(this.next - this.sendIndex, cut);
    if (n === 0) return 0;
    if (n < cut && !this.flushing && now - this.schedule.intended(this.sendIndex) < this.lingerMs) return 0;
    return n;
  }

  private send(n: number, now: number): void {
    const slot = this.slots.take();
    // A keyed producer owns every partition (partitions[p] === p): its keys choose the batch's.
    const pi = this.records?.routesByKey ? this.records.nextPartition() : this.partitionCursor++ % this.partitions.length;
    const partition = this.partitions[pi]!;
    const firstSequence = this.sequences[pi]!;
    this.sequences[pi] = firstSequence + n;
    const m = this.ctx.metrics;
    const size = this.messageSize;
    const first = this.sendIndex;
    const records = this.records;
    const frame = records ? records.take() : this.frames.take(n);
    const header = records ? undefined : { frame: frame as ProduceFrame, producer: this.id, partition, size };
    const measuredCount = stampBatch(m, this.schedule, this.warmupEnd, slot, n, first, firstSequence, now, header);
    if (records) {
      records.layOut(frame as LaidOutFrame, n, partition, first, firstSequence, slot.intended, this.warmupEnd);
      slot.bytes = records.bytes;
      slot.measuredBytes = records.measuredBytes;
    } else {
      slot.bytes = n * size;
      slot.measuredBytes = measuredCount * size;
    }
    countSent(m, measuredCount, n);
    slot.count = n;
    slot.partition = partition;
    slot.firstSequence = firstSequence;
    slot.sendTime = now;
    this.sendIndex = first + n;
    this.schedule.prune(this.sendIndex);
    this.inFlight++;
    this.ctx.budget?.take();
    dispatchBatch(this.out, slot, frame, partition, n, firstSequence);
  }

  private complete(slot: Slot, failure: DriverFailure | null, baseOffset: number, duplicate = false): void {
    if (slot.call === null) return; // already accounted as DRAIN_TIMEOUT
    if (failure && !this.finished && retryBatch(this.out, slot, failure, this.ctx.acks, this.id)) return;
    slot.call = null;
    releaseSlot(this.out, slot);
    this.delivery?.done(slot, failure, duplicate);
    this.inFlight--;
    this.atWindowLimit = false;
    const now = this.ctx.clock.now();
    const n = slot.count;
    // Producers that waited for the call get it first; this one queues behind them if it needs another.
    this.ctx.budget?.give(now);
    if (failure) {
      countFailed(this.ctx.metrics, slot, failure.status, this.warmupEnd);
      this.failed += n;
      this.ctx.acks?.failed.add(slot.partition, -1, n, this.id, slot.firstSequence);
    } else {
      this.acked += n;
      if (this.ackedByPartition)
        this.ackedByPartition[this.records?.routesByKey ? slot.partition : this.partitions.indexOf(slot.partition)]! += n;
      // A driver that does not return the offset logs -1: the records count as acked, their offsets go unchecked.
      this.ctx.acks?.acked.add(slot.partition, baseOffset >= 0 ? baseOffset : -1, n, this.id, slot.firstSequence);
      countAcked(this.ctx.metrics, slot, now, this.warmupEnd, Math.max(this.warmupEnd, this.startMs) + 1000);
    }
    this.slots.give(slot);
    this.service(now);
  }

  private checkFinished(): void {
    if (this.finished) return;
    if (this.next < this.quota) return;
    if (this.sendIndex < this.next || this.inFlight > 0) return;
    if (this.delivery && !this.delivery.settled) {
      this.delivery.closeOpen();
      return;
    }
    if (!this.draining) this.completedQuota = true;
    this.finish();
  }

  /** Drain timeout: in-flight records fail with DRAIN_TIMEOUT, the unsent backlog is dropped. */
  private abandon(): void {
    if (this.finished) return;
    for (const slot of this.slots.busy) {
      const call = slot.call;
      slot.call = null;
      countFailed(this.ctx.metrics, slot, DRAIN_TIMEOUT, this.warmupEnd);
      this.failed += slot.count;
      this.ctx.acks?.failed.add(slot.partition, -1, slot.count, this.id, slot.firstSequence);
      call?.cancel();
      releaseSlot(this.out, slot);
    }
    this.delivery?.abandon();
    this.slots.busy.clear();
    const cancelled = this.inFlight;
    this.inFlight = 0;
    if (this.sendIndex < this.next) {
      countRange(this.ctx.metrics, this.schedule, this.warmupEnd, this.sendIndex, this.next, 'dropped');
      this.dropped += this.next - this.sendIndex;
      this.sendIndex = this.next;
    }
    this.finish();
    // Only once finished: the waiters this wakes must not find this producer still sending.
    const now = this.ctx.clock.now();
    if (cancelled > 0) this.ctx.budget?.give(now, cancelled);
  }

  private finish(): void {
    this.finished = true;
    this.finishedMs = this.ctx.clock.now();
    this.cancelDrainTimer?.();
    this.cancelDrainTimer = undefined;
    this.onFinished?.();
    this.onWake?.(this);
  }
}
