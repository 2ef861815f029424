// Builds the one S3 client the probe uses, with the settings S3-compatible servers need, and runs
// single requests under a deadline.
import { S3Client } from '@aws-sdk/client-s3';
import type { ResolvedS3ProbeOptions } from './options.js';

export function createS3Client(options: ResolvedS3ProbeOptions): S3Client {
  // The SDK warns once per process that its releases after January 2027 need Node 22. loadhouse pins the SDK
  // version, which supports the Node 20 it runs on, so the warning asks nothing of the user: silence it,
  // unless the user set the SDK's own switch.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials !== undefined ? { credentials: { ...options.credentials } } : {}),
    // Without these two, a streamed upload to a non-AWS server is stored with its aws-chunked framing
    // as data and nothing fails (seen with s3rver). AWS itself accepts them too.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // One attempt per request: the probe measures S3, so a throttle must be seen, not retried away.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs },
  });
}

/** Thrown (as the cause) when a request exceeds its deadline. */
export class DeadlineError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'DeadlineError';
  }
}

/** Thrown when the run stopped while a request was in flight: not an S3 error, never counted. */
export class StoppedError extends Error {
  constructor() {
    super('the probe stopped');
    this.name = 'StoppedError';
  }
}

/**
 * Runs `fn` with an abort signal that fires after `timeoutMs` or when `stop` aborts. The deadline covers
 * the whole operation, reading a response body included, so a stalled stream counts as a timeout.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  stop: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (stop?.aborted) throw new StoppedError();
  const controller = new AbortController();
  let timedOut = false;
  let rejectEarly: (err: Error) => void = () => {};
  const early = new Promise<never>((_, reject) => {
    rejectEarly = reject;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    rejectEarly(new DeadlineError(timeoutMs));
  }, timeoutMs);
  const onStop = () => {
    controller.abort();
    rejectEarly(new StoppedError());
  };
  stop?.addEventListener('abort', onStop, { once: true });
  try {
    return await Promise.race([fn(controller.signal), early]);
  } catch (err) {
    if (timedOut) throw new DeadlineError(timeoutMs);
    if (stop?.aborted) throw new StoppedError();
    throw err;
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', onStop);
  }
}
