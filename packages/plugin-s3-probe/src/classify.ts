// Sorts a failed S3 request into the kinds the probe reports: throttling, server, client, timeout, network.
import { DeadlineError } from './client.js';

export type S3ErrorKind = 'throttle' | 'server' | 'client' | 'timeout' | 'network' | 'corrupt';

export const ERROR_KINDS: readonly S3ErrorKind[] = ['throttle', 'server', 'client', 'timeout', 'network', 'corrupt'];

export interface ClassifiedError {
  kind: S3ErrorKind;
  /** HTTP status, when the server answered. */
  status?: number;
  /** The S3 error code (`SlowDown`, `AccessDenied`, ...) or the socket error code (`ECONNREFUSED`). */
  code: string;
  message: string;
}

// Codes S3 and compatible servers use for "slow down" answers, whatever the status.
const THROTTLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
]);

const TIMEOUT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'UND_ERR_SOCKET',
]);

// What the SDK names an error whose answer carried no code (HEAD, empty bodies).
const BARE_CODES = new Set(['Unknown', 'UnknownError']);

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
  cause?: unknown;
}

function statusOf(err: SdkLikeError): number | undefined {
  const s = err.$metadata?.httpStatusCode ?? err.$response?.statusCode;
  return typeof s === 'number' && s > 0 ? s : undefined;
}

/** The error code of an SDK or socket error: S3's `Code`, else the Node `code`, else the error name. */
function codeOf(err: SdkLikeError): string {
  if (typeof err.Code === 'string' && err.Code) return err.Code;
  if (typeof err.code === 'string' && err.code) return err.code;
  if (typeof err.name === 'string' && err.name && err.name !== 'Error') return err.name;
  const cause = err.cause as SdkLikeError | undefined;
  if (cause && typeof cause === 'object' && typeof cause.code === 'string') return cause.code;
  return 'Unknown';
}

export function classifyS3Error(error: unknown): ClassifiedError {
  if (error instanceof DeadlineError) return { kind: 'timeout', code: 'Timeout', message: error.message };
  const err = (error && typeof error === 'object' ? error : { message: String(error) }) as SdkLikeError;
  const status = statusOf(err);
  const raw = codeOf(err);
  // A HEAD answer has no body: the SDK calls its error "Unknown". Name it by its status instead.
  const bare = BARE_CODES.has(raw) && status !== undefined;
  const code = bare ? String(status) : raw;
  const message = bare
    ? `HTTP ${status} without an error code (a HEAD answer has no body)`
    : typeof err.message === 'string' && err.message
      ? err.message
      : code;
  const withStatus = (kind: S3ErrorKind): ClassifiedError =>
    status === undefined ? { kind, code, message } : { kind, status, code, message };

  if (status === 429 || THROTTLE_CODES.has(code)) return withStatus('throttle');
  if (status === 503) {
    // S3 answers 503 to mean "slow down". A HEAD answer has no body, so no code to tell it apart:
    // a bare 503 is a throttle; a 503 with another explicit code (ServiceUnavailable) is a server error.
    return withStatus(bare ? 'throttle' : 'server');
  }
  if (TIMEOUT_CODES.has(code) || status === 408) return withStatus('timeout');
  if (status !== undefined && status >= 500) return withStatus('server');
  if (status !== undefined && status >= 400) return withStatus('client');
  if (NETWORK_CODES.has(code) || status === undefined) return withStatus('network');
  return withStatus('client');
}

/** `HTTP 503 SlowDown`, `HTTP 403` (no code), or the socket code (`ECONNREFUSED`). */
export function describeAnswer(e: ClassifiedError): string {
  if (e.status === undefined) return e.code;
  return e.code === String(e.status) ? `HTTP ${e.status}` : `HTTP ${e.status} ${e.code}`;
}

export function trimPeriod(message: string): string {
  return message.replace(/[.\s]+$/, '');
}

/**
 * A copy of an SDK or socket error that keeps what explains it (name, message, code, status, request id,
 * stack) and drops the rest: the SDK's `$response` holds the socket and the request, whose headers carry
 * the session token and the signature. Errors the probe throws keep this as their cause, never the original.
 */
export function sanitizedCause(error: unknown): Error {
  const err = (error && typeof error === 'object' ? error : { message: String(error) }) as SdkLikeError & {
    stack?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown; extendedRequestId?: unknown };
  };
  const out = new Error(typeof err.message === 'string' ? err.message : String(error)) as Error & Record<string, unknown>;
  if (typeof err.name === 'string') out.name = err.name;
  if (typeof err.code === 'string') out['code'] = err.code;
  if (typeof err.Code === 'string') out['Code'] = err.Code;
  if (typeof err.$fault === 'string') out['$fault'] = err.$fault;
  const md = err.$metadata;
  if (md && typeof md === 'object') {
    const copy: Record<string, unknown> = {};
    if (typeof md.httpStatusCode === 'number') copy['httpStatusCode'] = md.httpStatusCode;
    if (typeof md.requestId === 'string') copy['requestId'] = md.requestId;
    if (typeof md.extendedRequestId === 'string') copy['extendedRequestId'] = md.extendedRequestId;
    out['$metadata'] = copy;
  }
  out.stack = typeof err.stack === 'string' ? err.stack : out.stack;
  return out;
}
