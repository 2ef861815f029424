// One run of a scenario: pre-flight (plugins, target, hooks), the controller the scenario drives, the
// sampler that merges worker reports into samples, live criteria, checkpoints, and the ending that always
// drains, evaluates and writes a result, whatever ended the run.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluateCriteria, LiveCriteria } from './criteria.js';
import { LoadhouseError, type ErrorCode } from './errors.js';
import {
  Aggregator,
  consumerTotals,
  destroyConsumerHistograms,
  destroyLatencyHistograms,
  encodeNonEmpty,
  producerTotals,
  type PhaseAccumulator,
} from './metrics/aggregator.js';
import { GeneratorMonitor, SATURATION_LOOP_DELAY_MS, saturationReasons } from './metrics/generator-monitor.js';
import { OutageDetector, OutageLog } from './metrics/outages.js';
import { analyzeStability } from './monitor/analysis.js';
import { ProcessMonitor } from './monitor/process-stats.js';
import { initHistograms } from './metrics/histogram.js';
import { RateTracker } from './metrics/rate-tracker.js';
import {
  ACK_MODES,
  resolveConsumeOptions,
  resolveProduceOptions,
  SERVER_DEFAULT_REQUEST_BYTES,
  validateCriteria,
  validateCriterion,
  type ResolvedOptions,
} from './options.js';
import { HookRefusal, type EventBus } from './plugins/event-bus.js';
import { MetricSources } from './plugins/metric-sources.js';
import { pluginError, PluginHost } from './plugins/plugin-host.js';
import { ConsumerPool } from './pools/consumer-pool.js';
import { ProducerPool } from './pools/producer-pool.js';
import { WorkerPool } from './pools/worker-pool.js';
import type { StreamHouseClient } from './proto/client.js';
import { emptyConsumerTotals, emptyIntegrity } from './result/empty.js';
import { environment } from './result/environment.js';
import { checkOutputDir, resultFileName, writeFailed, writeJsonAtomic, writeOutput } from './result/writer.js';
import { SeriesBuffer } from './result/series-buffer.js';
import { waitUntil } from './start-at.js';
import { connectTarget, ensureTopic } from './target.js';
import { createTelemetry, type RunTelemetry } from './telemetry.js';
import { longInterval, longTimeout, sleep } from './timers.js';
import type {
  ConsumeOptions,
  ConsumerGroup,
  Controller,
  Criterion,
  EndReason,
  ErrorEvent,
  GeneratorHealth,
  IntegrityReport,
  LoadTestResult,
  Logger,
  LogEntry,
  PhaseResult,
  ProduceOptions,
  ProducerGroup,
  ConsumerGroupConfig,
  ProducerGroupConfig,
  ResultBase,
  RunConfig,
  RunResources,
  RunResult,
  RunResultBase,
  Sample,
  Scenario,
  TargetResources,
  WaitCondition,
} from './types.js';
import { RESULT_SCHEMA_VERSION } from './types.js';

const now = (): number => performance.timeOrigin + performance.now();
const MAX_ERRORS = 200;
/** How much earlier than this shard's start another shard of the same run may have stamped records. */
const SHARD_CLOCK_SLACK_MS = 10 * 60_000;
/** The topic's set-up on the target: failing before any load, it rejects run() instead of ending it as failed. */
const SETUP_CODES: ReadonlySet<ErrorCode> = new Set(['LH_TOPIC_MISMATCH', 'LH_TOPIC_SETUP_FAILED']);

interface Ending {
  state: LoadTestResult['state'];
  endReason: EndReason;
  message: string;
  error?: { code: string; message: string };
}

export interface SampleSink {
  push(sample: Sample): void;
  end(): void;
}

export class Run {
  private readonly abort = new AbortController();
  private ending: Ending | undefined;
  private resolveEnd!: () => void;
  private readonly ended = new Promise<void>((r) => (this.resolveEnd = r));
  private readonly topic: string;
  private readonly criteria: Criterion[];
  private readonly errors: ResultBase['errors'] = [];
  /** Samples kept for the result: full resolution for two hours of 1 s intervals, then thinned evenly. */
  private readonly seriesBuffer = new SeriesBuffer<Sample>(7200);
  private get series(): Sample[] {
    return this.seriesBuffer.toArray();
  }
  /** Largest consumer lag seen after warm-up, over every sample (the kept series may be thinned). */
  private lagMaxMeasured = 0;
  private readonly phases: PhaseResult[] = [];
  private readonly openPhases: Array<{ acc: PhaseAccumulator; closed: boolean; elapsed: number }> = [];
  private readonly scenarioResults: Record<string, unknown> = {};
  private readonly producerGroups: ProducerGroupConfig[] = [];
  private readonly consumerGroups: ConsumerGroupConfig[] = [];
  private idleConsumers = 0;
  /** Created once WASM histograms are initialised in this thread (their modes must match to merge). */
  private aggregator!: Aggregator;
  private readonly rates = new RateTracker(now);
  /** 1 per running consumer group: the time consumers ran, for consumer msgsPerSec. */
  private readonly consumeActivity = new RateTracker(now);
  private readonly monitor = new GeneratorMonitor();
  private readonly targetMonitor: ProcessMonitor | undefined;
  private readonly metricSources: MetricSources;
  private readonly live: LiveCriteria;
  private readonly plugins: PluginHost;
  private readonly config: RunConfig;
  private readonly logger: Logger;
  private telemetry: RunTelemetry | undefined;
  private client: StreamHouseClient | undefined;
  private workerPool: WorkerPool | undefined;
  private producers: ProducerPool | undefined;
  private consumers: ConsumerPool | undefined;
  private topicCount: Promise<number> | undefined;
  /** Set when the run's set-up failed before any load: run() rejects with it and writes no result. */
  private setupFailure: LoadhouseError | undefined;
  private startedAt = new Date();
  private startEpoch = now();
  private warmupEndEpoch: number | undefined;
  private lastCut = 0;
  private sampling: Promise<void> = Promise.resolve();
  private sampleTimer: NodeJS.Timeout | undefined;
  private sampleIndex = 0;
  private cancelWarmupTimer: (() => void) | undefined;
  private cancelCheckpoints: (() => void) | undefined;
  private checkpointing: Promise<void> = Promise.resolve();
  private lastAckOrStart: number | undefined;
  private lingerMax = 0;
  private latest: Sample | undefined;
  private readonly waiters = new Set<(s: Sample) => void>();
  private readonly outageDetector = new OutageDetector();
  private readonly outages = new OutageLog();
  /** Since an outage window, until a window is on schedule again: the producers' lateness is the target's. */
  private catchingUp = false;
  private saturatedWindows = 0;
  private totalWindows = 0;
  /** Saturation reasons by kind (numbers stripped): the worst example seen and how many windows had it. */
  private readonly warnings = new Map<string, { text: string; windows: number; worst: number }>();
  private maxLoopMain = 0;
  private maxLoopWorkers = 0;
  private maxCpu = 0;
  private finalMetrics: Record<string, number> = {};
  private finalNotes: Record<string, string> = {};
  private resultPath: string | undefined;
  private loadStarted = false;
  /** The final result's write, once finish() began it: writePartial() then leaves the file to it. */
  private finalWrite: Promise<void> | undefined;
  /** Why the final write failed, if it did: writePartial() must not report that file as written. */
  private finalWriteError: LoadhouseError | undefined;
  private readonly environment = environment();

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly scenario: Scenario,
    private readonly bus: EventBus,
    private readonly sinks: Set<SampleSink>,
  ) {
    this.topic = opts.topic ?? `loadhouse-${scenario.name.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    this.criteria = [...validateCriteria('scenario.criteria', scenario.criteria ?? []), ...opts.criteria];
    this.logger = this.makeLogger(undefined);
    this.metricSources = new MetricSources((owner, where, err) => this.pluginFailure(owner, where, err));
    this.live = new LiveCriteria(() => this.criteria);
    this.targetMonitor = opts.target.pid !== undefined ? new ProcessMonitor(opts.target.pid) : undefined;
    this.config = this.buildConfig();
    this.plugins = new PluginHost({
      bus,
      config: deepFreeze(structuredClone(this.config)),
      signal: this.abort.signal,
      logger: (name) => this.makeLogger(name),
      addCriterion: (c) => this.criteria.push(validateCriterion('addCriterion(criterion)', c)),
      addMetricSource: (s, owner) => this.metricSources.add(s, owner),
      onFailure: (owner, where, err) => this.pluginFailure(owner, where, err),
    });
  }

  // -------------------------------------------------------------------------------------------
  // Errors and logs

  private makeLogger(owner: string | undefined): Logger {
    const log = (level: LogEntry['level']) => (message: string) => {
      const entry: LogEntry = { level, message: owner ? `[${owner}] ${message}` : message, time: new Date().toISOString() };
      if (owner) entry.plugin = owner;
      this.bus.emit('log', entry);
      this.opts.logger?.[level](entry.message);
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  /** A listener, hook, metric source or teardown threw: report it against its plugin and carry on. */
  pluginFailure(owner: string | undefined, where: string, error: unknown, event?: string): void {
    const reason = error instanceof Error ? error.message : String(error);
    const message = owner ? `Plugin "${owner}" threw in ${where}: ${reason}` : `A listener threw in ${where}: ${reason}`;
    const e: ErrorEvent = { code: 'LH_PLUGIN_FAILED', message, cause: error };
    if (owner) e.plugin = owner;
    this.recordError(e);
    if (event !== 'error') this.bus.emit('error', e);
  }

  private recordError(e: ErrorEvent): void {
    if (this.errors.length >= MAX_ERRORS) return;
    const entry: ResultBase['errors'][number] = { code: e.code, message: e.message };
    if (e.plugin) entry.plugin = e.plugin;
    this.errors.push(entry);
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Ends the run (the first reason wins): the scenario's signal aborts and the ending sequence starts. */
  end(ending: Ending): void {
    if (this.ending) return;
    this.ending = ending;
    if (ending.error) {
      const e: ErrorEvent = { code: ending.error.code, message: ending.error.message };
      this.recordError(e);
      this.bus.emit('error', e);
    }
    this.abort.abort(new LoadhouseError('LH_RUN_ABORTED', ending.message));
    this.resolveEnd();
  }

  get isEnding(): boolean {
    return this.ending !== undefined;
  }

  async execute(): Promise<RunResult> {
    await initHistograms();
    this.aggregator = new Aggregator();
    const signal = this.opts.signal;
    // An abort during set-up (Ctrl-C while the target starts or connects) ends the run like one mid-run: an
    // aborted, partial result, written, that says nothing was sent; set-up stops at once.
    const onAbort = () =>
      this.end({
        state: 'aborted',
        endReason: 'signal',
        message: this.loadStarted
          ? 'The run was aborted by options.signal.'
          : 'The run was aborted by options.signal during set-up, before any load was sent.',
      });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.ending && this.opts.resultsDir !== false) await checkOutputDir(this.opts.resultsDir, 'options.resultsDir');
      else if (!this.ending) {
        await this.preflight();
        // Set up and connected first, so that only the wait stands between the start instant and the load.
        if (this.opts.startAt !== undefined) await waitUntil(this.opts.startAt, this.abort.signal, (m) => this.logger.info(m));
      }
    } catch (err) {
      if (!(this.ending?.endReason === 'signal' && err instanceof LoadhouseError && err.code === 'LH_RUN_ABORTED')) {
        signal?.removeEventListener('abort', onAbort);
        this.abort.abort();
        await this.plugins.teardown();
        this.client?.close();
        this.aggregator.destroy();
        throw err;
      }
    }
    this.start();
    if (!this.ending) {
      Promise.resolve()
        .then(() => this.scenario.run(this.controller()))
        .then(
          () => this.end({ state: 'completed', endReason: 'completed', message: 'The scenario finished.' }),
          (err: unknown) => {
            const code: ErrorCode = err instanceof LoadhouseError ? err.code : 'LH_SCENARIO_FAILED';
            const message = err instanceof Error ? err.message : String(err);
            // The topic refused before any producer or consumer started: nothing was measured, so this is a
            // set-up error like a failed pre-flight (run() rejects, no result file), not a run that failed.
            if (err instanceof LoadhouseError && SETUP_CODES.has(err.code) && !this.ending && !this.producers && !this.consumers) {
              this.setupFailure = err;
              this.end({ state: 'failed', endReason: 'error', message: `The set-up failed before any load: ${message}` });
              return;
            }
            this.end({
              state: 'failed',
              endReason: 'error',
              message: `The scenario failed: ${message}`,
              error: { code, message },
            });
          },
        );
    }
    await this.ended;
    try {
      const result = await this.finish();
      if (this.setupFailure) throw this.setupFailure;
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async preflight(): Promise<void> {
    if (this.opts.resultsDir !== false) await checkOutputDir(this.opts.resultsDir, 'options.resultsDir');
    await this.plugins.setup(this.opts.plugins);
    // A test:before hook may refuse the run (a failed pre-flight): its error ends it here, before any load.
    await this.bus
      .callGate('test:before', {
        scenario: this.scenario.name,
        topic: this.topic,
        config: deepFreeze(structuredClone(this.config)),
        target: Object.freeze({ ...this.opts.target, metadata: undefined, tls: undefined }),
      })
      .catch((err: unknown) => {
        throw err instanceof HookRefusal ? pluginError(err.owner, `refused the run in ${err.where}, before any load`, err.error) : err;
      });
    this.client = await untilAborted(connectTarget(this.opts.target, this.abort.signal), this.abort.signal, (c) => c.close());
    if (this.opts.resultsDir !== false) {
      this.resultPath = path.resolve(this.opts.resultsDir, resultFileName(this.scenario.name, this.startedAt, this.opts.shard));
    }
  }

  private start(): void {
    this.loadStarted = !this.ending;
    this.startedAt = new Date();
    this.startEpoch = now();
    this.lastCut = this.startEpoch;
    if (this.opts.resultsDir !== false) {
      this.resultPath = path.resolve(this.opts.resultsDir, resultFileName(this.scenario.name, this.startedAt, this.opts.shard));
    }
    this.monitor.start();
    void this.targetMonitor?.sample();
    this.telemetry = createTelemetry({ scenario: this.scenario.name, topic: this.topic });
    this.scheduleSample();
    if (this.opts.checkpointSeconds > 0 && this.resultPath) {
      this.cancelCheckpoints = longInterval(() => {
        this.checkpointing = this.checkpointing.then(() => this.writeCheckpoint());
      }, this.opts.checkpointSeconds * 1000);
    }
  }

  /**
   * The result as it stands, written at once without waiting for the drain and the rest of the ending (a process
   * about to exit: a second Ctrl-C). `note` is added to the end message. Resolves with the file's path, or
   * undefined when there is no file (resultsDir false, or set-up has not reached it); rejects with
   * LH_RESULT_WRITE_FAILED when the file could not be written.
   */
  async writePartial(note: string): Promise<string | undefined> {
    const finalOutcome = async () => {
      await this.finalWrite;
      if (this.finalWriteError) throw this.finalWriteError;
      return this.resultPath;
    };
    if (this.finalWrite) return finalOutcome();
    if (!this.resultPath) return undefined;
    await this.sample('cut'); // what the workers counted since their last report
    if (this.finalWrite) return finalOutcome();
    const ending: Ending = this.ending ?? { state: 'aborted', endReason: 'signal', message: 'The run was interrupted.' };
    const result = this.buildResult({ ...ending, message: `${ending.message} ${note}` }, true);
    result.criteria = this.live.judgeOutages(evaluateCriteria(result, this.criteria));
    await writeOutput(this.resultPath, `${JSON.stringify(result, null, 2)}\n`, 'partial result');
    return this.resultPath;
  }

  private async writeCheckpoint(): Promise<void> {
    if (this.ending || !this.resultPath) return;
    try {
      const result = this.buildResult(
        { state: 'aborted', endReason: 'checkpoint', message: 'Checkpoint written while the run was going on.' },
        true,
      );
      result.criteria = this.live.judgeOutages(evaluateCriteria(result, this.criteria));
      await writeJsonAtomic(this.resultPath, result);
    } catch (err) {
      this.logger.warn(`could not write the checkpoint ${this.resultPath}: ${(err as Error).message}`);
    }
  }

  private async finish(): Promise<RunResult> {
    const ending = this.ending!;
    if (this.sampleTimer) clearTimeout(this.sampleTimer);
    this.cancelWarmupTimer?.();
    this.cancelCheckpoints?.();
    for (const w of this.waiters) w(undefined as unknown as Sample);
    await this.producers?.stopAll().catch((err: unknown) => this.logger.error(`stopping producers: ${(err as Error).message}`));
    await this.consumers?.stopAll().catch((err: unknown) => this.logger.error(`stopping consumers: ${(err as Error).message}`));
    await this.workerPool?.shutdown().catch((err: unknown) => this.logger.error(`stopping workers: ${(err as Error).message}`));
    await this.sample('final');
    this.judgeIntegrity();
    for (const ph of [...this.openPhases].reverse()) await this.closePhase(ph);
    this.monitor.stop();
    this.finalMetrics = await this.metricSources.summarize(Math.min(2000, this.opts.intervalMs));
    this.finalNotes = this.metricSources.notes();
    const result = this.buildResult(ending, ending.state !== 'completed');
    result.criteria = this.live.judgeOutages(evaluateCriteria(result, this.criteria));
    for (const outcome of result.criteria) {
      this.bus.emit('criterion', { ...outcome, live: false, elapsedSeconds: result.durationSeconds });
    }
    await this.bus.callHook('test:after', result);
    await this.plugins.teardown();
    result.errors = [...this.errors];
    await this.checkpointing;
    if (this.resultPath && !this.setupFailure) {
      const resultPath = this.resultPath;
      this.finalWrite = writeJsonAtomic(resultPath, result).catch((cause: unknown) => {
        // A result that was not kept fails the run, whatever its criteria said: nothing may read it as a success.
        const failed = writeFailed(resultPath, 'result', cause);
        this.finalWriteError = failed;
        const e: ErrorEvent = { code: failed.code, message: failed.message, cause };
        this.recordError(e);
        result.errors = [...this.errors];
        delete result.resultPath;
        Object.assign(result, { state: 'failed', error: { code: failed.code, message: failed.message } });
        this.bus.emit('error', e);
      });
      await this.finalWrite;
    }
    this.telemetry?.close();
    this.client?.close();
    this.aggregator.destroy();
    for (const sink of this.sinks) sink.end();
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Sampling

  private scheduleSample(): void {
    // The next point of the interval grid still ahead: a late sample never causes a burst of catch-up samples.
    const interval = this.opts.intervalMs;
    this.sampleIndex = Math.max(this.sampleIndex + 1, Math.floor((now() - this.startEpoch) / interval) + 1);
    const due = this.startEpoch + this.sampleIndex * interval;
    this.sampleTimer = setTimeout(
      () => {
        if (this.ending) return;
        void this.sample('interval').then(() => {
          if (!this.ending) this.scheduleSample();
        });
      },
      Math.max(0, due - now()),
    );
  }

  /** Closes the current window into a sample; calls are serialized. */
  private sample(kind: 'interval' | 'cut' | 'final'): Promise<void> {
    this.sampling = this.sampling
      .then(() => this.takeSample(kind))
      .catch((err: unknown) => {
        this.logger.error(`sampling failed: ${(err as Error).stack ?? String(err)}`);
      });
    return this.sampling;
  }

  private async takeSample(kind: 'interval' | 'cut' | 'final'): Promise<void> {
    const interval = this.opts.intervalMs;
    const collectMs = kind === 'final' ? 5000 : Math.min(500, interval / 2);
    const collect = this.workerPool ? this.workerPool.collect(collectMs) : Promise.resolve();
    const sources =
      kind === 'interval' && this.metricSources.size > 0
        ? this.metricSources.collect(Math.min(1000, interval / 2))
        : Promise.resolve(this.metricSources.latest());
    const targetSample = this.targetMonitor ? this.targetMonitor.sample() : Promise.resolve(undefined);
    const [, metrics, targetStats] = await Promise.all([collect, sources, targetSample]);
    const t = now();
    const windowStart = this.lastCut;
    const seconds = (t - windowStart) / 1000;
    this.lastCut = t;
    const { producer, consumer, health, histograms } = this.aggregator.cut(seconds, this.rates.meanRate(windowStart, t));
    const consumerErrors = Object.values(consumer.errorsByCode).reduce((a, b) => a + b, 0);
    const active =
      producer.scheduled + producer.sent + producer.acked + producer.failed + producer.dropped + consumer.polls + consumerErrors > 0;
    if (kind !== 'interval' && !active && seconds < 0.25) return; // an empty sliver at a phase boundary
    const main = this.monitor.window();
    const warmup = this.opts.warmupSeconds > 0 && (this.warmupEndEpoch === undefined || t <= this.warmupEndEpoch + 1);
    const outage =
      this.outageDetector.window({ producer, start: windowStart, end: t, intervalMs: interval, lingerMs: this.lingerMax }) && !warmup;
    const lag = producer.latency.scheduleLag;
    const onSchedule = lag.count > 0 && lag.p99 <= this.lingerMax + SATURATION_LOOP_DELAY_MS;
    this.catchingUp = outage || (this.catchingUp && !onSchedule);
    const reasons = saturationReasons({
      mainLoopDelayP99Ms: main.mainLoopDelayP99Ms,
      mainLoopDelayMaxMs: main.mainLoopDelayMaxMs,
      window: kind === 'interval' ? { seconds, intervalMs: interval, collectMs } : undefined,
      catchingUp: this.catchingUp,
      workerLoopDelayMaxMs: health.workerLoopDelayMaxMs,
      workerUtilizationMax: health.workerUtilizationMax,
      cpuPercent: main.cpuPercent,
      cores: this.monitor.cores,
      producer,
      lingerMs: this.lingerMax,
    });
    const generator: GeneratorHealth = {
      eventLoopDelayMs: {
        main: main.mainLoopDelayP99Ms,
        workersMax: round3(health.workerLoopDelayMaxMs),
        mainMax: main.mainLoopDelayMaxMs,
      },
      workerUtilizationMax: round3(health.workerUtilizationMax),
      workers: this.workerPool?.aliveCount ?? 0,
      cpuPercent: main.cpuPercent,
      rssBytes: main.rssBytes,
      heapUsedBytes: main.heapUsedBytes,
      saturated: reasons.length > 0,
      reasons,
    };
    const target: TargetResources = {};
    if (targetStats?.rssBytes !== undefined) target.rssBytes = targetStats.rssBytes;
    if (targetStats?.cpuPercent !== undefined) target.cpuPercent = round3(targetStats.cpuPercent);
    const m = this.aggregator.measured;
    const cm = this.aggregator.consumerMeasured;
    const sample: Sample = {
      elapsedSeconds: round3((t - this.startEpoch) / 1000),
      intervalSeconds: round3(seconds),
      phase: this.openPhases.length > 0 ? this.openPhases[this.openPhases.length - 1]!.acc.name : 'main',
      warmup,
      producer,
      consumer,
      generator,
      target,
      metrics,
      totals: { scheduled: m.scheduled, sent: m.sent, acked: m.acked, failed: m.failed, dropped: m.dropped, consumed: cm.consumed },
    };
    if (outage) {
      sample.outage = true;
      this.outages.add(round3((windowStart - this.startEpoch) / 1000), sample.elapsedSeconds);
      this.live.noteOutage(sample);
    }
    if (this.aggregator.hasConsumers) {
      const i = this.aggregator.integritySums();
      sample.integrity = { checked: true, missing: i.missing, duplicates: i.duplicates, reordered: i.reordered };
    }
    if (!warmup && (active || producer.targetRate > 0)) {
      this.totalWindows++;
      if (generator.saturated) {
        this.saturatedWindows++;
        for (const r of reasons) {
          const kind = r.replace(/[\d.]+/g, '#');
          const value = Number(/[\d.]+/.exec(r)?.[0] ?? 0);
          const seen = this.warnings.get(kind);
          if (!seen) this.warnings.set(kind, { text: r, windows: 1, worst: value });
          else {
            seen.windows++;
            if (value > seen.worst) Object.assign(seen, { text: r, worst: value });
          }
        }
      }
    }
    this.maxLoopMain = Math.max(this.maxLoopMain, generator.eventLoopDelayMs.main);
    this.maxLoopWorkers = Math.max(this.maxLoopWorkers, generator.eventLoopDelayMs.workersMax);
    this.maxCpu = Math.max(this.maxCpu, generator.cpuPercent);
    this.seriesBuffer.push(sample);
    if (!sample.warmup) this.lagMaxMeasured = Math.max(this.lagMaxMeasured, sample.consumer.lag);
    // Live listeners get the window's distributions; the stored series stays small.
    if (Object.keys(histograms).length) Object.defineProperty(sample, 'histograms', { value: histograms, enumerable: false });
    this.latest = sample;
    this.telemetry?.onSample(sample);
    if (!warmup && kind !== 'final') this.checkLive(sample);
    if (kind !== 'final') {
      this.checkUnreachable(
        (producer.errorsByCode.UNAVAILABLE ?? 0) + (consumer.errorsByCode.UNAVAILABLE ?? 0),
        producer.acked + consumer.polls,
        t,
      );
    }
    this.bus.emit('sample', sample);
    for (const sink of this.sinks) sink.push(sample);
    for (const w of [...this.waiters]) w(sample);
  }

  private checkLive(sample: Sample): void {
    const { outcomes, abort } = this.live.evaluate(sample);
    for (const o of outcomes) this.bus.emit('criterion', { ...o, live: true, elapsedSeconds: sample.elapsedSeconds });
    if (abort) {
      this.end({
        state: 'aborted',
        endReason: 'criterion',
        message: `Criterion ${abort.metric} ${abort.op} ${abort.value} was violated (measured ${abort.measured}) for ${abort.abortAfterSeconds} s or more.`,
      });
    }
  }

  /** Calls failing with UNAVAILABLE and nothing acked or polled for unreachableAfterMs: the target has gone. */
  private checkUnreachable(unavailable: number, acked: number, t: number): void {
    if (this.lastAckOrStart === undefined) return;
    if (acked > 0 || unavailable === 0) {
      if (acked > 0) this.lastAckOrStart = t;
      return;
    }
    const silentMs = t - this.lastAckOrStart;
    if (silentMs >= this.opts.target.unreachableAfterMs) {
      const message =
        `The target at ${this.opts.target.address} stopped answering: calls failed with UNAVAILABLE and none succeeded ` +
        `for ${(silentMs / 1000).toFixed(1)} s. Check that the target is up (its /health endpoint, logs) and reachable from this machine.`;
      this.end({ state: 'failed', endReason: 'target-unreachable', message, error: { code: 'LH_TARGET_UNREACHABLE', message } });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Controller

  private ensureRunning(what: string): void {
    if (this.ending) {
      throw new LoadhouseError('LH_RUN_STATE', `${what} was called after the run ended (${this.ending.endReason}): ${this.ending.message}`);
    }
  }

  private controller(): Controller {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const run = this;
    return {
      produce: (options) => run.produce(options),
      consume: (options) => run.consume(options),
      waitFor: (condition, options) => run.waitFor(condition, options),
      phase: (name, fn) => run.phase(name, fn),
      stop: () => run.end({ state: 'completed', endReason: 'stopped', message: 'The scenario called stop().' }),
      get signal() {
        return run.abort.signal;
      },
      get latest() {
        return run.latest;
      },
      elapsedSeconds: () => (now() - run.startEpoch) / 1000,
      record: (name, value) => {
        if (typeof name !== 'string' || name === '')
          throw new LoadhouseError('LH_INVALID_OPTION', `record(name, value): name must be a non-empty string, got ${String(name)}`);
        run.scenarioResults[name] = value;
      },
      get topic() {
        return run.topic;
      },
      get logger() {
        return run.logger;
      },
    };
  }

  private partitionsFor(requested: number | undefined): Promise<number> {
    if (!this.topicCount) {
      this.topicCount = ensureTopic(this.client!, this.topic, requested);
      this.topicCount.catch(() => (this.topicCount = undefined));
      return this.topicCount;
    }
    return this.topicCount.then((count) => {
      if (requested !== undefined && requested !== count) {
        throw new LoadhouseError(
          'LH_TOPIC_MISMATCH',
          `Topic "${this.topic}" has ${count} partitions, but produce() asks for ${requested}.`,
          { details: { topic: this.topic, actual: count, wanted: requested } },
        );
      }
      return count;
    });
  }

  private pool(): WorkerPool {
    if (!this.workerPool) {
      const o = this.opts;
      this.workerPool = new WorkerPool(
        {
          maxWorkers: o.maxWorkers,
          target: {
            address: o.target.address,
            deadlineMs: o.target.deadlineMs,
            connectTimeoutMs: o.target.connectTimeoutMs,
            ...(o.target.organizationId !== undefined ? { organizationId: o.target.organizationId } : {}),
            ...(o.target.tls !== undefined ? { tls: o.target.tls } : {}),
            ...(o.target.metadata !== undefined ? { metadata: o.target.metadata } : {}),
          },
          connections: o.connections,
          instrument: o.instrument,
          ...(o.crash ? { crash: o.crash } : {}),
        },
        {
          onReport: (i, report) => {
            try {
              this.aggregator.onReport(i, report);
            } catch (err) {
              this.logger.error(`could not merge the report of worker ${i}: ${(err as Error).message}`);
            }
          },
          onProducerDone: (groupId, producer) => this.producers?.producerDone(groupId, producer),
          onGroupStopped: (groupId, producers) => this.producers?.groupStopped(groupId, producers),
          onCrash: (i, error) => {
            const message =
              `Load worker ${i} died: ${error.message}. The result is partial (what the worker had not reported is lost). ` +
              'If it ran out of memory, spread producers over more workers (options.workers) or lower batchSize x maxInFlight; otherwise report it as a loadhouse bug.';
            this.end({ state: 'failed', endReason: 'worker-crashed', message, error: { code: 'LH_WORKER_CRASHED', message } });
          },
          onLog: (level, message) => this.logger[level](message),
        },
      );
    }
    return this.workerPool;
  }

  private pools(): ProducerPool {
    if (!this.producers) {
      const o = this.opts;
      this.producers = new ProducerPool(this.pool(), this.rates, {
        workersFor: (n) => o.workers ?? Math.min(o.maxWorkers, n),
        connections: o.connections,
        drainTimeoutMs: o.drainTimeoutMs,
        dropAfterMs: o.dropAfterMs,
        ackMode: ACK_MODES[o.ackMode],
        shard: o.shard,
        warmupEnd: () => this.warmupEnd(),
      });
    }
    return this.producers;
  }

  private consumerPool(): ConsumerPool {
    if (!this.consumers) {
      const o = this.opts;
      const client = this.client!;
      this.consumers = new ConsumerPool(this.pool(), this.consumeActivity, {
        workersFor: (n) => o.workers ?? Math.min(o.maxWorkers, n),
        drainTimeoutMs: o.drainTimeoutMs,
        shard: o.shard,
        warmupEnd: () => this.warmupEnd(),
        // Shards of one run start at different times on different machines: only records stamped well
        // before this shard started are taken for another run's.
        runStartEpochMs: this.startEpoch - (o.shard ? SHARD_CLOCK_SLACK_MS : 0),
        // One record from offset 0 answers with the high watermark without reading a whole batch.
        latestOffset: async (topic, partition) => (await client.consume({ topic, partition, offset: 0, maxRecords: 1 })).highWatermark,
        committedOffset: async (group, topic, partition) => (await client.getOffset({ consumerGroup: group, topic, partition })).offset,
        producing: () => (this.producers?.running ?? 0) > 0,
      });
    }
    return this.consumers;
  }

  /** Warm-up counts from the moment the first load starts, not from the start of the run. */
  private warmupEnd(): number {
    if (this.warmupEndEpoch === undefined) {
      const t = now();
      this.warmupEndEpoch = t + this.opts.warmupSeconds * 1000;
      this.lastAckOrStart = t;
      this.outageDetector.loadStarted(t);
      if (this.opts.warmupSeconds > 0) {
        this.cancelWarmupTimer = longTimeout(() => {
          if (!this.ending) void this.sample('cut');
        }, this.opts.warmupSeconds * 1000);
      }
    }
    return this.warmupEndEpoch;
  }

  private async produce(options: ProduceOptions): Promise<ProducerGroup> {
    this.ensureRunning('produce()');
    const resolved = resolveProduceOptions(options, { topic: this.topic, instrument: this.opts.instrument });
    if (resolved.batchBytes > SERVER_DEFAULT_REQUEST_BYTES) {
      this.logger.warn(
        `a full batch is ${resolved.batchBytes} bytes: a StreamHouse server with gRPC's default 4 MiB receive limit refuses requests that large`,
      );
    }
    const partitions = await this.partitionsFor(resolved.partitions);
    this.ensureRunning('produce()');
    const group = await this.pools().start(resolved, this.topic, partitions);
    if (this.ending) {
      await group.stop();
      this.ensureRunning('produce()');
    }
    this.lingerMax = Math.max(this.lingerMax, resolved.lingerMs);
    const { batchBytes: _b, ...recorded } = resolved;
    this.producerGroups.push({
      id: group.id,
      ...recorded,
      partitions,
      topic: this.topic,
      startedAtSeconds: round3((now() - this.startEpoch) / 1000),
    });
    return group;
  }

  private async consume(options: ConsumeOptions): Promise<ConsumerGroup> {
    this.ensureRunning('consume()');
    const resolved = resolveConsumeOptions(options, { topic: this.topic });
    const partitions = await this.partitionsFor(resolved.partitions);
    this.ensureRunning('consume()');
    let group: ConsumerGroup;
    try {
      group = await this.consumerPool().start(resolved, this.topic, partitions);
    } catch (err) {
      if (err instanceof LoadhouseError) throw err;
      const message = `Could not find where the consumers start (startAt '${resolved.startAt}') on topic "${this.topic}": ${(err as Error).message}`;
      throw new LoadhouseError('LH_TOPIC_SETUP_FAILED', message, { cause: err, details: { topic: this.topic } });
    }
    if (this.ending) {
      await group.stop();
      this.ensureRunning('consume()');
    }
    if (group.idleConsumers > 0) {
      this.logger.warn(
        `consume(): ${resolved.consumers} consumers for ${partitions} partitions leaves ${group.idleConsumers} idle ` +
          '(every partition has exactly one consumer); use at most as many consumers as partitions',
      );
    }
    this.idleConsumers += group.idleConsumers;
    this.consumerGroups.push({
      id: group.id,
      ...resolved,
      partitions,
      idleConsumers: group.idleConsumers,
      topic: this.topic,
      startedAtSeconds: round3((now() - this.startEpoch) / 1000),
    });
    return group;
  }

  private waitFor(condition: WaitCondition, options?: { timeoutSeconds?: number }): Promise<boolean> {
    if (this.ending) return Promise.resolve(false);
    if (typeof condition === 'number') {
      if (!Number.isFinite(condition) || condition < 0) {
        return Promise.reject(new LoadhouseError('LH_INVALID_OPTION', `waitFor(seconds): seconds must be a number >= 0, got ${condition}`));
      }
      return sleep(condition * 1000, this.abort.signal);
    }
    if (typeof condition !== 'function') {
      return Promise.reject(
        new LoadhouseError('LH_INVALID_OPTION', 'waitFor(condition): condition must be seconds or a predicate on a sample'),
      );
    }
    const t = options?.timeoutSeconds;
    if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t >= 0)) {
      return Promise.reject(
        new LoadhouseError(
          'LH_INVALID_OPTION',
          `waitFor(predicate, { timeoutSeconds }): timeoutSeconds must be a number >= 0, got ${String(t)}`,
        ),
      );
    }
    return new Promise<boolean>((resolve, reject) => {
      let cancel: (() => void) | undefined;
      const done = (value: boolean | Error) => {
        this.waiters.delete(waiter);
        cancel?.();
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
      const waiter = (sample: Sample | undefined) => {
        if (!sample || this.ending) return done(false);
        try {
          if (condition(sample)) done(true);
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)));
        }
      };
      this.waiters.add(waiter);
      if (t !== undefined) cancel = longTimeout(() => done(false), t * 1000);
    });
  }

  private async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.ensureRunning('phase()');
    if (typeof name !== 'string' || name === '')
      throw new LoadhouseError('LH_INVALID_OPTION', `phase(name, fn): name must be a non-empty string, got ${String(name)}`);
    await this.sample('cut');
    const t = now();
    const entry = { acc: this.aggregator.openPhase(name, t), closed: false, elapsed: (t - this.startEpoch) / 1000 };
    this.openPhases.push(entry);
    await this.bus.callHook('phase:start', { name, elapsedSeconds: round3(entry.elapsed) });
    try {
      return await fn();
    } finally {
      await this.closePhase(entry);
    }
  }

  private async closePhase(entry: { acc: PhaseAccumulator; closed: boolean; elapsed: number }): Promise<void> {
    if (entry.closed) return;
    entry.closed = true;
    if (!this.ending) await this.sample('cut');
    const acc = this.aggregator.closePhase(entry.acc);
    const i = this.openPhases.indexOf(entry);
    if (i >= 0) this.openPhases.splice(i, 1);
    const t = now();
    const duration = (t - acc.startMs) / 1000;
    const result: PhaseResult = {
      name: acc.name,
      startedAt: new Date(acc.startMs).toISOString(),
      elapsedSeconds: round3(entry.elapsed),
      durationSeconds: round3(duration),
      producer: producerTotals(
        acc.counters,
        acc.histograms,
        this.rates.activeSeconds(acc.startMs, t),
        this.rates.integral(acc.startMs, t),
        this.rates.busySeconds(acc.startMs, t),
      ),
      consumer: consumerTotals(acc.consumer, acc.consumerHistograms, round3(this.consumeActivity.activeSeconds(acc.startMs, t)), {
        max: acc.lagMax,
        final: acc.lagFinal,
      }),
      histograms: encodeNonEmpty(acc.histograms, acc.consumerHistograms),
    };
    destroyLatencyHistograms(acc.histograms);
    destroyConsumerHistograms(acc.consumerHistograms);
    this.phases.push(result);
    await this.bus.callHook('phase:end', result);
  }

  // -------------------------------------------------------------------------------------------
  // Result

  private buildConfig(): RunConfig {
    const o = this.opts;
    return {
      scenario: this.scenario.name,
      scenarioOptions: this.scenario.options ?? {},
      plannedSeconds: this.scenario.plannedSeconds ?? null,
      topic: this.topic,
      target: {
        address: o.target.address,
        httpAddress: o.target.httpAddress ?? null,
        organizationId: o.target.organizationId ?? null,
        tls: Boolean(o.target.tls),
        // Only the keys: values are often credentials.
        metadataKeys: Object.keys(o.target.metadata ?? {}),
        connectTimeoutMs: o.target.connectTimeoutMs,
        deadlineMs: o.target.deadlineMs,
        pid: o.target.pid ?? null,
      },
      workers: o.workers ?? null,
      maxWorkers: o.maxWorkers,
      connections: o.connections,
      intervalMs: o.intervalMs,
      warmupSeconds: o.warmupSeconds,
      drainTimeoutMs: o.drainTimeoutMs,
      dropAfterMs: o.dropAfterMs,
      ackMode: o.ackMode,
      resultsDir: o.resultsDir,
      checkpointSeconds: o.checkpointSeconds,
      shard: o.shard,
      startAt: o.startAt === undefined ? null : new Date(o.startAt).toISOString(),
      labels: { ...o.labels },
      instrument: o.instrument,
      plugins: o.plugins.map((p) => ({ name: p.name, apiVersion: p.apiVersion })),
      criteria: this.criteria.map((c) => ({ ...c })),
      producerGroups: this.producerGroups,
      consumerGroups: this.consumerGroups,
    };
  }

  private buildResult(ending: Ending, partial: boolean): RunResult {
    const t = now();
    const warmupEnd = this.warmupEndEpoch ?? t;
    const active = this.rates.activeSeconds(warmupEnd, t);
    const requested = this.rates.integral(warmupEnd, t);
    const config = this.buildConfig();
    const producer = producerTotals(
      this.aggregator.measured,
      this.aggregator.cumulativeHistograms(),
      round3(active),
      requested,
      this.rates.busySeconds(warmupEnd, t),
    );
    const base: RunResultBase = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      partial,
      endReason: ending.endReason,
      endMessage: ending.message,
      scenario: this.scenario.name,
      startedAt: this.startedAt.toISOString(),
      endedAt: new Date(this.startedAt.getTime() + (t - this.startEpoch)).toISOString(),
      durationSeconds: round3((t - this.startEpoch) / 1000),
      warmupSeconds: this.opts.warmupSeconds,
      config: structuredClone(config),
      environment: this.environment,
      shard: this.opts.shard,
      producer,
      consumer: this.consumerResult(warmupEnd, t),
      integrity: this.integrityResult(),
      phases: [...this.phases],
      resources: this.resources(producer),
      metrics: { ...this.metricSources.latest(), ...this.finalMetrics },
      criteria: [],
      scenarioResults: { ...this.scenarioResults },
      series: this.series,
      seriesStride: this.seriesBuffer.stride,
      histograms: this.aggregator.encodedCumulative(),
      generator: {
        saturatedWindows: this.saturatedWindows,
        totalWindows: this.totalWindows,
        warnings: [...this.warnings.values()]
          .slice(0, 20)
          .map((w) => `${w.text} (worst of ${w.windows} window${w.windows === 1 ? '' : 's'})`),
        maxEventLoopDelayMs: { main: this.maxLoopMain, workers: this.maxLoopWorkers },
        maxCpuPercent: this.maxCpu,
      },
      errors: [...this.errors],
      outages: this.outages.report(),
    };
    if (Object.keys(this.finalNotes).length) base.metricNotes = { ...this.finalNotes };
    if (this.opts.runId !== undefined) base.runId = this.opts.runId;
    if (Object.keys(this.opts.labels).length) base.labels = { ...this.opts.labels };
    if (this.resultPath) base.resultPath = this.resultPath;
    if (ending.state === 'failed') {
      return { ...base, state: 'failed', error: ending.error ?? { code: 'LH_RUN_ABORTED', message: ending.message } };
    }
    return { ...base, state: ending.state };
  }

  private consumerResult(warmupEnd: number, t: number): ResultBase['consumer'] {
    if (!this.aggregator.hasConsumers) return { ...emptyConsumerTotals(), idleConsumers: this.idleConsumers };
    const lag = { max: this.lagMaxMeasured, final: this.latest?.consumer.lag ?? 0 };
    const active = round3(this.consumeActivity.activeSeconds(warmupEnd, t));
    return {
      ...consumerTotals(this.aggregator.consumerMeasured, this.aggregator.cumulativeConsumerHistograms(), active, lag),
      idleConsumers: this.idleConsumers,
    };
  }

  /**
   * Missing records are data loss when consumers read to the end (final lag 0, and no consumer group stopped
   * while producers still ran: every gap below the highest sequence is final) and failed batches, whose
   * records took sequences, do not explain them. Judged on the final result only, never on a checkpoint.
   */
  private integrityResult(): IntegrityReport {
    if (!this.aggregator.hasConsumers) return emptyIntegrity();
    const sums = this.aggregator.integritySums();
    const expectedMissing = this.aggregator.all.failed;
    const finalLag = this.series.at(-1)?.consumer.lag ?? 0;
    return {
      checked: true,
      missing: sums.missing,
      duplicates: sums.duplicates,
      reordered: sums.reordered,
      examples: sums.examples,
      consumedChecked: sums.checked,
      expectedMissing,
      dataLoss: this.readToEnd(finalLag) && sums.missing - expectedMissing > 0,
      mergedGaps: sums.mergedGaps,
    };
  }

  private readToEnd(finalLag: number): boolean {
    return this.ending !== undefined && finalLag === 0 && !this.consumers?.stoppedWhileProducing;
  }

  /** At the end of the run: data loss is a warning and a result error; unexplained gaps with lag left are a warning. */
  private judgeIntegrity(): void {
    const i = this.integrityResult();
    if (!i.checked) return;
    const unexplained = i.missing - (i.expectedMissing ?? 0);
    if (i.dataLoss) {
      const message =
        `Data loss: consumers read every partition to its end, but ${i.missing} record(s) are missing` +
        (i.expectedMissing ? ` (${i.expectedMissing} of them may be records of failed ProduceBatch calls)` : '') +
        '; the target acknowledged records it did not keep. See result.integrity.examples for producers, partitions and sequences.';
      this.logger.warn(message);
      this.recordError({ code: 'LH_DATA_LOSS', message });
    } else if (unexplained > 0) {
      const why = this.consumers?.stoppedWhileProducing
        ? 'a consumer group stopped while producers still ran'
        : `the consumers stopped with lag ${this.series.at(-1)?.consumer.lag ?? 0}`;
      this.logger.warn(
        `${i.missing} record(s) are missing below the highest sequences consumers saw, but ${why}: ` +
          'records they did not read may fill the gaps, so this is not judged as data loss',
      );
    }
  }

  private resources(producer: ResultBase['producer']): RunResources {
    const gen = this.series.map((s) => s.generator);
    const measured = this.series.filter((s) => !s.warmup);
    const targetRss = this.series
      .filter((s) => s.target.rssBytes !== undefined)
      .map((s) => ({ t: s.elapsedSeconds, v: s.target.rssBytes! }));
    const targetCpu = this.series.map((s) => s.target.cpuPercent).filter((x): x is number => x !== undefined);
    const stability = analyzeStability({
      targetRss,
      generatorRss: this.series.map((s) => ({ t: s.elapsedSeconds, v: s.generator.rssBytes })),
      throughput: measured.filter((s) => s.producer.targetRate > 0).map((s) => ({ t: s.elapsedSeconds, v: s.producer.msgsPerSec })),
      p99: measured
        .filter((s) => s.producer.latency.response.count > 0)
        .map((s) => ({ t: s.elapsedSeconds, v: s.producer.latency.response.p99 })),
      p99Total: producer.latency.response.p99,
      p999Total: producer.latency.response.p999,
      warmupSeconds: this.opts.warmupSeconds,
    });
    return {
      generator: {
        peakRssBytes: Math.max(0, ...gen.map((g) => g.rssBytes)),
        maxCpuPercent: this.maxCpu,
        meanCpuPercent: gen.length ? round3(gen.reduce((a, g) => a + g.cpuPercent, 0) / gen.length) : 0,
        maxEventLoopDelayMs: { main: this.maxLoopMain, workers: this.maxLoopWorkers },
        cores: this.monitor.cores,
        memoryGrowthPercent: stability.generatorMemoryGrowthPercent,
        memorySlopeMbPerHour: stability.generatorMemorySlopeMbPerHour,
      },
      target:
        this.targetMonitor && this.opts.target.pid !== undefined
          ? {
              pid: this.opts.target.pid,
              peakRssBytes: targetRss.length ? Math.max(...targetRss.map((p) => p.v)) : null,
              maxCpuPercent: targetCpu.length ? Math.max(...targetCpu) : null,
              crashes: this.targetMonitor.crashes,
            }
          : null,
      memoryGrowthPercent: stability.memoryGrowthPercent,
      memoryGrowthUpperPercent: stability.memoryGrowthUpperPercent,
      memoryGrowth: stability.memoryGrowth,
      memorySlopeMbPerHour: stability.memorySlopeMbPerHour,
      throughputVariancePercent: stability.throughputVariancePercent,
      p99DriftPercent: stability.p99DriftPercent,
      warnings: stability.warnings,
    };
  }
}

/**
 * `work`, or LH_RUN_ABORTED as soon as `signal` aborts (options.signal during the connect, which can take the
 * whole connect timeout); what `work` yields after that is handed to `dispose`.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, dispose: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    void work.then(dispose, () => undefined);
    return Promise.reject(new LoadhouseError('LH_RUN_ABORTED', 'The run was aborted before it connected to the target.'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      void work.then(dispose, () => undefined);
      reject(new LoadhouseError('LH_RUN_ABORTED', 'The run was aborted before it connected to the target.'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) dispose(v);
        else resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
