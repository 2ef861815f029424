// Pre-flight: before any load is sent, checks that the endpoint answers, the bucket exists, and the
// credentials may list the segment prefix and write under the probe prefix. Failures are coded errors
// that name the endpoint and the bucket, and never the credentials.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { LoadhouseError } from '@loadhouse/core';
// Registers the codes thrown here wherever this module is loaded, not only through the package entry.
import './errors.js';
import { classifyS3Error, describeAnswer, sanitizedCause, trimPeriod } from './classify.js';
import { createS3Client, withDeadline } from './client.js';
import { endpointLabel, PROBE_PREFIX, resolveOptions, type ResolvedS3ProbeOptions, type S3ProbeOptions } from './options.js';

export interface BucketCheck {
  endpoint: string;
  bucket: string;
  region: string;
  segmentPrefix: string;
  /** Whether a probe object could be written and deleted (checked only when the active probe is on). */
  writable: boolean | null;
  /** Duration of the whole check in milliseconds. */
  durationMs: number;
}

type Step = 'HeadBucket' | 'ListObjectsV2' | 'PutObject' | 'DeleteObject';

const MISSING_CODES = new Set(['NoSuchBucket', 'NotFound']);
const DENIED_CODES = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AllAccessDisabled',
  'AccountProblem',
]);
const REGION_CODES = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);

/** Turns a failed pre-flight request into the coded error a user can act on. */
function preflightError(err: unknown, step: Step, options: ResolvedS3ProbeOptions): LoadhouseError {
  const c = classifyS3Error(err);
  const endpoint = endpointLabel(options);
  const { bucket } = options;
  const answer = describeAnswer(c);
  const details = { endpoint, bucket, region: options.region, step, status: c.status ?? null, s3Code: c.code };
  const where = `S3 bucket "${bucket}" at ${endpoint}`;
  const cause = sanitizedCause(err);

  if (c.kind === 'network' || c.kind === 'timeout') {
    return new LoadhouseError(
      'LH_S3_UNREACHABLE',
      `${where}: the endpoint did not answer ${step} (${answer}: ${trimPeriod(c.message)}). ` +
        'Check that the S3 server is running and that --s3-endpoint (options.endpoint) is its URL.',
      { cause, details },
    );
  }
  if (c.status === 404 || MISSING_CODES.has(c.code)) {
    return new LoadhouseError(
      'LH_S3_BUCKET_MISSING',
      `${where} does not exist (${step}: ${answer}). Create it (aws s3 mb s3://${bucket}) or pass the bucket the ` +
        'StreamHouse agents write to with --s3-bucket (options.bucket).',
      { cause, details },
    );
  }
  if (c.status === 401 || c.status === 403 || DENIED_CODES.has(c.code)) {
    return new LoadhouseError(
      'LH_S3_ACCESS_DENIED',
      `${where}: access denied on ${step} (${answer}). The probe needs s3:ListBucket on the segment prefix and ` +
        `s3:PutObject, s3:GetObject, s3:DeleteObject under ${PROBE_PREFIX}; check the credentials ` +
        '(options.credentials or the AWS environment, profile or role).',
      { cause, details },
    );
  }
  if (c.status === 301 || REGION_CODES.has(c.code)) {
    return new LoadhouseError(
      'LH_INVALID_OPTION',
      `${where}: the bucket is not in region ${options.region} (${step}: ${answer}). Set --s3-region (options.region) ` +
        "to the bucket's region.",
      { cause, details: { ...details, option: 's3Probe.region' } },
    );
  }
  return new LoadhouseError(
    'LH_S3_PREFLIGHT_FAILED',
    `${where}: ${step} failed with ${answer} (${c.kind}): ${trimPeriod(c.message)}. Retry, or check the S3 server's health.`,
    { cause, details },
  );
}

/** Runs the pre-flight with an existing client. */
export async function checkBucketWith(client: S3Client, options: ResolvedS3ProbeOptions, signal?: AbortSignal): Promise<BucketCheck> {
  const t0 = performance.now();
  const run = async (step: Step, fn: (signal: AbortSignal) => Promise<unknown>) => {
    try {
      await withDeadline(options.timeoutMs, signal, fn);
    } catch (err) {
      throw preflightError(err, step, options);
    }
  };
  const { bucket } = options;

  await run('HeadBucket', (s) => client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: s }));
  if (options.listEverySeconds > 0) {
    await run('ListObjectsV2', (s) =>
      client.send(
        new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1, ...(options.segmentPrefix ? { Prefix: options.segmentPrefix } : {}) }),
        { abortSignal: s },
      ),
    );
  }
  let writable: boolean | null = null;
  if (options.intervalSeconds > 0) {
    const key = `${PROBE_PREFIX}preflight-${randomBytes(6).toString('hex')}`;
    await run('PutObject', (s) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(0), ContentLength: 0 }), {
        abortSignal: s,
      }),
    );
    await run('DeleteObject', (s) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: s }));
    writable = true;
  }
  return {
    endpoint: endpointLabel(options),
    bucket,
    region: options.region,
    segmentPrefix: options.segmentPrefix,
    writable,
    durationMs: performance.now() - t0,
  };
}

/**
 * Checks that the S3 endpoint answers, the bucket exists and the credentials may list and write it.
 * Throws LH_S3_UNREACHABLE, LH_S3_BUCKET_MISSING, LH_S3_ACCESS_DENIED (or LH_S3_PREFLIGHT_FAILED,
 * LH_INVALID_OPTION for a wrong region), each naming the endpoint and the bucket.
 */
export async function checkBucket(options: S3ProbeOptions): Promise<BucketCheck> {
  const resolved = resolveOptions(options);
  const client = createS3Client(resolved);
  try {
    return await checkBucketWith(client, resolved);
  } finally {
    client.destroy();
  }
}
