// Segment inventory: a paginated ListObjectsV2 under the segment prefix, counted per topic and
// partition, with a cap on keys so one listing's cost is bounded; and growth between two listings.
import { performance } from 'node:perf_hooks';
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { classifyS3Error } from './classify.js';
import { StoppedError, withDeadline } from './client.js';
import type { LatencyRecorder } from './latency.js';
import type { ResolvedS3ProbeOptions } from './options.js';
import type { RequestTally } from './tally.js';

export interface SegmentKey {
  topic: string;
  partition: number;
  /** The segment's first offset, as written in the key (20 digits). */
  baseOffset: string;
}

export interface PartitionInventory {
  topic: string;
  partition: number;
  segments: number;
  bytes: number;
}

export interface Inventory {
  /** When the listing started (ISO). */
  at: string;
  /** performance.now() when the listing started, for rates. */
  startedMs: number;
  durationMs: number;
  prefix: string;
  segments: number;
  segmentBytes: number;
  /** Keys under the prefix that are not `{topic}/{partition}/{20 digits}.seg`. */
  otherObjects: number;
  keysSeen: number;
  pages: number;
  /** True when the listing stopped at maxKeysPerListing: counts are lower bounds. */
  capped: boolean;
  /** Sorted by topic, then partition. */
  partitions: PartitionInventory[];
}

export interface Growth {
  seconds: number;
  segments: number;
  bytes: number;
  segmentsPerSecond: number;
  mbPerSecond: number;
}

const SEGMENT_RE = /^(.+)\/(\d+)\/(\d{20})\.seg$/;
/** MB as in the rest of loadhouse's rates: 2^20 bytes. */
export const MB = 1024 * 1024;

/** Parses `{prefix}{topic}/{partition}/{base_offset:020}.seg`; null for any other key. */
export function parseSegmentKey(key: string, prefix: string): SegmentKey | null {
  if (!key.startsWith(prefix)) return null;
  const m = SEGMENT_RE.exec(key.slice(prefix.length));
  if (!m) return null;
  return { topic: m[1]!, partition: Number(m[2]), baseOffset: m[3]! };
}

export interface ListContext {
  client: S3Client;
  options: ResolvedS3ProbeOptions;
  latency: LatencyRecorder;
  tally: RequestTally;
  stop?: AbortSignal;
}

/**
 * Lists the segment prefix page by page until the end or the key cap. A failed page fails the
 * listing (the error is thrown after being counted); a stop throws StoppedError.
 */
export async function listSegments(ctx: ListContext): Promise<Inventory> {
  const { client, options, latency, tally } = ctx;
  const prefix = options.segmentPrefix;
  const at = new Date().toISOString();
  const startedMs = performance.now();
  const byPartition = new Map<string, PartitionInventory>();
  let segments = 0;
  let segmentBytes = 0;
  let otherObjects = 0;
  let keysSeen = 0;
  let pages = 0;
  let capped = false;
  let token: string | undefined;

  do {
    const remaining = options.maxKeysPerListing - keysSeen;
    const t0 = performance.now();
    let page: ListObjectsV2CommandOutput | undefined;
    try {
      page = await withDeadline(options.timeoutMs, ctx.stop, (signal) =>
        client.send(
          new ListObjectsV2Command({
            Bucket: options.bucket,
            ...(prefix ? { Prefix: prefix } : {}),
            MaxKeys: Math.min(options.pageSize, remaining),
            ...(token ? { ContinuationToken: token } : {}),
          }),
          { abortSignal: signal },
        ),
      );
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      tally.record('list', classifyS3Error(err));
      throw err;
    }
    latency.record('list', performance.now() - t0);
    tally.record('list');
    pages++;

    for (const obj of page.Contents ?? []) {
      if (keysSeen >= options.maxKeysPerListing) break;
      keysSeen++;
      const key = obj.Key ?? '';
      const size = obj.Size ?? 0;
      const seg = parseSegmentKey(key, prefix);
      if (!seg) {
        otherObjects++;
        continue;
      }
      segments++;
      segmentBytes += size;
      const id = `${seg.topic}\u0000${seg.partition}`;
      let p = byPartition.get(id);
      if (!p) {
        p = { topic: seg.topic, partition: seg.partition, segments: 0, bytes: 0 };
        byPartition.set(id, p);
      }
      p.segments++;
      p.bytes += size;
    }

    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (token && keysSeen >= options.maxKeysPerListing) {
      capped = true;
      token = undefined;
    }
  } while (token);

  const partitions = [...byPartition.values()].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  return {
    at,
    startedMs,
    durationMs: performance.now() - startedMs,
    prefix,
    segments,
    segmentBytes,
    otherObjects,
    keysSeen,
    pages,
    capped,
    partitions,
  };
}

/** Growth from one listing to a later one; rates are per second of wall time between their starts. */
export function growthBetween(earlier: Inventory, later: Inventory): Growth {
  const seconds = (later.startedMs - earlier.startedMs) / 1000;
  const segments = later.segments - earlier.segments;
  const bytes = later.segmentBytes - earlier.segmentBytes;
  return {
    seconds,
    segments,
    bytes,
    segmentsPerSecond: seconds > 0 ? segments / seconds : 0,
    mbPerSecond: seconds > 0 ? bytes / MB / seconds : 0,
  };
}
