// Public API of @loadhouse/core.
export { ERROR_CODES, LoadhouseError, isLoadhouseError } from './errors.js';
export type { ErrorCode } from './errors.js';

// Engine
export { createLoadTest } from './load-test.js';
export { definePlugin, SUPPORTED_PLUGIN_API_VERSIONS } from './plugins/plugin-host.js';
export { criterionFailed, evaluateCriteria, resolveMetric, isLiveByDefault, CONNECTION_ERROR_CODES } from './criteria.js';
export { formatInt, formatNumber, formatMs, formatBytes, formatSeconds, formatWithUnit, metricUnit, formatMetric } from './format.js';
export { PLUGIN_API_VERSION, RESULT_SCHEMA_VERSION } from './types.js';
export {
  checkMetadataValue,
  MAX_REQUEST_BYTES,
  SERVER_DEFAULT_REQUEST_BYTES,
  MAX_PRODUCE_RATE,
  TOPIC_NAME_RULE,
  isValidTopicName,
  batchRequestBytes,
  maxBatchSize,
  processExists,
} from './options.js';
export { MAX_TIMER_MS, MAX_TIMEOUT_SECONDS, longTimeout, longInterval, sleep } from './timers.js';

// Record header (consumers verify integrity and end-to-end latency from it)
export {
  RECORD_HEADER_SIZE,
  RECORD_HEADER_VERSION,
  RECORD_MAGIC,
  encodeRecordHeader,
  decodeRecordHeader,
  writeRecordHeader,
} from './record-header.js';
export type { RecordHeader } from './record-header.js';

// Histograms (exact merges, used by `loadhouse merge`)
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

// Public types
export type {
  AckModeName,
  TargetOptions,
  LoadTestOptions,
  PayloadKind,
  ProduceOptions,
  StartOffset,
  ConsumeOptions,
  ProducerGroup,
  ProducerMemberStats,
  ConsumerGroup,
  WaitCondition,
  Controller,
  Scenario,
  LatencySummary,
  ProducerStats,
  ConsumerStats,
  GeneratorHealth,
  TargetResources,
  Sample,
  CriterionOp,
  Criterion,
  CriterionOutcome,
  EndReason,
  ProducerTotals,
  ConsumerTotals,
  IntegrityExample,
  IntegrityReport,
  OutageReport,
  PhaseResult,
  ResultBase,
  LoadTestResult,
  MergeCheck,
  LogEntry,
  Logger,
  ErrorEvent,
  LoadhouseEvents,
  TestInfo,
  LoadhouseHooks,
  Unregister,
  HookRegistry,
  EventSubscriber,
  MetricSource,
  PluginContext,
  Teardown,
  LoadhousePlugin,
  LoadTest,
} from './types.js';

// StreamHouse wire contract and client
export * from './proto/messages.js';
export { codec, requestCodec, responseCodec, messageType, protoPath } from './proto/codec.js';
export type { MessageCodec, RequestOf, ResponseOf } from './proto/codec.js';
export { streamHouseServiceDefinition, STREAMHOUSE_SERVICE_NAME } from './proto/service.js';
export type { StreamHouseServiceDefinition } from './proto/service.js';
export { StreamHouseClient, defaultChannelOptions, statusName, isServiceError, grpc } from './proto/client.js';
export type { ClientOptions, TlsOptions, UnaryCallback } from './proto/client.js';
export { checkOutputDir, checkOutputFile, makeDir, writeOutput } from './result/writer.js';
export { resolveStartAt, START_AT_MAX_AHEAD_MS, START_AT_PAST_TOLERANCE_MS } from './start-at.js';
export { mergeResults, checkMergeable, checkCoverage, MAX_START_SKEW_PERCENT, OUT_OF_STEP_SLACK_SECONDS } from './result/merge.js';
export { checkResult, resultProblems, type ResultProblem } from './result/validate.js';
// biome-ignore format: one line per contract export keeps merges of this file simple
export type { IsoTime, RunResult, MergedResult, RunResultBase, MergedResultBase, MergedShard, ResultState, RunConfig, RunTargetConfig, ProducerGroupConfig, ConsumerGroupConfig, RunEnvironment, RunResources, MergedResources, GeneratorResources, TargetProcessResources, SteadyGrowth } from './types.js';
export type { MergeOptions } from './result/merge.js';
