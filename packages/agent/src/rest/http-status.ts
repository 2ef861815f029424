// How a gRPC status the handlers answer with becomes an HTTP answer of the REST door, so both doors fail the
// same call for the same reason (and a load tester sees 429 where a gRPC client sees RESOURCE_EXHAUSTED).
import * as grpc from '@grpc/grpc-js';

const S = grpc.status;

const HTTP_OF_STATUS: ReadonlyMap<number, number> = new Map([
  [S.INVALID_ARGUMENT, 400],
  [S.OUT_OF_RANGE, 400],
  [S.UNAUTHENTICATED, 401],
  [S.PERMISSION_DENIED, 403],
  [S.NOT_FOUND, 404],
  [S.ALREADY_EXISTS, 409],
  // 409 already means "exists"; a fenced producer or a sequence gap is a failed precondition.
  [S.FAILED_PRECONDITION, 412],
  [S.RESOURCE_EXHAUSTED, 429],
  [S.UNIMPLEMENTED, 501],
  [S.UNAVAILABLE, 503],
  [S.DEADLINE_EXCEEDED, 504],
]);

/** The HTTP status for a gRPC status code (500 for INTERNAL, DATA_LOSS and anything unlisted). */
export function httpStatusOf(code: number | undefined): number {
  return HTTP_OF_STATUS.get(code ?? S.UNKNOWN) ?? 500;
}

/** The gRPC status name (`NOT_FOUND`), the `error` field of an error body. */
export function statusName(code: number | undefined): string {
  return (S as unknown as Record<number, string>)[code ?? S.UNKNOWN] ?? 'UNKNOWN';
}
