// Named sets of HDR histograms: the producer's response, service and schedule-lag latencies, the consumer's
// poll and end-to-end latencies. A set records, encodes, decodes, merges, summarizes and resets all its keys
// at once, so workers, the aggregator, merge, the report and plugins never handle them one field at a time.
// The keys are those of `result.histograms` (and of phases and live samples); this module is the only place
// they are spelled.
import { LoadhouseError } from '../errors.js';
import type { LatencySummary } from '../types.js';
import {
  addEncoded,
  createHistogram,
  emptyLatencySummary,
  encodeHistogram,
  encodeHistogramBytes,
  recordMs,
  summarizeHistogram,
  type Histogram,
} from './histogram.js';
import { HistogramTally } from './tally.js';

/** Every histogram key, by side and latency: `HISTOGRAMS.producer.response` is `'producer.response'`. */
export const HISTOGRAMS = {
  producer: { response: 'producer.response', service: 'producer.service', scheduleLag: 'producer.scheduleLag' },
  consumer: { poll: 'consumer.poll', endToEnd: 'consumer.endToEnd', commit: 'consumer.commit' },
} as const;

export const PRODUCER_HISTOGRAMS = [HISTOGRAMS.producer.response, HISTOGRAMS.producer.service, HISTOGRAMS.producer.scheduleLag] as const;
export const CONSUMER_HISTOGRAMS = [HISTOGRAMS.consumer.poll, HISTOGRAMS.consumer.endToEnd, HISTOGRAMS.consumer.commit] as const;
/**
 * The consumer keys summarized in `latency` (poll, end-to-end). The commit latency has its own section
 * (`consumer.commit`), present only when a group commits, so results of groups that never commit keep their shape.
 */
export const CONSUMER_LATENCIES = [HISTOGRAMS.consumer.poll, HISTOGRAMS.consumer.endToEnd] as const;
/** The keys a result, a phase or a sample may carry in `histograms`. */
export const RESULT_HISTOGRAMS = [...PRODUCER_HISTOGRAMS, ...CONSUMER_HISTOGRAMS] as const;

export type ProducerHistogram = (typeof PRODUCER_HISTOGRAMS)[number];
export type ConsumerHistogram = (typeof CONSUMER_HISTOGRAMS)[number];
export type ConsumerLatency = (typeof CONSUMER_LATENCIES)[number];
export type ResultHistogram = (typeof RESULT_HISTOGRAMS)[number];

/** The latency a key names in a summary (`'producer.response'` → `'response'`, as in `ProducerTotals.latency`). */
export type LatencyName<K extends string> = K extends `${string}.${infer N}` ? N : K;

/** Percentile summaries keyed by latency name: `{ response, service, scheduleLag }` for the producer's keys. */
export type LatencySummaries<K extends string> = { [P in K as LatencyName<P>]: LatencySummary };

/** Compressed base64 histograms keyed like `result.histograms`; a key that recorded nothing may be absent. */
export type EncodedHistograms<K extends string> = { [P in K]?: string };

/** Uncompressed encoded histograms (a worker's report to the main thread), keyed like EncodedHistograms. */
export type HistogramBytes<K extends string> = { [P in K]?: Uint8Array };

export function latencyName<K extends string>(key: K): LatencyName<K> {
  return key.slice(key.indexOf('.') + 1) as LatencyName<K>;
}

/** Summaries of nothing measured, for the given keys. */
export function emptySummaries<K extends string>(keys: readonly K[]): LatencySummaries<K> {
  const out: Record<string, LatencySummary> = {};
  for (const k of keys) out[latencyName(k)] = emptyLatencySummary();
  return out as LatencySummaries<K>;
}

/** One HDR histogram per key (microsecond values, WASM when initialised). Call `destroy()` when done. */
export class HistogramSet<K extends string> {
  private readonly byKey = new Map<K, Histogram>();

  constructor(readonly keys: readonly K[]) {
    for (const k of keys) this.byKey.set(k, createHistogram());
  }

  /** A set holding the exact union of encoded sets (shards, phases, worker reports); absent sets are skipped. */
  static decode<K extends string>(
    keys: readonly K[],
    encoded: ReadonlyArray<Readonly<Record<string, string | Uint8Array | undefined>> | undefined>,
  ): HistogramSet<K> {
    const set = new HistogramSet(keys);
    try {
      for (const e of encoded) set.addEncoded(e);
    } catch (err) {
      set.destroy();
      throw err;
    }
    return set;
  }

  /** Per-record tallies handed out by `tally()`: flushed into their histogram whenever it is looked up. */
  private readonly tallies = new Map<K, HistogramTally>();

  /**
   * The histogram of one key, holding every value recorded so far (its tally's included): hot paths keep this
   * reference to record into instead of looking the key up per value; reads go through here.
   */
  get(key: K): Histogram {
    const h = this.histogram(key);
    this.tallies.get(key)?.flush();
    return h;
  }

  /** One key's histogram as it is (its tally not flushed into it); an unknown key throws. */
  private histogram(key: K): Histogram {
    const h = this.byKey.get(key);
    if (!h) throw unknownKey(key, this.keys);
    return h;
  }

  /**
   * The per-record path into one key's histogram (metrics/tally.ts): values counted in a plain array and added
   * to the histogram when the set next reads, encodes, adds or summarizes it. One tally per key.
   */
  tally(key: K): HistogramTally {
    let t = this.tallies.get(key);
    if (!t) {
      t = new HistogramTally(this.get(key));
      this.tallies.set(key, t);
    }
    return t;
  }

  /** Records a duration in milliseconds under one key. */
  record(key: K, ms: number, count = 1): void {
    recordMs(this.get(key), ms, count);
  }

  /** Whether a key recorded anything. */
  has(key: K): boolean {
    return (this.tallies.get(key)?.counted ?? 0) > 0 || this.histogram(key).totalCount > 0;
  }

  /** Adds another set of the same keys, key by key, exactly. */
  add(other: HistogramSet<K>): void {
    for (const [k, h] of this.byKey) h.add(other.get(k));
  }

  /**
   * Adds encoded histograms exactly (a worker's report, a result's `histograms`). A key outside the set is
   * refused: it would otherwise be dropped without a word, and a result holding one was not written by this
   * version of loadhouse.
   */
  addEncoded(encoded: Readonly<Record<string, string | Uint8Array | undefined>> | undefined): void {
    if (!encoded) return;
    for (const key of Object.keys(encoded)) if (!this.byKey.has(key as K)) throw unknownKey(key, this.keys);
    for (const [k, h] of this.byKey) {
      const e = encoded[k];
      if (e !== undefined && e.length > 0) addEncoded(h, e);
    }
  }

  /** Encodes the given keys (default: those that recorded anything), keyed like `result.histograms`. */
  encode(keys: readonly K[] = this.keys.filter((k) => this.has(k))): EncodedHistograms<K> {
    const out: EncodedHistograms<K> = {};
    for (const k of keys) out[k] = encodeHistogram(this.get(k));
    return out;
  }

  /**
   * Like `encode`, uncompressed: for reports between threads. A key whose values all came through its tally is
   * encoded from the tally's counts (the same bytes, without adding them to the histogram first).
   */
  encodeBytes(keys: readonly K[] = this.keys.filter((k) => this.has(k))): HistogramBytes<K> {
    const out: HistogramBytes<K> = {};
    for (const k of keys) out[k] = this.tallies.get(k)?.encode() ?? encodeHistogramBytes(this.get(k));
    return out;
  }

  /** Percentiles of the given keys (default: all), keyed by latency name. */
  summarize<S extends K = K>(keys: readonly S[] = this.keys as readonly S[]): LatencySummaries<S> {
    const out: Record<string, LatencySummary> = {};
    for (const k of keys) out[latencyName(k)] = summarizeHistogram(this.get(k));
    return out as LatencySummaries<S>;
  }

  reset(): void {
    for (const t of this.tallies.values()) t.discard();
    for (const h of this.byKey.values()) h.reset();
  }

  /** Frees the histograms (WASM memory is not garbage-collected). */
  destroy(): void {
    for (const t of this.tallies.values()) t.discard();
    this.tallies.clear();
    for (const h of this.byKey.values()) h.destroy();
    this.byKey.clear();
  }
}

function unknownKey(key: string, keys: readonly string[]): LoadhouseError {
  return new LoadhouseError(
    'LH_RESULT_INVALID',
    `The histograms hold "${key}", which is not one of ${keys.join(', ')}: they were not written by this version of loadhouse ` +
      'or were edited. Use results written by this version, with their histograms as written.',
    { details: { key, known: [...keys] } },
  );
}
