// The Kafka driver's own error codes (added to @loadhouse/core's registry, as the plugins do) and the mapping of
// the client's errors onto the engine's status names: connection-type statuses feed the connection-error
// criteria and the outage detector, so every "the broker is not there / not the leader / busy" error lands on one.
import { type DriverFailure, registerErrorCodes } from '@loadhouse/core';

export const KAFKA_DRIVER_ERROR_CODES = {
  LH_KAFKA_OPTION: 'An option of the Kafka driver (target.driver.options, --kafka-* flags) is not valid.',
} as const;

declare module '@loadhouse/core' {
  interface ErrorCodes extends Record<keyof typeof KAFKA_DRIVER_ERROR_CODES, true> {}
}

registerErrorCodes('@loadhouse/driver-kafka', KAFKA_DRIVER_ERROR_CODES);

/** Kafka error ids (the broker's error_code names) and the engine status each stands for; others are INTERNAL. */
const STATUS_OF_KAFKA_ERROR: Readonly<Record<string, string>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'NOT_FOUND',
  UNKNOWN_TOPIC_ID: 'NOT_FOUND',
  REQUEST_TIMED_OUT: 'DEADLINE_EXCEEDED',
  LEADER_NOT_AVAILABLE: 'UNAVAILABLE',
  NOT_LEADER_OR_FOLLOWER: 'UNAVAILABLE',
  BROKER_NOT_AVAILABLE: 'UNAVAILABLE',
  NETWORK_EXCEPTION: 'UNAVAILABLE',
  COORDINATOR_LOAD_IN_PROGRESS: 'UNAVAILABLE',
  COORDINATOR_NOT_AVAILABLE: 'UNAVAILABLE',
  NOT_COORDINATOR: 'UNAVAILABLE',
  KAFKA_STORAGE_ERROR: 'UNAVAILABLE',
  NOT_ENOUGH_REPLICAS: 'UNAVAILABLE',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'UNAVAILABLE',
  FENCED_LEADER_EPOCH: 'UNAVAILABLE',
  THROTTLING_QUOTA_EXCEEDED: 'RESOURCE_EXHAUSTED',
  MESSAGE_TOO_LARGE: 'INVALID_ARGUMENT',
  RECORD_LIST_TOO_LARGE: 'INVALID_ARGUMENT',
  CORRUPT_MESSAGE: 'INVALID_ARGUMENT',
  INVALID_RECORD: 'INVALID_ARGUMENT',
  INVALID_REQUIRED_ACKS: 'INVALID_ARGUMENT',
  OFFSET_OUT_OF_RANGE: 'OUT_OF_RANGE',
  TOPIC_ALREADY_EXISTS: 'ALREADY_EXISTS',
  SASL_AUTHENTICATION_FAILED: 'UNAUTHENTICATED',
  ILLEGAL_SASL_STATE: 'UNAUTHENTICATED',
  UNSUPPORTED_SASL_MECHANISM: 'UNAUTHENTICATED',
  TOPIC_AUTHORIZATION_FAILED: 'PERMISSION_DENIED',
  GROUP_AUTHORIZATION_FAILED: 'PERMISSION_DENIED',
  CLUSTER_AUTHORIZATION_FAILED: 'PERMISSION_DENIED',
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'FAILED_PRECONDITION',
  INVALID_PRODUCER_EPOCH: 'FAILED_PRECONDITION',
  UNKNOWN_PRODUCER_ID: 'FAILED_PRECONDITION',
  INVALID_PRODUCER_ID_MAPPING: 'FAILED_PRECONDITION',
  PRODUCER_FENCED: 'FAILED_PRECONDITION',
};

/** The statuses a client retrying on its own would retry: the engine's retry policy decides for this driver. */
const RETRIABLE = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED']);

interface ClientError {
  code?: unknown;
  apiId?: unknown;
  serverErrorMessage?: unknown;
  errors?: unknown;
  cause?: unknown;
  message?: unknown;
}

/** The first error of a chain (MultipleErrors, causes) that satisfies `pick`. */
function find(err: unknown, pick: (e: ClientError) => boolean, depth = 0): ClientError | undefined {
  if (typeof err !== 'object' || err === null || depth > 6) return undefined;
  const e = err as ClientError;
  if (pick(e)) return e;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const hit = find(inner, pick, depth + 1);
      if (hit) return hit;
    }
  }
  return find(e.cause, pick, depth + 1);
}

/** A Kafka protocol error id in the chain (`NOT_LEADER_OR_FOLLOWER`...), if the broker answered with one. */
export function kafkaErrorId(err: unknown): string | undefined {
  const hit = find(err, (e) => typeof e.apiId === 'string');
  return hit ? (hit.apiId as string) : undefined;
}

function messageOf(err: unknown): string {
  const hit = find(err, (e) => typeof e.serverErrorMessage === 'string' && e.serverErrorMessage !== '');
  const base = err instanceof Error ? err.message : String(err);
  return hit ? `${base} (${String(hit.serverErrorMessage)})` : base;
}

/** A client error in the engine's terms. */
export function kafkaFailure(err: unknown): DriverFailure {
  const id = kafkaErrorId(err);
  let status: string;
  if (id !== undefined) status = STATUS_OF_KAFKA_ERROR[id] ?? 'INTERNAL';
  // The client's metadata lookup turns UNKNOWN_TOPIC_OR_PARTITION into a plain "Unknown topic" error.
  else if (find(err, (e) => e.code === 'PLT_KFK_USER' && /^Unknown topic/.test(String(e.message)))) status = 'NOT_FOUND';
  else if (find(err, (e) => e.code === 'PLT_KFK_TIMEOUT')) status = 'DEADLINE_EXCEEDED';
  else if (find(err, (e) => e.code === 'PLT_KFK_AUTHENTICATION')) status = 'UNAUTHENTICATED';
  else if (find(err, (e) => e.code === 'PLT_KFK_NETWORK' || (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)))) {
    status = 'UNAVAILABLE';
  } else if (find(err, (e) => e.code === 'PLT_KFK_USER' && /closed/i.test(String(e.message)))) status = 'CANCELLED';
  else status = 'INTERNAL';
  const message = id !== undefined ? `${id}: ${messageOf(err)}` : messageOf(err);
  return { status, retriable: RETRIABLE.has(status), message };
}
