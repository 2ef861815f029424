// Options of the agent: the public types, their defaults, and the one place they are validated.
import { LoadhouseError } from '@loadhouse/core';

const MiB = 1024 * 1024;

/** Fault injection, all off by default. Change at runtime with `agent.setFaults()`. */
export interface AgentFaults {
  /** Fraction (0..1) of storage requests answered with a 503 SlowDown (counted as error_type="throttle"). */
  s3ErrorRate?: number;
  /** Added latency, in ms, before every storage request. */
  s3LatencyMs?: number;
  /** Added latency per Produce/ProduceBatch call: fixed ms, or uniform in [min, max] ms. */
  produceLatencyMs?: number | readonly [number, number];
  /**
   * Stall window [fromS, toS] in seconds, measured from the first produce request the agent receives:
   * every produce call arriving inside the window is held until the window ends.
   */
  stall?: readonly [number, number];
  /** Drops (acks but does not store) the Nth, 2Nth, ... record appended to each partition since the agent started. */
  dropEvery?: number;
  /**
   * Loses every batch appended to a partition once it has N-1 records (since the agent started): acked at offsets
   * past the log's end, never kept, the high watermark unmoved. The tail of every stream is lost with no gap
   * below the last record kept, as after a crash that lost unflushed data.
   */
  loseTailFrom?: number;
  /**
   * Memory the agent allocates and keeps, in MiB per second from the first produce request (a leak), up to
   * MEMORY_GROWTH_MAX_MIB in all; 0 stops the growth and frees what it kept.
   */
  memoryGrowthMibPerSecond?: number;
  /**
   * Serve produced records at most this fast (records/s) over the whole agent, first come first served: past
   * it, calls queue and their latency climbs without bound (a target with a known capacity). 0: off.
   */
  capacity?: number;
  /** Flips the last byte of the stored value of the Nth, 2Nth, ... record appended to each partition (acked as stored). */
  corruptEvery?: number;
  /** Acknowledges the Nth, 2Nth, ... batch appended to each partition with offsets one higher than where it was stored. */
  ackOffsetShiftEvery?: number;
  /**
   * Stores the Nth, 2Nth, ... ProduceBatch (counted across the agent) but answers it UNAVAILABLE, as when an ack
   * is lost on the way back: a producer that retries it sends records the agent already holds.
   */
  loseAckEvery?: number;
  /**
   * Acknowledges the Nth, 2Nth, ... CommitOffset (counted across the agent) without storing it: a consumer
   * group that restarts resumes from an older offset and reads more again than its commit interval allows.
   */
  commitDropEvery?: number;
  /**
   * From its Nth CommitTransaction on, each transactional producer's commits are answered success but their
   * records are discarded: the end of every stream the producer wrote is lost, with no gap before it that a
   * consumer could notice (a target that acknowledged commits it did not keep).
   */
  loseCommitsFrom?: number;
  /**
   * From its Nth AbortTransaction on, each transactional producer's aborts are answered success but their
   * records are appended as if committed: readers see records of aborted transactions (a target that breaks
   * read-committed isolation).
   */
  exposeAbortsFrom?: number;
}

/** The most memory the memory-growth fault keeps (MiB): enough to see a leak, short of exhausting the machine. */
export const MEMORY_GROWTH_MAX_MIB = 1024;

export interface S3Options {
  /** S3-compatible endpoint, e.g. `http://127.0.0.1:9000`. Omit for AWS itself. */
  endpoint?: string;
  region?: string;
  /** Default `streamhouse-data`. */
  bucket?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface AgentOptions extends AgentFaults {
  /** Interface both servers listen on (default 127.0.0.1). */
  host?: string;
  /** gRPC port; 0 (default) picks a free one. */
  grpcPort?: number;
  /** HTTP port for /health, /ready, /metrics; 0 (default) picks a free one. */
  httpPort?: number;
  /**
   * Port of the Kafka-protocol listener; 0 picks a free one. Default: no Kafka listener (port 9092 is often a
   * real Kafka's on a developer machine, and most runs speak gRPC).
   */
  kafkaPort?: number;
  /** Local folder for segments and metadata. Without it (and without `s3`) a fresh temp folder is used. */
  dataDir?: string;
  /** Keep the temp folder on stop (only meaningful without `dataDir`). */
  keepData?: boolean;
  /** Store in an S3-compatible bucket instead of a folder. */
  s3?: S3Options;
  /** Roll the open segment at this size (default 8 MiB). */
  segmentMaxBytes?: number;
  /** Roll the open segment at this age (default 1000 ms). */
  segmentMaxAgeMs?: number;
  /** Byte bound of the LRU cache of stored segments (default 256 MiB). */
  cacheMaxBytes?: number;
  /**
   * Delete stored segments once they have been stored this long, for topics created without their own
   * `retention_ms` (a topic's own retention always applies). Default: keep everything.
   */
  retentionMs?: number;
  /** Largest accepted request, and key+value bytes of one produce call (default 64 MiB). */
  maxRequestBytes?: number;
  /** Ack ProduceBatch without storing anything: offsets advance, Consume returns nothing. */
  sink?: boolean;
  /** Receives log lines (default: none). The bin writes them to stderr. */
  log?: (line: string) => void;
}

export interface ResolvedOptions {
  host: string;
  grpcPort: number;
  httpPort: number;
  kafkaPort: number | undefined;
  dataDir: string | undefined;
  keepData: boolean;
  s3: (Required<Pick<S3Options, 'bucket' | 'region'>> & S3Options) | undefined;
  segmentMaxBytes: number;
  segmentMaxAgeMs: number;
  cacheMaxBytes: number;
  retentionMs: number | undefined;
  maxRequestBytes: number;
  sink: boolean;
  faults: ResolvedFaults;
  log: (line: string) => void;
}

export interface ResolvedFaults {
  s3ErrorRate: number;
  s3LatencyMs: number;
  produceLatencyMs: readonly [number, number];
  stall: readonly [number, number] | undefined;
  dropEvery: number;
  loseTailFrom: number;
  memoryGrowthMibPerSecond: number;
  capacity: number;
  corruptEvery: number;
  ackOffsetShiftEvery: number;
  loseAckEvery: number;
  commitDropEvery: number;
  loseCommitsFrom: number;
  exposeAbortsFrom: number;
}

function invalid(option: string, expected: string, got: unknown): LoadhouseError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : Array.isArray(got) ? `[${got.join(', ')}]` : String(got);
  return new LoadhouseError('LH_INVALID_OPTION', `options.${option} must be ${expected}, got ${shown}`, {
    details: { option, value: got },
  });
}

function port(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
    throw invalid(name, 'an integer port 0..65535 (0 = any free port)', v);
  return v;
}

function int(name: string, v: unknown, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(name, `an integer between ${min} and ${max}`, v);
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(name, 'a number >= 0', v);
  return v;
}

function range(name: string, v: unknown, unit: string): readonly [number, number] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) || v[0] > v[1]) {
    throw invalid(name, `a range [min, max] of ${unit} with 0 <= min <= max`, v);
  }
  return [v[0], v[1]] as const;
}

/** Validates fault options (all of them, or the ones present in a partial update). */
export function resolveFaults(f: AgentFaults, base?: ResolvedFaults): ResolvedFaults {
  const out: ResolvedFaults = base
    ? { ...base }
    : {
        s3ErrorRate: 0,
        s3LatencyMs: 0,
        produceLatencyMs: [0, 0],
        stall: undefined,
        dropEvery: 0,
        loseTailFrom: 0,
        memoryGrowthMibPerSecond: 0,
        capacity: 0,
        corruptEvery: 0,
        ackOffsetShiftEvery: 0,
        loseAckEvery: 0,
        commitDropEvery: 0,
        loseCommitsFrom: 0,
        exposeAbortsFrom: 0,
      };
  if ('s3ErrorRate' in f && f.s3ErrorRate !== undefined) {
    const r = f.s3ErrorRate;
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) throw invalid('s3ErrorRate', 'a fraction between 0 and 1', r);
    out.s3ErrorRate = r;
  }
  if ('s3LatencyMs' in f && f.s3LatencyMs !== undefined) out.s3LatencyMs = nonNegative('s3LatencyMs', f.s3LatencyMs);
  if ('produceLatencyMs' in f && f.produceLatencyMs !== undefined) {
    const v = f.produceLatencyMs;
    out.produceLatencyMs = typeof v === 'number' ? [nonNegative('produceLatencyMs', v), v] : range('produceLatencyMs', v, 'milliseconds')!;
  }
  if ('stall' in f) out.stall = f.stall === undefined ? undefined : range('stall', f.stall, 'seconds');
  if ('dropEvery' in f && f.dropEvery !== undefined) out.dropEvery = int('dropEvery', f.dropEvery, 0, 0);
  if ('loseTailFrom' in f && f.loseTailFrom !== undefined) out.loseTailFrom = int('loseTailFrom', f.loseTailFrom, 0, 0);
  if ('memoryGrowthMibPerSecond' in f && f.memoryGrowthMibPerSecond !== undefined) {
    out.memoryGrowthMibPerSecond = nonNegative('memoryGrowthMibPerSecond', f.memoryGrowthMibPerSecond);
  }
  if ('capacity' in f && f.capacity !== undefined) out.capacity = nonNegative('capacity', f.capacity);
  if ('corruptEvery' in f && f.corruptEvery !== undefined) out.corruptEvery = int('corruptEvery', f.corruptEvery, 0, 0);
  if ('ackOffsetShiftEvery' in f && f.ackOffsetShiftEvery !== undefined)
    out.ackOffsetShiftEvery = int('ackOffsetShiftEvery', f.ackOffsetShiftEvery, 0, 0);
  if ('loseAckEvery' in f && f.loseAckEvery !== undefined) out.loseAckEvery = int('loseAckEvery', f.loseAckEvery, 0, 0);
  if ('commitDropEvery' in f && f.commitDropEvery !== undefined) out.commitDropEvery = int('commitDropEvery', f.commitDropEvery, 0, 0);
  if ('loseCommitsFrom' in f && f.loseCommitsFrom !== undefined) out.loseCommitsFrom = int('loseCommitsFrom', f.loseCommitsFrom, 0, 0);
  if ('exposeAbortsFrom' in f && f.exposeAbortsFrom !== undefined) out.exposeAbortsFrom = int('exposeAbortsFrom', f.exposeAbortsFrom, 0, 0);
  return out;
}

export function resolveOptions(o: AgentOptions = {}): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw invalid('', 'an object', o);
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw invalid('host', 'a host name or IP address', host);
  if (o.dataDir !== undefined && (typeof o.dataDir !== 'string' || o.dataDir.length === 0))
    throw invalid('dataDir', 'a folder path', o.dataDir);
  let s3: ResolvedOptions['s3'];
  if (o.s3 !== undefined) {
    if (o.dataDir !== undefined) throw invalid('s3', 'absent when options.dataDir is set (choose a folder or a bucket)', 'both');
    const s = o.s3;
    if (typeof s !== 'object' || s === null) throw invalid('s3', 'an object { endpoint, region, bucket, accessKeyId, secretAccessKey }', s);
    if (s.endpoint !== undefined) {
      try {
        new URL(s.endpoint);
      } catch {
        throw invalid('s3.endpoint', 'a URL such as http://127.0.0.1:9000', s.endpoint);
      }
    }
    const bucket = s.bucket ?? 'streamhouse-data';
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalid('s3.bucket', 'a valid S3 bucket name', bucket);
    if ((s.accessKeyId === undefined) !== (s.secretAccessKey === undefined)) {
      throw invalid(
        's3.secretAccessKey',
        'given together with s3.accessKeyId',
        s.secretAccessKey === undefined ? 'nothing' : 'a key without an id',
      );
    }
    s3 = { ...s, bucket, region: s.region ?? 'us-east-1' };
  }
  if (o.log !== undefined && typeof o.log !== 'function') throw invalid('log', 'a function (line: string) => void', typeof o.log);
  return {
    host,
    grpcPort: port('grpcPort', o.grpcPort),
    httpPort: port('httpPort', o.httpPort),
    kafkaPort: o.kafkaPort === undefined ? undefined : port('kafkaPort', o.kafkaPort),
    dataDir: o.dataDir,
    keepData: o.keepData === true,
    s3,
    segmentMaxBytes: int('segmentMaxBytes', o.segmentMaxBytes, 8 * MiB, 1024, 1024 * MiB),
    segmentMaxAgeMs: int('segmentMaxAgeMs', o.segmentMaxAgeMs, 1000, 1, 3_600_000),
    cacheMaxBytes: int('cacheMaxBytes', o.cacheMaxBytes, 256 * MiB, 0),
    retentionMs: o.retentionMs === undefined ? undefined : int('retentionMs', o.retentionMs, 0, 1),
    maxRequestBytes: int('maxRequestBytes', o.maxRequestBytes, 64 * MiB, 1024, 1024 * MiB),
    sink: o.sink === true,
    faults: resolveFaults(o),
    log: o.log ?? (() => {}),
  };
}
