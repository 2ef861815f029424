// The storage the agent writes segments and metadata to: a local folder or an S3-compatible bucket, behind one interface.

export type StorageErrorType = 'throttle' | 'not_found' | 'access_denied' | 'no_bucket' | 'network' | 'other';

/** A failed storage request, classified the way the s3_errors_total metric labels it. */
export class StorageError extends Error {
  readonly errorType: StorageErrorType;
  constructor(errorType: StorageErrorType, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.errorType = errorType;
  }
}

export interface ObjectStore {
  /** `folder /path` or `s3://bucket at endpoint`, for messages. */
  readonly location: string;
  /** Stores the concatenation of `parts`. */
  put(key: string, parts: readonly Buffer[]): Promise<void>;
  /** Throws StorageError('not_found') for a missing key. */
  get(key: string): Promise<Buffer>;
  /** Bytes [start, start + length) of an object. */
  getRange(key: string, start: number, length: number): Promise<Buffer>;
  /** Every key under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(keys: readonly string[]): Promise<void>;
  /** Checks the folder or bucket is usable (creates the folder; the bucket must exist). */
  check(): Promise<void>;
  close(): Promise<void>;
}
