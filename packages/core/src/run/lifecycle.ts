// One run of a scenario, from pre-flight (plugins, the test:before gate, the connect) to the ending that always
// drains, evaluates and writes a result, whatever ended the run; checkpoints and partial writes on the way.
// The work in between belongs to the parts made here: the sampler (windows and what is judged on them), the
// controller the scenario drives, the pools that carry the load, and the pure result builder.
import { addDeliveryReports } from '../worker/delivery-tally.js';
import path from 'node:path';
import { LiveCriteria } from '../criteria.js';
import { type ErrorCode, LoadhouseError } from '../errors.js';
import { GeneratorMonitor } from '../metrics/generator-monitor.js';
import { initHistograms } from '../metrics/histogram.js';
import { ProcessMonitor } from '../monitor/process-stats.js';
import { type ResolvedOptions, validateCriteria, validateCriterion } from '../options.js';
import { type EventBus, HookRefusal } from '../plugins/event-bus.js';
import { MetricSources } from '../plugins/metric-sources.js';
import { PluginHost, pluginError } from '../plugins/plugin-host.js';
import type { Driver } from '../driver/types.js';
import { buildResult, type Ending, judge, runConfig } from '../result/build.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { environment } from '../result/environment.js';
import { checkOutputDir, resultFileName, writeFailed, writeJsonAtomic, writeOutput } from '../result/writer.js';
import { waitUntil } from '../start-at.js';
import { checkDelivery, connectTarget } from '../target.js';
import { createTelemetry, type RunTelemetry } from '../telemetry.js';
import { longInterval } from '../timers.js';
import type { Criterion, ErrorEvent, Logger, RunResult, Scenario } from '../types.js';
import { systemClock } from '../clock.js';
import { round3 } from '../util.js';
import { deepFreeze, untilAborted } from './helpers.js';
import { RunLog } from './log.js';
import { RunFaults } from './faults.js';
import { integrityInput, judgeIntegrity, startupReport, withApplicability } from './judging.js';
import { makeParts, type Parts, type SampleSink } from './parts.js';
import { runTopics } from '../topics.js';
import { runTopicTotals } from '../result/topics.js';

/** The topic's set-up on the target: failing before any load, it rejects run() instead of ending it as failed. */
const SETUP_CODES: ReadonlySet<ErrorCode> = new Set(['LH_TOPIC_MISMATCH', 'LH_TOPIC_SETUP_FAILED']);

export class Run {
  private readonly clock = systemClock;
  private readonly abort = new AbortController();
  private ending: Ending | undefined;
  private resolveEnd!: () => void;
  private readonly ended = new Promise<void>((r) => (this.resolveEnd = r));
  private readonly topic: string;
  /** `[topic]`, or the many topics of `options.topics` (topics.ts). */
  private readonly topics: string[];
  private readonly criteria: Criterion[];
  private readonly log: RunLog;
  private readonly logger: Logger;
  private readonly monitor = new GeneratorMonitor();
  private readonly targetMonitor: ProcessMonitor | undefined;
  private readonly metricSources: MetricSources;
  private readonly live: LiveCriteria;
  private readonly plugins: PluginHost;
  private readonly faults: RunFaults | undefined;
  /** The configuration as set up (what plugins and test:before see): no groups yet. */
  private readonly config: Record<string, unknown>;
  private readonly environment = environment();
  private parts!: Parts;
  private telemetry: RunTelemetry | undefined;
  private client: Driver | undefined;
  /** Set when the run's set-up failed before any load: run() rejects with it and writes no result. */
  private setupFailure: LoadhouseError | undefined;
  private startedAt = new Date();
  private startEpoch = this.clock.now();
  private cancelCheckpoints: (() => void) | undefined;
  private checkpointing: Promise<void> = Promise.resolve();
  private finalMetrics: Record<string, number> = {};
  private finalNotes: Record<string, string> = {};
  private resultPath: string | undefined;
  private loadStarted = false;
  /** The final result's write, once finish() began it: writePartial() then leaves the file to it. */
  private finalWrite: Promise<void> | undefined;
  /** Why the final write failed, if it did: writePartial() must not report that file as written. */
  private finalWriteError: LoadhouseError | undefined;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly scenario: Scenario,
    private readonly bus: EventBus,
    private readonly sinks: Set<SampleSink>,
  ) {
    this.topic = opts.topic ?? `loadhouse-${scenario.name.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    this.topics = runTopics(this.topic, opts.topics, opts.topicPattern);
    this.criteria = [...validateCriteria('scenario.criteria', scenario.criteria ?? []), ...opts.criteria].map((c) =>
      withApplicability(c, opts),
    );
    this.log = new RunLog(bus, opts.logger);
    this.logger = this.log.logger(undefined);
    this.metricSources = new MetricSources((owner, where, err) => this.pluginFailure(owner, where, err));
    this.live = new LiveCriteria(() => this.criteria);
    this.faults = RunFaults.of(opts.faults, scenario.faults, this.logger, opts.s3FaultProxy);
    this.targetMonitor = opts.target.pid !== undefined ? new ProcessMonitor(opts.target.pid) : undefined;
    this.config = runConfig({ opts, scenario, topic: this.topic, criteria: this.criteria, producerGroups: [], consumerGroups: [] });
    this.plugins = new PluginHost({
      bus,
      config: deepFreeze(structuredClone(this.config)),
      signal: this.abort.signal,
      logger: (name) => this.log.logger(name),
      addCriterion: (c) => this.criteria.push(withApplicability(validateCriterion('addCriterion(criterion)', c), this.opts)),
      addMetricSource: (s, owner) => this.metricSources.add(s, owner),
      onFailure: (owner, where, err) => this.pluginFailure(owner, where, err),
    });
  }

  /** A listener, hook, metric source or teardown threw: report it against its plugin and carry on. */
  pluginFailure(owner: string | undefined, where: string, error: unknown, event?: string): void {
    this.log.pluginFailure(owner, where, error, event);
  }

  /** Ends the run (the first reason wins): the scenario's signal aborts and the ending sequence starts. */
  end(ending: Ending): void {
    if (this.ending) return;
    this.ending = ending;
    if (ending.error) {
      const e: ErrorEvent = { code: ending.error.code, message: ending.error.message };
      this.log.record(e);
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
    this.parts = makeParts({
      // With faults, every connection of the run (the workers' too) goes through the proxy.
      opts: this.faults ? { ...this.opts, target: await this.faults.connectThrough(this.opts.target) } : this.opts,
      topics: this.topics,
      clock: this.clock,
      signal: this.abort.signal,
      bus: this.bus,
      sinks: this.sinks,
      logger: this.logger,
      monitor: this.monitor,
      targetMonitor: this.targetMonitor,
      onLoad: () => this.faults?.start(this.clock.now() - this.startEpoch),
      metricSources: this.metricSources,
      live: this.live,
      client: () => this.client!,
      telemetry: () => this.telemetry,
      startEpoch: () => this.startEpoch,
      ending: () => this.ending,
      end: (e) => this.end(e),
    });
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
        await this.faults?.close();
        this.parts.aggregator.destroy();
        throw err;
      }
    }
    this.start();
    if (!this.ending) this.runScenario();
    await this.ended;
    try {
      const result = await this.finish();
      if (this.setupFailure) throw this.setupFailure;
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private runScenario(): void {
    Promise.resolve()
      .then(() => this.scenario.run(this.parts.controller.api()))
      .then(
        () => this.end({ state: 'completed', endReason: 'completed', message: 'The scenario finished.' }),
        (err: unknown) => {
          const code: ErrorCode = err instanceof LoadhouseError ? err.code : 'LH_SCENARIO_FAILED';
          const message = err instanceof Error ? err.message : String(err);
          // The topic refused before any producer or consumer started: nothing was measured, so this is a
          // set-up error like a failed pre-flight (run() rejects, no result file), not a run that failed.
          if (err instanceof LoadhouseError && SETUP_CODES.has(err.code) && !this.ending && !this.parts.pools.started) {
            this.setupFailure = err;
            this.end({ state: 'failed', endReason: 'error', message: `The set-up failed before any load: ${message}` });
            return;
          }
          this.end({ state: 'failed', endReason: 'error', message: `The scenario failed: ${message}`, error: { code, message } });
        },
      );
  }

  private async preflight(): Promise<void> {
    if (this.opts.resultsDir !== false) await checkOutputDir(this.opts.resultsDir, 'options.resultsDir');
    await this.plugins.setup(this.opts.plugins);
    // A test:before hook may refuse the run (a failed pre-flight): its error ends it here, before any load.
    await this.bus
      .callHook('test:before', 'refuse', {
        scenario: this.scenario.name,
        topic: this.topic,
        config: deepFreeze(structuredClone(this.config)),
        target: Object.freeze({ ...this.opts.target, metadata: undefined, tls: undefined }),
      })
      .catch((err: unknown) => {
        throw err instanceof HookRefusal ? pluginError(err.owner, `refused the run in ${err.where}, before any load`, err.error) : err;
      });
    const target = this.faults?.target ?? this.opts.target; // the fault proxy's address, with faults
    this.client = await untilAborted(connectTarget(target, this.abort.signal), this.abort.signal, (c) => c.close());
    await checkDelivery(this.client, this.opts.delivery);
    if (this.opts.resultsDir !== false) {
      this.resultPath = path.resolve(this.opts.resultsDir, resultFileName(this.scenario.name, this.startedAt, this.opts.shard));
    }
  }

  private start(): void {
    this.loadStarted = !this.ending;
    this.startedAt = new Date();
    this.startEpoch = this.clock.now();
    if (this.opts.resultsDir !== false) {
      this.resultPath = path.resolve(this.opts.resultsDir, resultFileName(this.scenario.name, this.startedAt, this.opts.shard));
    }
    this.monitor.start();
    void this.targetMonitor?.sample();
    this.telemetry = createTelemetry({ scenario: this.scenario.name, topic: this.topic });
    this.parts.sampler.start(this.startEpoch);
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
    await this.parts.sampler.sample('cut'); // what the workers counted since their last report
    if (this.finalWrite) return finalOutcome();
    const ending: Ending = this.ending ?? { state: 'aborted', endReason: 'signal', message: 'The run was interrupted.' };
    const result = this.judged({ ...ending, message: `${ending.message} ${note}` }, true);
    await writeOutput(this.resultPath, `${JSON.stringify(result, null, 2)}\n`, 'partial result');
    return this.resultPath;
  }

  private async writeCheckpoint(): Promise<void> {
    if (this.ending || !this.resultPath) return;
    try {
      const ending: Ending = { state: 'aborted', endReason: 'checkpoint', message: 'Checkpoint written while the run was going on.' };
      await writeJsonAtomic(this.resultPath, this.judged(ending, true));
    } catch (err) {
      this.logger.warn(`could not write the checkpoint ${this.resultPath}: ${(err as Error).message}`);
    }
  }

  private async finish(): Promise<RunResult> {
    const ending = this.ending!;
    const { sampler, pools, controller, aggregator } = this.parts;
    sampler.stop();
    this.cancelCheckpoints?.();
    await pools.stopAll();
    await sampler.sample('final');
    judgeIntegrity(this.parts, this.ending, this.opts, this.logger, this.log);
    await controller.closeOpenPhases();
    this.monitor.stop();
    this.finalMetrics = { ...(await this.metricSources.summarize(Math.min(2000, this.opts.intervalMs))), ...aggregator.driverMetrics() };
    this.finalNotes = this.metricSources.notes();
    const result = this.judged(ending, ending.state !== 'completed');
    for (const outcome of result.criteria) {
      this.bus.emit('criterion', { ...outcome, live: false, elapsedSeconds: result.durationSeconds });
    }
    await this.bus.callHook('test:after', 'report', result);
    await this.plugins.teardown();
    result.errors = this.log.errors;
    await this.checkpointing;
    if (this.resultPath && !this.setupFailure) {
      const resultPath = this.resultPath;
      this.finalWrite = writeJsonAtomic(resultPath, result).catch((cause: unknown) => {
        // A result that was not kept fails the run, whatever its criteria said: nothing may read it as a success.
        const failed = writeFailed(resultPath, 'result', cause);
        this.finalWriteError = failed;
        const e: ErrorEvent = { code: failed.code, message: failed.message, cause };
        this.log.record(e);
        result.errors = this.log.errors;
        delete result.resultPath;
        Object.assign(result, { state: 'failed', error: { code: failed.code, message: failed.message } });
        this.bus.emit('error', e);
      });
      await this.finalWrite;
    }
    this.telemetry?.close();
    this.client?.close();
    await this.faults?.close();
    aggregator.destroy();
    for (const sink of this.sinks) sink.end();
    return result;
  }

  /** The result as the run has it now, its criteria judged. */
  private judged(ending: Ending, partial: boolean): RunResult {
    const { aggregator: agg, sampler, controller, rates, consumeActivity } = this.parts;
    const t = this.clock.now();
    const warmupEnd = sampler.warmupEnd ?? t;
    const result = buildResult({
      ending,
      partial,
      scenario: this.scenario.name,
      startedAt: this.startedAt,
      elapsedMs: t - this.startEpoch,
      opts: this.opts,
      config: runConfig({
        opts: this.opts,
        scenario: this.scenario,
        topic: this.topic,
        criteria: this.criteria,
        producerGroups: controller.producerGroups,
        consumerGroups: controller.consumerGroups,
      }),
      environment: this.environment,
      producer: {
        counters: agg.measured,
        histograms: agg.cumulativeHistograms(),
        activeSeconds: round3(rates.activeSeconds(warmupEnd, t)),
        busySeconds: rates.busySeconds(warmupEnd, t),
        requested: rates.integral(warmupEnd, t),
      },
      consumer: {
        counters: agg.hasConsumers ? agg.consumerMeasured : undefined,
        histograms: agg.cumulativeConsumerHistograms(),
        activeSeconds: consumeActivity.activeSeconds(warmupEnd, t),
        lag: sampler.lag,
        idleConsumers: controller.idleConsumers,
      },
      integrity: integrityInput(this.parts, this.ending, this.opts),
      phases: controller.phases,
      metrics: { ...this.metricSources.latest(), ...this.finalMetrics },
      metricNotes: this.finalNotes,
      scenarioResults: controller.scenarioResults,
      series: sampler.series,
      seriesStride: sampler.seriesStride,
      histograms: agg.encodedCumulative(),
      generator: sampler.saturation.summary(),
      peaks: {
        maxLoopMain: sampler.saturation.maxLoopMain,
        maxLoopWorkers: sampler.saturation.maxLoopWorkers,
        maxCpu: sampler.saturation.maxCpu,
        cores: this.monitor.cores,
      },
      target: this.targetMonitor ? { pid: this.opts.target.pid, crashes: this.targetMonitor.crashes } : undefined,
      errors: this.log.errors,
      outages: sampler.outages,
      resultPath: this.resultPath,
    });
    if (controller.sections.capacity) result.capacity = structuredClone(controller.sections.capacity);
    if (this.topics.length > 1) result.topics = runTopicTotals(agg, this.topics, controller, result);
    addDeliveryReports(result, this.opts.delivery, this.parts.pools.deliveryTallies());
    const startup = startupReport(this.parts, this.opts.warmupSeconds, t);
    if (startup) result.producer.startup = startup;
    if (this.parts.pools.workerChoice) result.generator.workerChoice = { ...this.parts.pools.workerChoice };
    const partitions = this.parts.pools.partitionBalance();
    if (partitions) result.partitions = partitions;
    Object.assign(result.consumer, this.parts.pools.consumerRestarts());
    if (this.faults) result.faults = this.faults.report(result.series, result.integrity);
    result.criteria = judge(result, this.criteria, (c) => this.live.outageFailure(c));
    result.diagnosis = diagnose(result);
    return result;
  }
}
