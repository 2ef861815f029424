// Objects in an S3-compatible bucket through @aws-sdk/client-s3, with the settings local S3 servers need.
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Options } from '../options.js';
import { StorageError, type ObjectStore, type StorageErrorType } from './object-store.js';

function classify(err: unknown): StorageErrorType {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata?.httpStatusCode;
    if (err.name === 'SlowDown' || err.name === 'ThrottlingException' || status === 503 || status === 429) return 'throttle';
    if (err.name === 'NoSuchBucket') return 'no_bucket';
    if (err.name === 'NoSuchKey' || err.name === 'NotFound' || status === 404) return 'not_found';
    if (err.name === 'AccessDenied' || err.name === 'InvalidAccessKeyId' || err.name === 'SignatureDoesNotMatch' || status === 403) {
      return 'access_denied';
    }
    return 'other';
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE' || code === 'ENOTFOUND')
    return 'network';
  if ((err as Error)?.name === 'TimeoutError') return 'network';
  return 'other';
}

export class S3Store implements ObjectStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3Options & { bucket: string; region: string }) {
    this.bucket = options.bucket;
    this.location = `s3://${options.bucket}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    // The SDK warns once per process that its releases after January 2027 need Node 22. loadhouse pins the SDK
    // version, which supports the Node 20 it runs on, so the warning asks nothing of the user: silence it,
    // unless the user set the SDK's own switch.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      forcePathStyle: true,
      // Without these two, streamed uploads to S3-compatible servers are stored with aws-chunked framing.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1, // the agent retries itself, and counts every attempt
    });
  }

  private fail(err: unknown, what: string): StorageError {
    const type = classify(err);
    const detail =
      err instanceof S3ServiceException ? `${err.$metadata?.httpStatusCode ?? ''} ${err.name}: ${err.message}` : (err as Error)?.message;
    return new StorageError(type, `${what} in ${this.location}: ${detail}`, { cause: err });
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const e = this.fail(err, `bucket ${this.bucket}`);
      if (e.errorType === 'not_found')
        throw new StorageError('no_bucket', `bucket ${this.bucket} does not exist at ${this.location}`, { cause: err });
      throw e;
    }
  }

  async put(key: string, parts: readonly Buffer[]): Promise<void> {
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length }));
    } catch (err) {
      throw this.fail(err, `PUT ${key}`);
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = await res.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.fail(err, `GET ${key}`);
    }
  }

  async getRange(key: string, start: number, length: number): Promise<Buffer> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }),
      );
      const bytes = await res.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.fail(err, `GET ${key} (range)`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.fail(err, `LIST ${prefix}`);
    }
    return keys.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      try {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
        );
        if (res.Errors && res.Errors.length > 0) {
          throw new Error(`${res.Errors.length} objects not deleted, first: ${res.Errors[0]!.Key} ${res.Errors[0]!.Code}`);
        }
      } catch (err) {
        throw this.fail(err, `DELETE ${chunk.length} objects`);
      }
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
