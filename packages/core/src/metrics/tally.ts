// Per-record latency values counted in a plain array laid out as the HDR histogram's own counts, and added to
// the histogram in one pass when it is read. A record is then an index computation and an increment instead of
// a call into the histogram's WebAssembly (about 20-25 ns a value on the load worker, twice per record sent).
// Exact: each value is counted in the bucket the histogram itself would put it in, and the pass adds each
// bucket's count at a value of that bucket, so counts, percentiles, mean and max come out as if every value had
// been recorded one by one (the histogram keeps no more than its buckets; summaries read max from them too).
//
// The layout is HdrHistogram's for the shape createHistogram() builds (lowest discernible value 1, 3 significant
// digits: 2048 sub-buckets, half of them per bucket after the first), for values below 2^31 µs (about 35 minutes),
// which 32-bit integer operations cover. Larger values go to the histogram directly.
import type { Histogram } from './histogram.js';

/** log2 of the sub-buckets in each bucket after the first (half of 2048, from 3 significant digits). */
const HALF_MAGNITUDE = 10;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
const SUB_BUCKET_MASK = (HALF_COUNT << 1) - 1;
/** Values from here on go to the histogram directly. */
export const TALLY_LIMIT = 2 ** 31;
/** Counts for every value below TALLY_LIMIT: bucket indexes 0..20, plus the first bucket's lower half. */
const LENGTH = (21 + 1) << HALF_MAGNITUDE;
/** createHistogram()'s precision. */
const SIGNIFICANT_DIGITS = 3;
/** Flushed before any count could leave the Int32 range. */
const MAX_PENDING = 2 ** 30;

/** The histogram's counts index of `v` (an integer in [0, TALLY_LIMIT)). */
export function tallyIndex(v: number): number {
  const bucket = 21 - Math.clz32(v | SUB_BUCKET_MASK);
  return ((bucket + 1) << HALF_MAGNITUDE) + (v >>> bucket) - HALF_COUNT;
}

/** The lowest value the histogram counts at index `i` (HdrHistogram's valueFromIndex). */
export function tallyValue(i: number): number {
  let bucket = (i >> HALF_MAGNITUDE) - 1;
  let sub = (i & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/**
 * Counts of microsecond values bound for one histogram of createHistogram()'s shape. `flush()` before the
 * histogram is read (HistogramSet does, for the tallies it hands out); `discard()` when it is reset.
 */
export class HistogramTally {
  private readonly counts = new Int32Array(LENGTH);
  private pending = 0;

  constructor(private readonly target: Histogram) {}

  /** Counts one value (whole microseconds, not negative). */
  record(us: number): void {
    if (us >= TALLY_LIMIT) {
      this.target.recordValue(us);
      return;
    }
    this.counts[tallyIndex(us)]!++;
    if (++this.pending >= MAX_PENDING) this.flush();
  }

  /**
   * A batch's elapsed times: counts `now - times[j]` (milliseconds, as the whole microseconds `toMicros` gives)
   * for the first `n` times, here when the time is at or after `warmupEnd`, in `warm` otherwise; returns how many
   * were counted here. The producers' per-record path: the conversion is `toMicros`'s arithmetic inline (a test
   * holds them equal) and the counts are local, so a value costs an index computation and an increment, and reads
   * no other module's binding (each such read is a getter call where a loader serves the modules as CommonJS, as
   * tsx's require hook does).
   */
  countSince(times: Float64Array, n: number, now: number, warmupEnd: number, warm: HistogramTally): number {
    const here = this.counts;
    const there = warm.counts;
    let measured = 0;
    // Values from TALLY_LIMIT on (over half an hour) go to the histograms directly and are not pending.
    let direct = 0;
    let directMeasured = 0;
    for (let j = 0; j < n; j++) {
      const t = times[j]!;
      const ms = now - t;
      const us = ms > 0 ? Math.round(ms * 1000) : 0;
      const isMeasured = t >= warmupEnd;
      if (isMeasured) measured++;
      if (us < TALLY_LIMIT) {
        if (isMeasured) here[tallyIndex(us)]!++;
        else there[tallyIndex(us)]!++;
      } else {
        (isMeasured ? this : warm).target.recordValue(us);
        direct++;
        if (isMeasured) directMeasured++;
      }
    }
    // Counted per batch: a count may pass MAX_PENDING by less than a batch before the flush, far inside Int32.
    this.pending += measured - directMeasured;
    warm.pending += n - measured - (direct - directMeasured);
    if (this.pending >= MAX_PENDING) this.flush();
    if (warm.pending >= MAX_PENDING) warm.flush();
    return measured;
  }

  /** Adds the counts to the histogram and clears them. */
  flush(): void {
    if (this.pending === 0) return;
    // A scan of every index (22,528) per flush: about as long as a few hundred records take, once a report.
    const c = this.counts;
    for (let i = 0; i < LENGTH; i++) {
      const n = c[i]!;
      if (n === 0) continue;
      c[i] = 0;
      this.target.recordValueWithCount(tallyValue(i), n);
    }
    this.pending = 0;
  }

  /** Values counted since the last flush or discard. */
  get counted(): number {
    return this.pending;
  }

  /**
   * The histogram's uncompressed V2 encoding (what `encodeHistogramBytes` gives) as if the counts had been
   * flushed into it, written straight from them: no call into the histogram per bucket. Only when the histogram
   * itself holds nothing (every value came through here); undefined otherwise. The counts stay (a flush or a
   * discard still follows).
   */
  encode(): Uint8Array | undefined {
    if (this.target.totalCount > 0) return undefined;
    return encodeCounts(this.counts, this.target.highestTrackableValue);
  }

  /** Forgets the counts (the histogram was reset). */
  discard(): void {
    if (this.pending === 0) return;
    this.counts.fill(0);
    this.pending = 0;
  }
}

// HdrHistogram's V2 encoding, uncompressed: a 40-byte big-endian header (cookie, payload length, normalizing
// index offset, significant digits, lowest discernible value, highest trackable value, integer-to-double ratio;
// the offset and the ratio written as hdr-histogram-js writes them, a 1 each), then the counts from index 0 to
// the last non-zero one as ZigZag LEB128 numbers: a count as itself, a run of zero counts as minus its length.
// Here every count is below 2^30 plus a batch and every run below LENGTH, so each ZigZag number fits 32 unsigned bits.
const V2_COOKIE = 0x1c849313;
const HEADER_BYTES = 40;
/** Room for the worst case: a 5-byte number per count. Shared by the thread's tallies (one encoding at a time). */
let scratch: Uint8Array | undefined;

function encodeCounts(counts: Int32Array, highestTrackableValue: number): Uint8Array {
  scratch ??= new Uint8Array(HEADER_BYTES + 5 * LENGTH);
  const out = scratch;
  let p = HEADER_BYTES;
  let zeros = 0;
  for (let i = 0; i < LENGTH; i++) {
    const n = counts[i]!;
    if (n === 0) {
      zeros++;
      continue;
    }
    if (zeros > 0) {
      // A single zero is written as a count of 0, a longer run as -run (ZigZag 2 * run - 1).
      p = leb128(out, p, zeros === 1 ? 0 : 2 * zeros - 1);
      zeros = 0;
    }
    p = leb128(out, p, 2 * n);
  }
  // No count at all: the encoders still write index 0's (a 0).
  if (p === HEADER_BYTES) out[p++] = 0;
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  view.setInt32(0, V2_COOKIE);
  view.setInt32(4, p - HEADER_BYTES);
  view.setInt32(8, 1);
  view.setInt32(12, SIGNIFICANT_DIGITS);
  view.setBigInt64(16, 1n);
  view.setBigInt64(24, BigInt(highestTrackableValue));
  view.setBigInt64(32, 1n);
  return out.slice(0, p);
}

/** Writes `v` (below 2^32) as LEB128 at `p`; returns the position after it. */
function leb128(out: Uint8Array, p: number, v: number): number {
  let x = v >>> 0;
  while (x >= 0x80) {
    out[p++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  out[p++] = x;
  return p;
}
