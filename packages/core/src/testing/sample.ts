// Samples as the engine emits them, built from a few figures, for tests of plugins, summaries and reports.
import type { LatencySummary, Sample } from '../types.js';

/** A latency summary with plausible percentiles between `p50` and `p99` (milliseconds). */
export function latencySummary(p50: number, p99: number, count: number): LatencySummary {
  return { p50, p95: p50 + (p99 - p50) * 0.8, p99, p999: p99 * 1.2, max: p99 * 1.5, mean: p50 * 1.1, count };
}

/** The figures of a one-second sample window; every other field is derived from them. */
export interface SampleInput {
  elapsedSeconds?: number;
  phase?: string;
  warmup?: boolean;
  /** Records acknowledged in the window (also its rate and target rate): 2000 by default. */
  acked?: number;
  consumed?: number;
  /** Producer response and service latency percentiles (ms): 2 and 8 by default. */
  p50Ms?: number;
  p99Ms?: number;
  batchSize?: number;
  lag?: number;
  /** Failed records by gRPC status name: they add to `failed`, `sent` and `scheduled`. */
  errorsByCode?: Record<string, number>;
  dropped?: number;
  saturated?: boolean;
  workers?: number;
  metrics?: Record<string, number>;
}

/** A sample as the engine emits it for one interval, from the figures given (see SampleInput). */
export function makeSample(input: SampleInput = {}): Sample {
  const acked = input.acked ?? 2000;
  const consumed = input.consumed ?? 0;
  const batch = input.batchSize ?? 100;
  const failed = Object.values(input.errorsByCode ?? {}).reduce((a, b) => a + b, 0);
  return {
    elapsedSeconds: input.elapsedSeconds ?? 1,
    intervalSeconds: 1,
    phase: input.phase ?? 'main',
    warmup: input.warmup ?? false,
    producer: {
      scheduled: acked + failed,
      sent: acked + failed,
      acked,
      failed,
      dropped: input.dropped ?? 0,
      bytes: acked * 1024,
      batches: Math.ceil(acked / batch),
      msgsPerSec: acked,
      mbPerSec: (acked * 1024) / 1e6,
      targetRate: acked,
      errorsByCode: input.errorsByCode ?? {},
      latency: {
        response: latencySummary(input.p50Ms ?? 2, input.p99Ms ?? 8, acked),
        service: latencySummary(input.p50Ms ?? 2, input.p99Ms ?? 8, acked),
        scheduleLag: latencySummary(0.01, 0.1, acked),
      },
      meanBatchSize: batch,
      inFlightBatches: 2,
      backlog: 0,
    },
    consumer: {
      consumed,
      bytes: consumed * 1024,
      msgsPerSec: consumed,
      mbPerSec: (consumed * 1024) / 1e6,
      polls: consumed > 0 ? 10 : 0,
      emptyPolls: 0,
      errorsByCode: {},
      lag: input.lag ?? 0,
      lagByPartition: {},
      latency: { poll: latencySummary(1, 4, consumed > 0 ? 10 : 0), endToEnd: latencySummary(20, 60, consumed) },
    },
    generator: {
      eventLoopDelayMs: { main: 3, workersMax: 12 },
      workerUtilizationMax: 0.4,
      workers: input.workers ?? 2,
      cpuPercent: 80,
      rssBytes: 100e6,
      heapUsedBytes: 50e6,
      saturated: input.saturated ?? false,
      reasons: [],
    },
    target: {},
    metrics: input.metrics ?? {},
    totals: { scheduled: 0, sent: 0, acked: 0, failed: 0, dropped: 0, consumed: 0 },
  };
}
