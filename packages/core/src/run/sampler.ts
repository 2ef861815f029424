// The run's windows: on the interval grid (and at every cut asked for: a phase boundary, the end of warm-up,
// the end of the run) the workers' reports are merged into one sample. Each sample is judged as it is made:
// warm-up, target outages, generator saturation, live criteria that may abort the run, and the watchdog that
// ends a run whose target stopped answering.
import type { LiveCriteria } from '../criteria.js';
import type { Aggregator } from '../metrics/aggregator.js';
import {
  inFlightBound,
  type MainWindowHealth,
  SATURATION_LOOP_DELAY_MS,
  type SaturationInput,
  saturationReasons,
} from '../metrics/generator-monitor.js';
import { OutageDetector, OutageLog } from '../metrics/outages.js';
import type { RateTracker } from '../metrics/rate-tracker.js';
import type { Ending } from '../result/build.js';
import { SeriesBuffer } from '../result/series-buffer.js';
import type { CriterionOutcome, GeneratorHealth, OutageReport, Sample, TargetResources } from '../types.js';
import type { Clock } from '../clock.js';
import { round3 } from '../util.js';
import { SaturationLog } from './saturation.js';

export type SampleKind = 'interval' | 'cut' | 'final';

/** What the sampler reads and whom it tells; each a narrow view of one of the run's parts. */
export interface SamplerDeps {
  clock: Clock;
  intervalMs: number;
  warmupSeconds: number;
  /** Calls failing with UNAVAILABLE and none succeeding for this long: the target has gone. */
  unreachableAfterMs: number;
  targetAddress: string;
  aggregator: Aggregator;
  /** The requested producer rate over time (a window's target rate). */
  rates: Pick<RateTracker, 'meanRate'>;
  /** The generator process's own health, one window at a time. */
  monitor: { window(): MainWindowHealth; readonly cores: number };
  /** The target process watched by PID, if any. */
  targetMonitor: { sample(): Promise<{ rssBytes?: number; cpuPercent?: number }> } | undefined;
  metricSources: { readonly size: number; collect(timeoutMs: number): Promise<Record<string, number>>; latest(): Record<string, number> };
  /** The workers, once any started: their reports are collected before a window closes. */
  workers: () => { collect(timeoutMs: number): Promise<void>; readonly aliveCount: number } | undefined;
  live: LiveCriteria;
  /** The innermost open phase's name ('main' outside phases). */
  phaseName: () => string;
  isEnding: () => boolean;
  end: (ending: Ending) => void;
  /** A live criterion outcome of a window. */
  onCriterion: (outcome: CriterionOutcome, elapsedSeconds: number) => void;
  /** Told of each sample as soon as it is made (telemetry), before it is judged. */
  observe: (sample: Sample) => void;
  /** Told of each sample once judged (the `sample` event, sample iterators). */
  publish: (sample: Sample) => void;
  logError: (message: string) => void;
}

export class Sampler {
  /** Samples kept for the result: full resolution for two hours of 1 s intervals, then thinned evenly. */
  private readonly seriesBuffer = new SeriesBuffer<Sample>(7200);
  private readonly outageDetector = new OutageDetector();
  private readonly outageLog = new OutageLog();
  readonly saturation = new SaturationLog();
  private readonly listeners = new Set<(s: Sample | undefined) => void>();
  private startEpoch = 0;
  private lastCut = 0;
  private sampleIndex = 0;
  private sampling: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | undefined;
  private cancelWarmupCut: (() => void) | undefined;
  private warmupEndEpoch: number | undefined;
  private lastAckOrStart: number | undefined;
  /** The longest linger of any producer group: a record may wait that long for its batch. */
  private lingerMax = 0;
  /** Since an outage window, until a window is on schedule again: the producers' lateness is the target's. */
  private catchingUp = false;
  /** Largest consumer lag seen after warm-up, over every sample (the kept series may be thinned). */
  private lagMaxMeasured = 0;
  private latestSample: Sample | undefined;

  constructor(private readonly d: SamplerDeps) {}

  /** Starts the interval grid at `startEpoch` (the start of the load). */
  start(startEpoch: number): void {
    this.startEpoch = startEpoch;
    this.lastCut = startEpoch;
    this.scheduleNext();
  }

  /** Stops the grid and the warm-up cut; whoever waits on a sample is told there will be none. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelWarmupCut?.();
    for (const l of [...this.listeners]) l(undefined);
  }

  /**
   * The first load starts now (warm-up counts from here, and the watchdog and outage detector start): returns
   * the warm-up's end, the same on every later call.
   */
  loadStarted(): number {
    if (this.warmupEndEpoch === undefined) {
      const t = this.d.clock.now();
      this.warmupEndEpoch = t + this.d.warmupSeconds * 1000;
      this.lastAckOrStart = t;
      this.outageDetector.loadStarted(t);
      if (this.d.warmupSeconds > 0) {
        this.cancelWarmupCut = this.d.clock.setTimeout(() => {
          if (!this.d.isEnding()) void this.sample('cut');
        }, this.d.warmupSeconds * 1000);
      }
    }
    return this.warmupEndEpoch;
  }

  /** When warm-up ends (epoch ms); undefined before any load started. */
  get warmupEnd(): number | undefined {
    return this.warmupEndEpoch;
  }

  noteLinger(lingerMs: number): void {
    this.lingerMax = Math.max(this.lingerMax, lingerMs);
  }

  /** Calls `listener` with every sample from now on, and with undefined when sampling stops. */
  subscribe(listener: (s: Sample | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get latest(): Sample | undefined {
    return this.latestSample;
  }

  /** When the latest window was cut (epoch ms): a phase starts and ends there, so its counts and its time agree. */
  get lastCutEpoch(): number {
    return this.lastCut;
  }

  get series(): Sample[] {
    return this.seriesBuffer.toArray();
  }

  get seriesStride(): number {
    return this.seriesBuffer.stride;
  }

  /** The largest consumer lag after warm-up, and the last sample's. */
  get lag(): { max: number; final: number } {
    return { max: this.lagMaxMeasured, final: this.latestSample?.consumer.lag ?? 0 };
  }

  get outages(): OutageReport {
    return this.outageLog.report();
  }

  private scheduleNext(): void {
    // The next point of the interval grid still ahead: a late sample never causes a burst of catch-up samples.
    const interval = this.d.intervalMs;
    const { clock } = this.d;
    this.sampleIndex = Math.max(this.sampleIndex + 1, Math.floor((clock.now() - this.startEpoch) / interval) + 1);
    const due = this.startEpoch + this.sampleIndex * interval;
    this.cancelTimer = clock.setTimeout(
      () => {
        if (this.d.isEnding()) return;
        void this.sample('interval').then(() => {
          if (!this.d.isEnding()) this.scheduleNext();
        });
      },
      Math.max(0, due - clock.now()),
    );
  }

  /** Closes the current window into a sample; calls are serialized. */
  sample(kind: SampleKind): Promise<void> {
    this.sampling = this.sampling
      .then(() => this.takeSample(kind))
      .catch((err: unknown) => this.d.logError(`sampling failed: ${(err as Error).stack ?? String(err)}`));
    return this.sampling;
  }

  private async takeSample(kind: SampleKind): Promise<void> {
    const { d } = this;
    const interval = d.intervalMs;
    const collectMs = kind === 'final' ? 5000 : Math.min(500, interval / 2);
    const workers = d.workers();
    const collect = workers ? workers.collect(collectMs) : Promise.resolve();
    const sources =
      kind === 'interval' && d.metricSources.size > 0
        ? d.metricSources.collect(Math.min(1000, interval / 2))
        : Promise.resolve(d.metricSources.latest());
    const targetSample = d.targetMonitor ? d.targetMonitor.sample() : Promise.resolve(undefined);
    const [, metrics, targetStats] = await Promise.all([collect, sources, targetSample]);
    const t = d.clock.now();
    const windowStart = this.lastCut;
    const seconds = (t - windowStart) / 1000;
    this.lastCut = t;
    const { producer, consumer, health, histograms } = d.aggregator.cut(seconds, d.rates.meanRate(windowStart, t));
    const consumerErrors = Object.values(consumer.errorsByCode).reduce((a, b) => a + b, 0);
    const active =
      producer.scheduled + producer.sent + producer.acked + producer.failed + producer.dropped + consumer.polls + consumerErrors > 0;
    if (kind !== 'interval' && !active && seconds < 0.25) return; // an empty sliver at a phase boundary
    const main = d.monitor.window();
    const warmup = d.warmupSeconds > 0 && (this.warmupEndEpoch === undefined || t <= this.warmupEndEpoch + 1);
    const outage =
      this.outageDetector.window({ producer, start: windowStart, end: t, intervalMs: interval, lingerMs: this.lingerMax }) && !warmup;
    const lag = producer.latency.scheduleLag;
    const onSchedule = lag.count > 0 && lag.p99 <= this.lingerMax + SATURATION_LOOP_DELAY_MS;
    this.catchingUp = outage || (this.catchingUp && !onSchedule);
    const saturationInput: SaturationInput = {
      mainLoopDelayP99Ms: main.mainLoopDelayP99Ms,
      mainLoopDelayMaxMs: main.mainLoopDelayMaxMs,
      window: kind === 'interval' ? { seconds, intervalMs: interval, collectMs } : undefined,
      catchingUp: this.catchingUp,
      workerLoopDelayMaxMs: health.workerLoopDelayMaxMs,
      workerUtilizationMax: health.workerUtilizationMax,
      cpuPercent: main.cpuPercent,
      cores: d.monitor.cores,
      producer,
      lingerMs: this.lingerMax,
      ...(health.callCap ? { callCap: health.callCap } : {}),
      ...(health.windowFullWaits ? { windowFullWaits: health.windowFullWaits } : {}),
      machineBusyPercent: main.machineBusyPercent,
    };
    const reasons = saturationReasons(saturationInput);
    const notOffered = inFlightBound(saturationInput);
    const generator: GeneratorHealth = {
      eventLoopDelayMs: {
        main: main.mainLoopDelayP99Ms,
        workersMax: round3(health.workerLoopDelayMaxMs),
        mainMax: main.mainLoopDelayMaxMs,
      },
      workerUtilizationMax: round3(health.workerUtilizationMax),
      workers: workers?.aliveCount ?? 0,
      cpuPercent: main.cpuPercent,
      rssBytes: main.rssBytes,
      heapUsedBytes: main.heapUsedBytes,
      saturated: reasons.length > 0,
      reasons,
      ...(health.windowFullWaits ? { windowFullWaits: health.windowFullWaits } : {}),
      machineBusyPercent: main.machineBusyPercent,
      ...(notOffered ? { inFlightBound: notOffered } : {}),
    };
    const target: TargetResources = {};
    if (targetStats?.rssBytes !== undefined) target.rssBytes = targetStats.rssBytes;
    if (targetStats?.cpuPercent !== undefined) target.cpuPercent = round3(targetStats.cpuPercent);
    const m = d.aggregator.measured;
    const cm = d.aggregator.consumerMeasured;
    const sample: Sample = {
      elapsedSeconds: round3((t - this.startEpoch) / 1000),
      intervalSeconds: round3(seconds),
      phase: d.phaseName(),
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
      this.outageLog.add(round3((windowStart - this.startEpoch) / 1000), sample.elapsedSeconds);
      d.live.noteOutage(sample);
    }
    if (d.aggregator.hasConsumers) {
      const i = d.aggregator.integritySums();
      sample.integrity = { checked: true, missing: i.missing, duplicates: i.duplicates, reordered: i.reordered, corrupted: i.corrupted };
    }
    this.saturation.note(generator, !warmup && (active || producer.targetRate > 0));
    this.seriesBuffer.push(sample);
    if (!sample.warmup) this.lagMaxMeasured = Math.max(this.lagMaxMeasured, sample.consumer.lag);
    // Live listeners get the window's distributions; the stored series stays small.
    if (Object.keys(histograms).length) Object.defineProperty(sample, 'histograms', { value: histograms, enumerable: false });
    this.latestSample = sample;
    d.observe(sample);
    if (!warmup && kind !== 'final') this.checkLive(sample);
    if (kind !== 'final') {
      this.checkUnreachable(
        (producer.errorsByCode.UNAVAILABLE ?? 0) + (consumer.errorsByCode.UNAVAILABLE ?? 0),
        producer.acked + consumer.polls,
        t,
      );
    }
    d.publish(sample);
    for (const l of [...this.listeners]) l(sample);
  }

  private checkLive(sample: Sample): void {
    const { outcomes, abort } = this.d.live.evaluate(sample);
    for (const o of outcomes) this.d.onCriterion(o, sample.elapsedSeconds);
    if (abort) {
      this.d.end({
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
    if (silentMs >= this.d.unreachableAfterMs) {
      const message =
        `The target at ${this.d.targetAddress} stopped answering: calls failed with UNAVAILABLE and none succeeded ` +
        `for ${(silentMs / 1000).toFixed(1)} s. Check that the target is up (its /health endpoint, logs) and reachable from this machine.`;
      this.d.end({ state: 'failed', endReason: 'target-unreachable', message, error: { code: 'LH_TARGET_UNREACHABLE', message } });
    }
  }
}
