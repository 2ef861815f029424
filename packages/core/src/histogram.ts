// The HDR histogram primitives results are made of (microsecond values, encoded
// histograms that merge exactly), for tools that read or merge result files and for benchmarks.
export {
  initHistograms,
  createHistogram,
  recordMs,
  toMicros,
  encodeHistogram,
  encodeHistogramBytes,
  compressEncoded,
  decodeHistogram,
  addEncoded,
  mergeEncodedHistograms,
  summarizeHistogram,
  summarizeEncoded,
  emptyLatencySummary,
} from './metrics/histogram.js';
export type { Histogram } from './metrics/histogram.js';
export {
  HistogramSet,
  HISTOGRAMS,
  PRODUCER_HISTOGRAMS,
  CONSUMER_HISTOGRAMS,
  CONSUMER_LATENCIES,
  RESULT_HISTOGRAMS,
  latencyName,
  emptySummaries,
} from './metrics/histogram-set.js';
export type {
  ProducerHistogram,
  ConsumerHistogram,
  ConsumerLatency,
  ResultHistogram,
  LatencyName,
  LatencySummaries,
  EncodedHistograms,
  HistogramBytes,
} from './metrics/histogram-set.js';
