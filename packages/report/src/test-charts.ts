// The report's charts for the full result fixture of @loadhouse/core/testing (makeResult()).

/** Every chart the full fixture has data for, in page order. */
export const FULL_FIXTURE_CHARTS = [
  'throughput',
  'latency-response',
  'latency-service',
  'latency-distribution',
  'consumer-lag',
  'consumer-latency',
  'consumer-latency-distribution',
  'memory',
  'cpu',
  'metrics-latency',
  'metrics-percent',
  'metrics-rate',
  'metrics-bytes',
  'metrics-count',
];
