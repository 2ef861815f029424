// Public API of @loadhouse/plugin-s3-probe.
export { S3_PROBE_ERROR_CODES } from './errors.js';
export { s3Probe } from './plugin.js';
export type { S3ProbePlugin, S3ProbeReport } from './plugin.js';
export { checkBucket } from './preflight.js';
export type { BucketCheck } from './preflight.js';
export { formatS3Summary } from './summary.js';
export { S3_METRICS } from './metrics.js';
export { parseSegmentKey } from './inventory.js';
export type { Growth, Inventory, PartitionInventory, SegmentKey } from './inventory.js';
export { PROBE_PREFIX, segmentPrefixFor } from './options.js';
export type { S3Credentials, S3ProbeConfig, S3ProbeOptions } from './options.js';
export type { ClassifiedError, S3ErrorKind } from './classify.js';
export type { OperationLatency, S3Operation } from './latency.js';
export type { ErrorCounts } from './tally.js';
