// What `compareResults` compares: for each metric, the whole-run figure (from the run's exact histograms and
// totals) that the change is measured on, the per-window values the significance test ranks, which direction is
// worse, and the smallest absolute change that can matter (below it a relative change is noise of the clock or
// of rounding, e.g. 10% of a 0.2 ms latency).
import type { LatencySummary, LoadTestResult, Sample } from '../types.js';

/** The unit of a compared metric's figures. */
export type CompareUnit = 'ms' | 'msgs/s' | '%' | 'bytes';

export interface CompareMetric {
  metric: string;
  label: string;
  unit: CompareUnit;
  /** Which way is a regression. */
  worse: 'higher' | 'lower';
  /** Smallest absolute change that counts, in the metric's unit. */
  minAbsolute: number;
  /** The whole-run figure; undefined when the run did not measure it. */
  whole: (r: LoadTestResult) => number | undefined;
  /** The window's value; undefined when the window measured nothing of it. */
  window: (s: Sample) => number | undefined;
}

// A percentile of fewer records than this says little about the window.
const MIN_RECORDS_PER_WINDOW = 5;
const PERCENTILES = ['p50', 'p95', 'p99', 'p999'] as const;

function latencyMetrics(
  prefix: string,
  label: string,
  whole: (r: LoadTestResult) => LatencySummary,
  window: (s: Sample) => LatencySummary,
  percentiles: ReadonlyArray<(typeof PERCENTILES)[number]>,
): CompareMetric[] {
  return percentiles.map((p) => ({
    metric: `${prefix}.${p}`,
    label: `${label} ${p.replace('p999', 'p99.9')}`,
    unit: 'ms',
    worse: 'higher',
    // Below a millisecond, scheduling and timer noise dominate whatever changed.
    minAbsolute: 1,
    whole: (r) => (whole(r).count > 0 ? whole(r)[p] : undefined),
    window: (s) => (window(s).count >= MIN_RECORDS_PER_WINDOW ? window(s)[p] : undefined),
  }));
}

/** Every metric a comparison looks at, in the order of its table. */
export const COMPARE_METRICS: readonly CompareMetric[] = [
  {
    metric: 'producer.msgsPerSec',
    label: 'Produce rate achieved',
    unit: 'msgs/s',
    worse: 'lower',
    minAbsolute: 1,
    whole: (r) => (r.producer.scheduled > 0 ? r.producer.msgsPerSec : undefined),
    // Only windows in which producers were asked to send: a drain window's rate is not the run's.
    window: (s) => (s.producer.targetRate > 0 ? s.producer.msgsPerSec : undefined),
  },
  {
    metric: 'producer.errorRatePercent',
    label: 'Produce errors',
    unit: '%',
    worse: 'higher',
    // A tenth of a percentage point: one failed record in a thousand.
    minAbsolute: 0.1,
    whole: (r) => (r.producer.scheduled > 0 ? r.producer.errorRatePercent : undefined),
    window: (s) => (s.producer.scheduled > 0 ? (100 * s.producer.failed) / s.producer.scheduled : undefined),
  },
  ...latencyMetrics(
    'producer.latency.response',
    'Response latency',
    (r) => r.producer.latency.response,
    (s) => s.producer.latency.response,
    PERCENTILES,
  ),
  ...latencyMetrics(
    'producer.latency.service',
    'Service latency',
    (r) => r.producer.latency.service,
    (s) => s.producer.latency.service,
    ['p50', 'p99'],
  ),
  {
    metric: 'consumer.msgsPerSec',
    label: 'Consume rate',
    unit: 'msgs/s',
    worse: 'lower',
    minAbsolute: 1,
    whole: (r) => (r.consumer.polls > 0 ? r.consumer.msgsPerSec : undefined),
    window: (s) => (s.consumer.polls > 0 ? s.consumer.msgsPerSec : undefined),
  },
  ...latencyMetrics(
    'consumer.latency.endToEnd',
    'End-to-end latency',
    (r) => r.consumer.latency.endToEnd,
    (s) => s.consumer.latency.endToEnd,
    PERCENTILES,
  ),
  {
    metric: 'target.rssBytes',
    label: 'Target memory (max)',
    unit: 'bytes',
    worse: 'higher',
    // 16 MiB: a heap resize, not a leak.
    minAbsolute: 16 * 1024 * 1024,
    whole: (r) => {
      const values = measuredWindows(r).flatMap((s) => (s.target.rssBytes === undefined ? [] : [s.target.rssBytes]));
      return values.length > 0 ? Math.max(...values) : undefined;
    },
    window: (s) => s.target.rssBytes,
  },
];

/**
 * The windows a comparison ranks: after warm-up, and at least half as long as the run's interval (the first
 * window after warm-up and the last one are often short, and a rate over a sliver of a second is noise).
 */
export function measuredWindows(r: LoadTestResult): Sample[] {
  const interval = r.config.intervalMs / 1000;
  return r.series.filter((s) => !s.warmup && s.intervalSeconds >= interval / 2);
}
