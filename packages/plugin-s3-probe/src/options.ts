// Options of the S3 probe: their types, their validation at the public boundary, their defaults,
// and the redacted view of them that is the only form ever shown, logged or stored.
import { LoadhouseError } from '@loadhouse/core';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ProbeOptions {
  /** The bucket the target writes segments to (StreamHouse's agent default is `streamhouse-data`). */
  bucket: string;
  /**
   * S3 endpoint URL for S3-compatible servers (MinIO, s3rver, ...): `http://localhost:9000`.
   * Omitted: AWS S3 itself. When set, path-style addressing is used.
   */
  endpoint?: string;
  /** Region (default: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1`). */
  region?: string;
  /** Segment prefix to inventory, overriding the one derived from `organizationId` (default `data/`). */
  prefix?: string;
  /** StreamHouse organization: the segment prefix becomes `org-{id}/data/`. */
  organizationId?: string;
  /** Seconds between active probe cycles (PUT, GET, HEAD, DELETE) (default 5; 0 turns the probe off). */
  intervalSeconds?: number;
  /** Size of the probe object in bytes (default 4096, at most 64 MiB). */
  objectSize?: number;
  /** Seconds between segment inventories (ListObjectsV2) (default 30; 0 turns the inventory off). */
  listEverySeconds?: number;
  /** A listing stops after this many keys, so one listing costs at most maxKeys / pageSize requests (default 100000). */
  maxKeysPerListing?: number;
  /** Keys per ListObjectsV2 page (default 1000, the S3 maximum). */
  pageSize?: number;
  /** Explicit credentials; omitted, the standard AWS chain (environment, profile, instance role) is used. */
  credentials?: S3Credentials;
  /** Deadline of each S3 request in milliseconds (default 10000). */
  timeoutMs?: number;
}

/** Options after validation, with every default applied. Internal: it holds the credentials. */
export interface ResolvedS3ProbeOptions {
  bucket: string;
  endpoint: string | undefined;
  region: string;
  segmentPrefix: string;
  organizationId: string | undefined;
  intervalSeconds: number;
  objectSize: number;
  listEverySeconds: number;
  maxKeysPerListing: number;
  pageSize: number;
  credentials: S3Credentials | undefined;
  timeoutMs: number;
}

/** What the probe shows of its configuration: everything but the credentials, which are only named by source. */
export interface S3ProbeConfig {
  bucket: string;
  endpoint: string;
  region: string;
  segmentPrefix: string;
  probePrefix: string;
  organizationId?: string;
  intervalSeconds: number;
  objectSize: number;
  listEverySeconds: number;
  maxKeysPerListing: number;
  pageSize: number;
  timeoutMs: number;
  credentials: 'options' | 'default-chain';
}

/** Probe objects live under this prefix, beside (never inside) the segments. */
export const PROBE_PREFIX = '_loadhouse-probe/';

export const DEFAULTS = {
  intervalSeconds: 5,
  objectSize: 4096,
  listEverySeconds: 30,
  maxKeysPerListing: 100_000,
  pageSize: 1000,
  timeoutMs: 10_000,
} as const;

const MAX_OBJECT_SIZE = 64 * 1024 * 1024;
// S3 bucket naming rules, loosely: compatible servers accept a little more, AWS a little less.
const BUCKET_RE = /^[a-z0-9][a-z0-9.\-_]{1,61}[a-z0-9]$/;

function invalid(option: string, expected: string, got: unknown): LoadhouseError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new LoadhouseError('LH_INVALID_OPTION', `s3Probe: options.${option} must be ${expected}, got ${shown}`, {
    details: { option: `s3Probe.${option}` },
  });
}

/** What each numeric option accepts (its default is in DEFAULTS). */
const LIMITS: Record<keyof typeof DEFAULTS, { min: number; max: number; integer: boolean }> = {
  intervalSeconds: { min: 0, max: 86_400, integer: false },
  objectSize: { min: 1, max: MAX_OBJECT_SIZE, integer: true },
  listEverySeconds: { min: 0, max: 86_400, integer: false },
  maxKeysPerListing: { min: 1, max: 100_000_000, integer: true },
  pageSize: { min: 1, max: 1000, integer: true },
  timeoutMs: { min: 1, max: 600_000, integer: false },
};

/** A numeric option checked against its LIMITS, or its default when not given. */
function number(options: S3ProbeOptions, option: keyof typeof DEFAULTS): number {
  const value: unknown = options[option];
  if (value === undefined) return DEFAULTS[option];
  const { min, max, integer } = LIMITS[option];
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
  if (!ok || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    throw invalid(option, `${kind} from ${min} to ${max}`, value);
  }
  return value;
}

function optionalString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(option, 'a non-empty string', value);
  return value;
}

/** The prefix StreamHouse writes segments under: `data/`, or `org-{id}/data/` for an organization. */
export function segmentPrefixFor(organizationId?: string): string {
  return organizationId ? `org-${organizationId}/data/` : 'data/';
}

/** Validates options once, at the public boundary; errors name the option. */
export function resolveOptions(options: S3ProbeOptions): ResolvedS3ProbeOptions {
  if (options === null || typeof options !== 'object') {
    throw new LoadhouseError('LH_INVALID_OPTION', 's3Probe: options must be an object with at least a bucket', {
      details: { option: 's3Probe' },
    });
  }
  const bucket = options.bucket as unknown;
  if (typeof bucket !== 'string' || !BUCKET_RE.test(bucket)) {
    throw invalid('bucket', 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)', bucket);
  }

  let endpoint = optionalString(options.endpoint, 'endpoint');
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw invalid('endpoint', 'a URL such as http://localhost:9000', endpoint);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid('endpoint', 'an http:// or https:// URL', endpoint);
    }
    if (url.username || url.password) {
      // Credentials in the URL would be printed wherever the endpoint is named.
      throw invalid('endpoint', 'a URL without user or password (use options.credentials)', `${url.protocol}//…@${url.host}`);
    }
    endpoint = endpoint.replace(/\/+$/, '');
  }

  const region = optionalString(options.region, 'region') ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';

  const organizationId = optionalString(options.organizationId, 'organizationId');
  if (organizationId !== undefined && /[/\s]/.test(organizationId)) {
    throw invalid('organizationId', 'an organization id without slashes or spaces', organizationId);
  }
  let segmentPrefix = segmentPrefixFor(organizationId);
  if (options.prefix !== undefined) {
    if (typeof options.prefix !== 'string') throw invalid('prefix', 'a string such as "data/"', options.prefix);
    // An empty prefix inventories the whole bucket; otherwise it names a folder.
    segmentPrefix = options.prefix.replace(/^\/+/, '');
    if (segmentPrefix !== '' && !segmentPrefix.endsWith('/')) segmentPrefix += '/';
  }

  const credentials = options.credentials;
  if (credentials !== undefined) {
    if (
      credentials === null ||
      typeof credentials !== 'object' ||
      typeof credentials.accessKeyId !== 'string' ||
      credentials.accessKeyId === '' ||
      typeof credentials.secretAccessKey !== 'string' ||
      credentials.secretAccessKey === '' ||
      (credentials.sessionToken !== undefined && typeof credentials.sessionToken !== 'string')
    ) {
      // Never echo the value: it may hold a secret.
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        's3Probe: options.credentials must be { accessKeyId, secretAccessKey, sessionToken? } with non-empty strings (value not shown)',
        { details: { option: 's3Probe.credentials' } },
      );
    }
  }

  return {
    bucket,
    endpoint,
    region,
    segmentPrefix,
    organizationId,
    intervalSeconds: number(options, 'intervalSeconds'),
    objectSize: number(options, 'objectSize'),
    listEverySeconds: number(options, 'listEverySeconds'),
    maxKeysPerListing: number(options, 'maxKeysPerListing'),
    pageSize: number(options, 'pageSize'),
    credentials: credentials
      ? {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
        }
      : undefined,
    timeoutMs: number(options, 'timeoutMs'),
  };
}

/** How the endpoint is named in messages: the URL, or AWS S3 in the region. */
export function endpointLabel(options: Pick<ResolvedS3ProbeOptions, 'endpoint' | 'region'>): string {
  return options.endpoint ?? `AWS S3 (${options.region})`;
}

export function redactedConfig(options: ResolvedS3ProbeOptions): S3ProbeConfig {
  return {
    bucket: options.bucket,
    endpoint: endpointLabel(options),
    region: options.region,
    segmentPrefix: options.segmentPrefix,
    probePrefix: PROBE_PREFIX,
    ...(options.organizationId !== undefined ? { organizationId: options.organizationId } : {}),
    intervalSeconds: options.intervalSeconds,
    objectSize: options.objectSize,
    listEverySeconds: options.listEverySeconds,
    maxKeysPerListing: options.maxKeysPerListing,
    pageSize: options.pageSize,
    timeoutMs: options.timeoutMs,
    credentials: options.credentials ? 'options' : 'default-chain',
  };
}
