// The error the agent's handlers and its topics answer a call with, and how any error becomes a gRPC status:
// its own module, so topics (which fail pending appends) and the handlers (which read topics) need not import each other.
import * as grpc from '@grpc/grpc-js';
import { SegmentCorruptError } from './segment.js';
import { StorageError } from './storage/object-store.js';

const Status = grpc.status;

/** An error with the gRPC status it should be answered with. */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export function toStatus(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (err instanceof StorageError) {
    return {
      code: err.errorType === 'throttle' ? Status.RESOURCE_EXHAUSTED : Status.UNAVAILABLE,
      details: `storage request failed: ${err.message}`,
    };
  }
  if (err instanceof SegmentCorruptError) return { code: Status.DATA_LOSS, details: err.message };
  return { code: Status.INTERNAL, details: `agent error: ${err instanceof Error ? err.message : String(err)}` };
}
