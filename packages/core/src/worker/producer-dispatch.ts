// The last step of a producer's send: the batch's request goes to the driver, as the framed bytes the engine
// laid out (produceFramed) or as a request object, and its buffer is handed back or kept for a retry.
import type { Driver, DriverFailure, ProduceBatch } from '../driver/types.js';
import type { AckLog } from '../verify/run-log.js';
import { LaidOutFrame } from '../proto/produce-frame-laid.js';
import type { ProducerDelivery } from './producer-delivery.js';
import type { Slot } from './producer-slot.js';

export interface DispatchTarget {
  driver: Driver;
  /** Frames stay with their batch until it is done (a retry sends the same bytes). */
  keepFrames: boolean;
  /** The request object reused for every call when batches are not kept. */
  request: ProduceBatch;
  delivery: ProducerDelivery | undefined;
  giveFrame(frame: NonNullable<Slot['frame']>): void;
}

/** Sends the slot's batch of `n` records (`frame` holds them) to `partition`. */
export function dispatchBatch(
  t: DispatchTarget,
  slot: Slot,
  frame: NonNullable<Slot['frame']>,
  partition: number,
  n: number,
  firstSequence: number,
): void {
  slot.attempts = 0;
  const fields = t.delivery?.fields(firstSequence, n);
  const driver = t.driver;
  if (driver.produceFramed) {
    slot.frame = frame;
    const bytes = frame instanceof LaidOutFrame ? frame.frame(partition, fields) : frame.frame(partition, n, fields);
    slot.framed = t.keepFrames ? bytes : null;
    slot.call = driver.produceFramed(bytes, slot.written, slot.callback);
    return;
  }
  // A batch that may be sent again keeps its own request object; otherwise one is reused for every call.
  const request = t.keepFrames ? { ...t.request } : t.request;
  request.partition = partition;
  if (frame instanceof LaidOutFrame) request.records = frame.records();
  else request.records = n === frame.records.length ? frame.records : frame.records.slice(0, n);
  if (fields) t.delivery!.stamp(request, fields);
  slot.call = driver.produce(request, slot.callback);
  if (t.keepFrames) {
    slot.frame = frame;
    slot.batch = request;
  } else t.giveFrame(frame);
}

/** Sends a failed batch again after a back-off when it may succeed and retries remain; false when it is done. */
export function retryBatch(t: DispatchTarget, slot: Slot, failure: DriverFailure, acks: AckLog | undefined, producer: number): boolean {
  if (!failure.retriable || slot.attempts >= (t.delivery?.retries ?? 0)) return false;
  slot.attempts++;
  // This attempt's records may have been stored (an ack lost on the way): a copy read later is explained.
  acks?.failed.add(slot.partition, -1, slot.count, producer, slot.firstSequence);
  t.delivery!.retried(slot.count);
  slot.call = t.delivery!.resendLater(slot);
  return true;
}

/** The batch is done: a frame kept for retries goes back to the pool. */
export function releaseSlot(t: DispatchTarget, slot: Slot): void {
  if (slot.frame && t.keepFrames) t.giveFrame(slot.frame);
  if (t.keepFrames) slot.frame = null;
  slot.framed = null;
  slot.batch = null;
}
