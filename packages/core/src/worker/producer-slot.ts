// A producer's batch slot (one per batch in flight) and the request buffers of a producer group.
import type { PendingCall, ProduceBatch, ProduceCallback } from '../driver/types.js';
import { type ProduceFrame, ProduceFramePool, producerHeadroom } from '../proto/produce-frame.js';
import type { LaidOutFrame } from '../proto/produce-frame-laid.js';
import { payloadChecksum } from '../record-header.js';
import { BatchFrames } from './batch-frames.js';
import type { PayloadPool } from './payload.js';
import { MAX_PRODUCER_ID_BYTES, MAX_TRANSACTION_ID_BYTES } from './producer-delivery.js';
import type { ProducerGroupSpec } from './protocol.js';

export interface Slot {
  count: number;
  partition: number;
  firstSequence: number;
  sendTime: number;
  intended: Float64Array;
  call: PendingCall | null;
  callback: ProduceCallback;
  /** The request buffer a driver still reads (produceFramed), until it calls `written` (or, with retries, until the batch is done). */
  frame: ProduceFrame | LaidOutFrame | null;
  written: () => void;
  /** Sends of the batch so far beyond the first. */
  attempts: number;
  /** What a retry sends again: the framed bytes, or the request object. */
  framed: Buffer | null;
  batch: ProduceBatch | null;
  /** Value bytes of the batch's records, in all and of its measured ones. */
  bytes: number;
  measuredBytes: number;
}

/**
 * The request buffers of a producer group: each laid out once with its payload copied in (and checksummed), so a batch only
 * rewrites its record headers and the request head. Buffers come in capacities up to the batch size (BatchFrames).
 */
export function producerFrames(group: ProducerGroupSpec, payload: PayloadPool): BatchFrames {
  const headroom = group.delivery?.idempotent ? producerHeadroom(MAX_PRODUCER_ID_BYTES, MAX_TRANSACTION_ID_BYTES) : 0;
  return new BatchFrames(group.batchSize, (capacity) => {
    const shape = { topic: group.topic, ackMode: group.ackMode, batchSize: capacity, messageSize: group.messageSize, headroom };
    return new ProduceFramePool(shape, (frame) => {
      for (let j = 0; j < shape.batchSize; j++) {
        const at = frame.valueOffset(j);
        payload.copyInto(frame.bytes, at, shape.messageSize);
        frame.payloadCrcs[j] = payloadChecksum(frame.bytes, at, shape.messageSize);
      }
    });
  });
}
