// The Kafka door calls the same handlers as gRPC (validation, produce faults, partition logs, metrics), so both
// doors behave alike by construction. gRPC status codes map to the nearest Kafka error code.
import * as grpc from '@grpc/grpc-js';
import type { StreamHouseMethod, StreamHouseMethods } from '@loadhouse/core/wire';
import type { Handlers } from '../grpc-service.js';
import type { TopicRegistry } from '../topics.js';
import { ProducerSequences } from './sequences.js';

/** Kafka error codes the door answers with. */
export const KafkaError = {
  NONE: 0,
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_NOT_AVAILABLE: 15,
  INVALID_TOPIC: 17,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REQUEST: 42,
  KAFKA_STORAGE_ERROR: 56,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;

/** A failed bridged call: the gRPC status and its Kafka error code. */
export class BridgeError extends Error {
  constructor(
    readonly grpcCode: number,
    readonly kafkaCode: number,
    message: string,
  ) {
    super(message);
  }
}

function kafkaCodeOf(status: grpc.status): number {
  switch (status) {
    case grpc.status.NOT_FOUND:
      return KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
    case grpc.status.ALREADY_EXISTS:
      return KafkaError.TOPIC_ALREADY_EXISTS;
    case grpc.status.INVALID_ARGUMENT:
      return KafkaError.INVALID_REQUEST;
    case grpc.status.RESOURCE_EXHAUSTED:
      return KafkaError.MESSAGE_TOO_LARGE;
    case grpc.status.UNAVAILABLE:
      return KafkaError.KAFKA_STORAGE_ERROR; // retriable: the records stay with the client
    default:
      return KafkaError.UNKNOWN_SERVER_ERROR;
  }
}

export interface Bridge {
  registry: TopicRegistry;
  /** Sequence numbers of idempotent producers, shared by all connections. */
  sequences: ProducerSequences;
  call<M extends StreamHouseMethod>(method: M, org: string, request: StreamHouseMethods[M][0]): Promise<StreamHouseMethods[M][1]>;
}

export function createBridge(handlers: Handlers, registry: TopicRegistry): Bridge {
  return {
    registry,
    sequences: new ProducerSequences(),
    call(method, org, request) {
      const metadata = new grpc.Metadata();
      if (org) metadata.set('x-organization-id', org);
      return new Promise((resolve, reject) => {
        const cb = (err: Partial<grpc.StatusObject> | null, value?: unknown): void => {
          if (err) {
            const code = err.code ?? grpc.status.UNKNOWN;
            reject(new BridgeError(code, kafkaCodeOf(code), err.details ?? 'failed'));
          } else resolve(value as never);
        };
        // The handlers read only `request` and `metadata` of a unary call.
        const handler = handlers[method] as unknown as (call: unknown, cb: unknown) => void;
        try {
          handler({ request, metadata }, cb);
        } catch (err) {
          reject(err);
        }
      });
    },
  };
}

export function errorCodeOf(err: unknown): number {
  return err instanceof BridgeError ? err.kafkaCode : KafkaError.UNKNOWN_SERVER_ERROR;
}
