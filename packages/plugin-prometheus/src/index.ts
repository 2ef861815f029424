// Public API of @loadhouse/plugin-prometheus.
export { prometheus, RESERVED_LABELS } from './plugin.js';
export type { PrometheusPlugin, PrometheusPluginOptions } from './plugin.js';
export { createExporter, DEFAULT_PORT, DEFAULT_HOST } from './exporter.js';
export type { Exporter, ExporterAddress, ExporterOptions } from './exporter.js';
export { normalizeHttpAddress, preflight } from './preflight.js';
export type { PreflightOptions, PreflightReport, CheckOutcome } from './preflight.js';
export { TARGET_METRICS, SCRAPE_MAX_BYTES } from './target-scraper.js';
export type { FetchLike } from './scrape-fetch.js';
export { parseMetricsText, selectSamples } from './parse.js';
export type { ParsedMetrics, MetricFamily, PromSample, MetricType, ParseError, ParseOptions } from './parse.js';
export { clientMetricNames } from './client-metrics.js';
export { CAPACITY_METRIC_NAMES } from './capacity-metrics.js';
export { DELIVERY_METRIC_NAMES } from './delivery-metrics.js';
export { GROUP_METRIC_NAMES } from './group-metrics.js';
export type { SampleExtensions } from './client-metrics.js';
export { LATENCY_BUCKETS_SECONDS } from './buckets.js';
