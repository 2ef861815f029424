// The parts of a run that carry its load and its measurements, wired together: each gets the narrow views of
// the others it needs, and the run (lifecycle.ts) holds them. Made once WASM histograms are initialised in
// this thread (the aggregator's histograms must match the workers' to merge).
import type { LiveCriteria } from '../criteria.js';
import { Aggregator } from '../metrics/aggregator.js';
import type { GeneratorMonitor } from '../metrics/generator-monitor.js';
import { RateTracker } from '../metrics/rate-tracker.js';
import type { ProcessMonitor } from '../monitor/process-stats.js';
import type { ResolvedOptions } from '../options.js';
import type { EventBus } from '../plugins/event-bus.js';
import type { MetricSources } from '../plugins/metric-sources.js';
import type { Driver } from '../driver/types.js';
import type { Ending } from '../result/build.js';
import type { RunTelemetry } from '../telemetry.js';
import type { Logger, Sample } from '../types.js';
import type { Clock } from '../clock.js';
import { RunController } from './controller.js';
import { RunPools } from './pools.js';
import { Sampler } from './sampler.js';

/** Where `test.samples()` iterators get their samples. */
export interface SampleSink {
  push(sample: Sample): void;
  end(): void;
}

export interface Parts {
  aggregator: Aggregator;
  /** The requested producer rate over time, and the time producers were busy. */
  rates: RateTracker;
  /** 1 per running consumer group: the time consumers ran, for consumer msgsPerSec. */
  consumeActivity: RateTracker;
  sampler: Sampler;
  pools: RunPools;
  controller: RunController;
}

export interface PartsDeps {
  opts: ResolvedOptions;
  /** The run's topics (one unless `options.topics` > 1). */
  topics: readonly string[];
  clock: Clock;
  /** Aborted when the run must end. */
  signal: AbortSignal;
  bus: EventBus;
  sinks: ReadonlySet<SampleSink>;
  logger: Logger;
  monitor: GeneratorMonitor;
  targetMonitor: ProcessMonitor | undefined;
  /** Called as each load starts (the first call is the load's start: a fault timeline counts from it). */
  onLoad?: () => void;
  metricSources: MetricSources;
  live: LiveCriteria;
  /** The connected target (after pre-flight). */
  client: () => Driver;
  telemetry: () => RunTelemetry | undefined;
  /** When the load started (epoch ms). */
  startEpoch: () => number;
  ending: () => Ending | undefined;
  end: (ending: Ending) => void;
}

export function makeParts(d: PartsDeps): Parts {
  const aggregator = new Aggregator();
  const rates = new RateTracker(d.clock.now);
  const consumeActivity = new RateTracker(d.clock.now);
  // The sampler tags samples with the controller's open phase and collects the pools' workers; both are
  // made after it.
  let controller: RunController | undefined;
  let pools: RunPools | undefined;
  const sampler = new Sampler({
    clock: d.clock,
    intervalMs: d.opts.intervalMs,
    warmupSeconds: d.opts.warmupSeconds,
    unreachableAfterMs: d.opts.target.unreachableAfterMs,
    targetAddress: d.opts.target.address,
    aggregator,
    rates,
    monitor: d.monitor,
    targetMonitor: d.targetMonitor,
    metricSources: d.metricSources,
    workers: () => pools?.workers,
    live: d.live,
    phaseName: () => controller?.phaseName() ?? 'main',
    isEnding: () => d.ending() !== undefined,
    end: d.end,
    onCriterion: (o, elapsedSeconds) => d.bus.emit('criterion', { ...o, live: true, elapsedSeconds }),
    observe: (s) => d.telemetry()?.onSample(s),
    publish: (s) => {
      d.bus.emit('sample', s);
      for (const sink of d.sinks) sink.push(s);
    },
    logError: (m) => d.logger.error(m),
  });
  pools = new RunPools({
    opts: d.opts,
    topics: d.topics,
    client: d.client,
    aggregator,
    rates,
    consumeActivity,
    warmupEnd: () => {
      d.onLoad?.();
      return sampler.loadStarted();
    },
    startEpoch: d.startEpoch,
    end: d.end,
    logger: d.logger,
  });
  controller = new RunController({
    opts: d.opts,
    topics: d.topics,
    clock: d.clock,
    signal: d.signal,
    logger: d.logger,
    hooks: d.bus,
    aggregator,
    sampler,
    pools,
    rates,
    consumeActivity,
    startEpoch: d.startEpoch,
    ending: d.ending,
    end: d.end,
  });
  return { aggregator, rates, consumeActivity, sampler, pools, controller };
}
