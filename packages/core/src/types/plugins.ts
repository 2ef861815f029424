// Events, hooks and plugins, and the LoadTest handle that runs a scenario.
import type { Criterion, CriterionOutcome } from './criteria.js';
import type { TargetOptions } from './options.js';
import type { PhaseResult, RunResult } from './result.js';
import type { Sample } from './samples.js';
import type { Scenario } from './scenario.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  plugin?: string;
  time: string;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ErrorEvent {
  code: string;
  message: string;
  /** The plugin a caught error is attributed to. */
  plugin?: string;
  cause?: unknown;
}

/** Events: synchronous, fire-and-forget. Third parties add keys by declaration merging. */
export interface LoadhouseEvents {
  sample: (sample: Sample) => void;
  error: (error: ErrorEvent) => void;
  criterion: (outcome: CriterionOutcome & { live: boolean; elapsedSeconds: number }) => void;
  log: (entry: LogEntry) => void;
}

export interface TestInfo {
  scenario: string;
  topic: string;
  config: Readonly<Record<string, unknown>>;
  target: Readonly<TargetOptions>;
}

/** Lifecycle hooks: awaited in registration order. Third parties add keys by declaration merging. */
export interface LoadhouseHooks {
  'test:before': (info: TestInfo) => void | Promise<void>;
  'phase:start': (phase: { name: string; elapsedSeconds: number }) => void | Promise<void>;
  'phase:end': (phase: PhaseResult) => void | Promise<void>;
  'test:after': (result: RunResult) => void | Promise<void>;
}

export type Unregister = () => void;

export interface HookRegistry {
  hook<K extends keyof LoadhouseHooks>(name: K, fn: LoadhouseHooks[K]): Unregister;
}

export interface EventSubscriber {
  on<K extends keyof LoadhouseEvents>(event: K, listener: LoadhouseEvents[K]): Unregister;
}

/** The events a plugin sees: it subscribes to any, and emits its own (declared by declaration merging). */
export interface PluginEvents extends EventSubscriber {
  /**
   * Emits an event a plugin declared on `LoadhouseEvents`. The engine's own events (`sample`, `error`,
   * `criterion`, `log`) cannot be emitted by plugins: that throws LH_PLUGIN_FAILED.
   */
  emit<K extends Exclude<keyof LoadhouseEvents, 'sample' | 'error' | 'criterion' | 'log'>>(
    event: K,
    ...args: Parameters<LoadhouseEvents[K]>
  ): void;
}

/** Named values a plugin contributes to every sample and to criteria (e.g. `target.cacheHitRate`). */
export interface MetricSource {
  name: string;
  /** Called once per interval; returns values keyed by metric name. May be async; a slow source is skipped for that interval. */
  collect(): Record<string, number> | Promise<Record<string, number>>;
  /** Final values for `result.metrics` (default: the last collected values). */
  summarize?(): Record<string, number> | Promise<Record<string, number>>;
  /**
   * Called after summarize(): why some final values do not cover the whole run (e.g. failed scrapes), by
   * metric name. They land in `result.metricNotes`; a criterion on a noted metric does not pass.
   */
  notes?(): Record<string, string>;
  /** How long one collect() may take before it is skipped for the interval (default: half the interval, at most 1000 ms). */
  timeoutMs?: number;
}

export interface PluginContext {
  hooks: HookRegistry;
  events: PluginEvents;
  /** The resolved run configuration, read-only. */
  config: Readonly<Record<string, unknown>>;
  addCriterion(criterion: Criterion): void;
  addMetricSource(source: MetricSource): void;
  logger: Logger;
  /** Aborted when the run ends or is aborted. */
  signal: AbortSignal;
}

export type Teardown = () => void | Promise<void>;

export const PLUGIN_API_VERSION = 1;

export interface LoadhousePlugin {
  name: string;
  apiVersion: number;
  // biome-ignore lint/suspicious/noConfusingVoidType: a plugin's setup may return nothing, sync or async
  setup(ctx: PluginContext): void | Teardown | Promise<void | Teardown>;
}

/** The handle `createLoadTest()` returns. */
export interface LoadTest {
  run(scenario: Scenario): Promise<RunResult>;
  /** Stops the running scenario; `run` resolves with a partial `aborted` result. */
  stop(reason?: string): void;
  /**
   * Writes the result as it stands to its file now, without waiting for the drain (for a process about to exit,
   * as on a second Ctrl-C); `note` is added to its `endMessage`. Resolves with the file's path, or undefined when
   * there is no file to write (`resultsDir: false`, or the run has not reached it).
   */
  writePartial(note?: string): Promise<string | undefined>;
  on<K extends keyof LoadhouseEvents>(event: K, listener: LoadhouseEvents[K]): Unregister;
  /** Live samples as an async iterator; ends when the run ends. */
  samples(): AsyncIterableIterator<Sample>;
}
