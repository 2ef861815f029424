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

// Capacity search (docs/capacity.md)
export { findCapacity, capacityScenario, CAPACITY_FOUND, type CapacityOptions } from './capacity/scenario.js';
export { parseCriteria, defaultSlo } from './capacity/slo.js';
export type { CapacityBound, CapacityReport, CapacityStep } from './types.js';
// Traffic shape: rate profiles (docs/workload-traffic.md)
export {
  parseRateProfile,
  profileRecords,
  segmentMeanRate,
  segmentTargetRate,
  type RateProfile,
  type RateSegment,
  type RateSegmentKind,
} from './rate-profile.js';
export { playRateProfile, profileStartRate, RAMP_STEP_MS } from './run/rate-profile-player.js';

// Many topics (docs/workload-topics.md)
export type { TopicTotals, TopicProducerTotals, TopicConsumerTotals } from './types.js';
export { DEFAULT_TOPIC_PATTERN, MAX_TOPICS, topicNames, type TopicOptionNames } from './topics.js';
// Fault proxy (docs/faults.md)
export { startFaultProxy, checkFaultProxyOptions, type FaultProxy, type FaultProxyOptions, type FaultEvent } from './proxy/fault-proxy.js';
export { parseFaultTimeline, describeFault, FAULT_KINDS } from './proxy/timeline.js';
export { runFaults as checkRunFaults } from './run/faults.js';

// Workload shape: keys, the Kafka partitioner, sizes (docs/workload.md)
export { murmur2, keyPartition } from './workload/murmur2.js';
export { parseKeys, formatKeys, keyText, MAX_KEYS, type KeyDistribution } from './workload/keys.js';
export { parseSizes, formatSizes, maxSize, MAX_DRAWN_SIZE, type SizeDistribution } from './workload/sizes.js';

// Public types
export type {
  AckModeName,
  TargetOptions,
  SaslCredentials,
  LoadTestOptions,
  PayloadKind,
  KeyRouting,
  PartitionBalance,
  PartitionsReport,
  ArrivalsKind,
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
  DeliveryOptions,
  TransactionOptions,
  DeliveryConfig,
  IdempotenceReport,
  TransactionsReport,
  DeliveryLatency,
  CountedLatency,
  ConsumerTotals,
  IntegrityExample,
  IntegrityReport,
  OutageReport,
  FaultKind,
  FaultSpec,
  FaultReport,
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
  ProducerIdentity,
} from './driver/types.js';
export type { DriverOption } from './driver/load.js';
export { checkProtocol, PROTOCOLS } from './driver/builtin.js';
export type { ProtocolName } from './driver/builtin.js';
// Result files and shards
export { checkOutputDir, checkOutputFile, writeOutput } from './result/writer.js';
export { resolveStartAt } from './start-at.js';
export { mergeResults } from './result/merge.js';
export { diagnose, DIAGNOSIS_RULES } from './diagnosis/index.js';
export type { DiagnosisRule, Finding, Facts, Symptom } from './diagnosis/index.js';
export { MAX_START_SKEW_PERCENT, OUT_OF_STEP_SLACK_SECONDS } from './result/merge-check.js';
export { checkResult, resultProblems, type ResultProblem } from './result/validate.js';
// Regression gate
export { compareResults, DEFAULT_COMPARE_ALPHA, DEFAULT_COMPARE_THRESHOLD_PERCENT } from './compare/compare.js';
export type { CompareOptions, Comparison, ComparedRun, MetricComparison } from './compare/compare.js';
export type { CompareUnit } from './compare/metrics.js';
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
  Diagnosis,
  DiagnosisCause,
  DiagnosisConfidence,
  DiagnosisEvidence,
} from './types.js';
export type { MergeOptions } from './result/merge.js';
