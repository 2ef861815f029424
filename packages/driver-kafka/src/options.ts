// The Kafka driver's own options (`target.driver.options`), checked when the driver is made: on the main thread
// first, so a bad value is a coded error before any load. (LH_KAFKA_OPTION is registered by errors.ts, which
// the package entry loads.)
import { LoadhouseError } from '@loadhouse/core';
import { compressionsAlgorithms } from '@platformatic/kafka';

/** Record-batch compression codecs of the Kafka protocol. */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** `target.driver.options` of the Kafka driver (plain data, copied to every worker). */
export interface KafkaDriverOptions {
  /** Compression of produced record batches. Default `none`: the figures then measure the broker, not a codec. */
  compression?: KafkaCompression;
  /** How long the broker may hold a fetch that finds no new record (Kafka `max_wait_ms`). Default 100. */
  fetchMaxWaitMs?: number;
  /** Bytes a fetch asks for per partition (Kafka `partition_max_bytes`). Default 1 MiB. */
  fetchMaxBytes?: number;
  /**
   * Consumers of a group join it through the Kafka group protocol (JoinGroup / SyncGroup / Heartbeat) before
   * they fetch, and the time each rebalance took is measured. Default false: partitions are assigned by the
   * engine (manual assignment) and commits are made without membership.
   */
  groupMembership?: boolean;
  /** Client id sent in every request header. Default `loadhouse`. */
  clientId?: string;
}

export interface ResolvedKafkaOptions {
  compression: KafkaCompression;
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  groupMembership: boolean;
  clientId: string;
}

const KEYS = ['compression', 'fetchMaxWaitMs', 'fetchMaxBytes', 'groupMembership', 'clientId'];

function bad(key: string, want: string, got: unknown): LoadhouseError {
  return new LoadhouseError(
    'LH_KAFKA_OPTION',
    `target.driver.options.${key} of the Kafka driver must be ${want}, got ${JSON.stringify(got)}`,
    {
      details: { option: `options.target.driver.options.${key}` },
    },
  );
}

function intIn(o: Record<string, unknown>, key: string, min: number, max: number, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(key, `an integer ${min}-${max}`, v);
  return v;
}

export function resolveKafkaOptions(options: Readonly<Record<string, unknown>>): ResolvedKafkaOptions {
  for (const k of Object.keys(options)) {
    if (!KEYS.includes(k)) throw bad(k, `left out (the Kafka driver's options are ${KEYS.join(', ')})`, options[k]);
  }
  const compression = (options.compression ?? 'none') as KafkaCompression;
  if (!KAFKA_COMPRESSIONS.includes(compression)) throw bad('compression', KAFKA_COMPRESSIONS.join(', '), options.compression);
  if (!compressionsAlgorithms[compression].available) {
    throw bad('compression', `a codec this Node.js has (${compression} needs a newer Node.js; ${process.version} here)`, compression);
  }
  const groupMembership = options.groupMembership ?? false;
  if (typeof groupMembership !== 'boolean') throw bad('groupMembership', 'true or false', groupMembership);
  const clientId = options.clientId ?? 'loadhouse';
  if (typeof clientId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(clientId)) throw bad('clientId', 'letters, digits, . _ -', clientId);
  return {
    compression,
    fetchMaxWaitMs: intIn(options, 'fetchMaxWaitMs', 0, 30_000, 100),
    fetchMaxBytes: intIn(options, 'fetchMaxBytes', 1024, 256 * 1024 * 1024, 1024 * 1024),
    groupMembership,
    clientId,
  };
}
