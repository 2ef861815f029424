// Counts of S3 requests and of their failures by kind, for the probe operations and the listings.
import { ERROR_KINDS, type ClassifiedError, type S3ErrorKind } from './classify.js';
import type { S3Operation } from './latency.js';

export interface ErrorCounts {
  throttle: number;
  server: number;
  client: number;
  timeout: number;
  network: number;
  corrupt: number;
}

export function emptyErrorCounts(): ErrorCounts {
  return { throttle: 0, server: 0, client: 0, timeout: 0, network: 0, corrupt: 0 };
}

export class RequestTally {
  /** Probe operations (PUT, GET, HEAD, DELETE) attempted, and how many failed. */
  probeOps = 0;
  probeErrors = 0;
  listRequests = 0;
  listErrors = 0;
  readonly errors: ErrorCounts = emptyErrorCounts();
  readonly byOperation: Record<S3Operation, { requests: number; errors: number }> = {
    put: { requests: 0, errors: 0 },
    get: { requests: 0, errors: 0 },
    head: { requests: 0, errors: 0 },
    delete: { requests: 0, errors: 0 },
    list: { requests: 0, errors: 0 },
  };
  /** The most recent failure, for the summary and logs. */
  lastError: (ClassifiedError & { op: S3Operation; at: string }) | undefined;

  record(op: S3Operation, error?: ClassifiedError): void {
    const isList = op === 'list';
    this.byOperation[op].requests++;
    if (isList) this.listRequests++;
    else this.probeOps++;
    if (!error) return;
    this.byOperation[op].errors++;
    if (isList) this.listErrors++;
    else this.probeErrors++;
    this.errors[error.kind]++;
    this.lastError = { ...error, op, at: new Date().toISOString() };
  }

  /** Failed probe operations in percent of attempted ones (0 before any). */
  errorRatePercent(): number {
    return this.probeOps === 0 ? 0 : (this.probeErrors / this.probeOps) * 100;
  }

  totalErrors(): number {
    let n = 0;
    for (const k of ERROR_KINDS) n += this.errors[k as S3ErrorKind];
    return n;
  }
}
