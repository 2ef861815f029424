// The SDK a load test, a plugin or the CLI is written against: createLoadTest, the result and plugin types,
// errors, criteria, formatting and timers. The wire contract, the histogram primitives and the test fixtures
// have entry points of their own; docs/api.md lists all four (`pnpm docs:api`).
export { ERROR_CODES, LoadhouseError, isLoadhouseError, registerErrorCodes, type ErrorCode, type ErrorCodes } from './errors.js';

// Engine
export { createLoadTest } from './load-test.js';
export { definePlugin, SUPPORTED_PLUGIN_API_VERSIONS } from './plugins/plugin-host.js';
export { criterionFailed, evaluateCriteria, resolveMetric, CONNECTION_ERROR_CODES } from './criteria.js';
export { formatInt, formatNumber, formatMs, formatBytes, formatSeconds, formatWithUnit, metricUnit, formatMetric } from './format.js';
export { PLUGIN_API_VERSION, RESULT_SCHEMA_VERSION } from './types.js';
export {
  MAX_REQUEST_BYTES,
  SERVER_DEFAULT_REQUEST_BYTES,
  MAX_PRODUCE_RATE,
  TOPIC_NAME_RULE,
  isValidTopicName,
  batchRequestBytes,
  maxBatchSize,
} from './options.js';
export { MAX_TIMER_MS, MAX_TIMEOUT_SECONDS, sleep } from './timers.js';
export { checkMetadataValue, processExists } from './options-rules.js';
export { orTimeout, splitHostPort } from './util.js';

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
  ConsumerCounts,
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
  PluginEvents,
  MetricSource,
  PluginContext,
  Teardown,
  LoadhousePlugin,
  LoadTest,
} from './types.js';

// Target drivers (docs/drivers.md)
export { defineDriver, DRIVER_API_VERSION } from './driver/types.js';
export type {
  ConnectOptions,
  Driver,
  DriverDefinition,
  DriverFailure,
  DriverTarget,
  FetchCallback,
  FetchedBatch,
  FetchedRecord,
  FetchRequest,
  OffsetCommit,
  PendingCall,
  ProduceBatch,
  ProduceCallback,
} from './driver/types.js';
export type { DriverOption } from './driver/load.js';
export { checkProtocol, PROTOCOLS } from './driver/builtin.js';
export type { ProtocolName } from './driver/builtin.js';
// Result files and shards
export { checkOutputDir, checkOutputFile, writeOutput } from './result/writer.js';
export { resolveStartAt } from './start-at.js';
export { mergeResults } from './result/merge.js';
export { MAX_START_SKEW_PERCENT, OUT_OF_STEP_SLACK_SECONDS } from './result/merge-check.js';
export { checkResult, resultProblems, type ResultProblem } from './result/validate.js';
export type {
  IsoTime,
  RunResult,
  MergedResult,
  RunResultBase,
  MergedResultBase,
  MergedShard,
  ResultState,
  RunConfig,
  RunTargetConfig,
  ProducerGroupConfig,
  ConsumerGroupConfig,
  RunEnvironment,
  RunResources,
  MergedResources,
  GeneratorResources,
  TargetProcessResources,
  SteadyGrowth,
} from './types.js';
export type { MergeOptions } from './result/merge.js';
