// Per-operation latency in HDR histograms (microseconds, 3 significant digits): one for the whole run,
// one for the values recorded since the last sample.
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export type S3Operation = 'put' | 'get' | 'head' | 'delete' | 'list';

export const OPERATIONS: readonly S3Operation[] = ['put', 'get', 'head', 'delete', 'list'];

/** Percentiles in milliseconds (floats, microsecond precision). */
export interface OperationLatency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  count: number;
}

const HOUR_US = 3_600_000_000;

function newHistogram(): Histogram {
  // JS mode: the probe records a handful of values per second, so WASM's speed buys nothing.
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HOUR_US, numberOfSignificantValueDigits: 3 });
}

export function summarizeHistogram(h: Histogram): OperationLatency {
  if (h.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0, count: 0 };
  // HDR percentiles are the top of their bucket; never report one above the true maximum.
  const at = (p: number) => Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000;
  return { p50: at(50), p95: at(95), p99: at(99), max: h.maxValue / 1000, mean: h.mean / 1000, count: h.totalCount };
}

export class LatencyRecorder {
  private readonly total = new Map<S3Operation, Histogram>();
  private readonly recent = new Map<S3Operation, Histogram>();

  constructor() {
    for (const op of OPERATIONS) {
      this.total.set(op, newHistogram());
      this.recent.set(op, newHistogram());
    }
  }

  /** Records one successful request, its duration in milliseconds (from performance.now()). */
  record(op: S3Operation, ms: number): void {
    const us = Math.min(HOUR_US, Math.max(1, Math.round(ms * 1000)));
    this.total.get(op)!.recordValue(us);
    this.recent.get(op)!.recordValue(us);
  }

  summary(op: S3Operation): OperationLatency {
    return summarizeHistogram(this.total.get(op)!);
  }

  /** The values since the previous call, or null when there were none; then starts a new window. */
  takeRecent(op: S3Operation): OperationLatency | null {
    const h = this.recent.get(op)!;
    if (h.totalCount === 0) return null;
    const s = summarizeHistogram(h);
    h.reset();
    return s;
  }

  /** Whole-run histograms, compressed base64 (exact under merge with other HDR histograms). */
  encoded(): Record<S3Operation, string> {
    const out = {} as Record<S3Operation, string>;
    for (const op of OPERATIONS) out[op] = encodeIntoCompressedBase64(this.total.get(op)!);
    return out;
  }
}
