// The HDR histogram primitives results are made of (microsecond values, encoded
// histograms that merge exactly), for tools that read or merge result files and for benchmarks.
export {
  initHistograms,
  createHistogram,
  recordMs,
  encodeHistogram,
  decodeHistogram,
  addEncoded,
  mergeEncodedHistograms,
  summarizeHistogram,
  summarizeEncoded,
  emptyLatencySummary,
} from './metrics/histogram.js';
export type { Histogram } from './metrics/histogram.js';
