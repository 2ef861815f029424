// What a scenario drives: produce() and consume() start groups on the run's pools (their handles carry
// setRate() and stop()), waitFor() waits on time or on samples, phase() tags a stretch of the run and gives
// it its own totals, record() keeps a scenario figure. Everything a scenario started is listed for the result.
import { LoadhouseError } from '../errors.js';
import type { Aggregator, PhaseAccumulator } from '../metrics/aggregator.js';
import type { RateTracker } from '../metrics/rate-tracker.js';
import { resolveConsumeOptions, resolveProduceOptions, SERVER_DEFAULT_REQUEST_BYTES, type ResolvedOptions } from '../options.js';
import type { EventBus } from '../plugins/event-bus.js';
import { type Ending, phaseResult } from '../result/build.js';
import { sleep } from '../timers.js';
import type {
  ConsumeOptions,
  ConsumerGroup,
  Controller,
  Logger,
  PhaseResult,
  ProduceOptions,
  ProducerGroup,
  WaitCondition,
  ConsumerGroupConfig,
  ProducerGroupConfig,
  ResultBase,
} from '../types.js';
import type { Clock } from '../clock.js';
import { round3 } from '../util.js';
import type { RunPools } from './pools.js';
import type { Sampler } from './sampler.js';

interface OpenPhase {
  acc: PhaseAccumulator;
  closed: boolean;
  /** Seconds from the start of the run to the phase's start. */
  elapsed: number;
}

export interface ControllerDeps {
  opts: Pick<ResolvedOptions, 'instrument'>;
  /** The run's topics (one unless `options.topics` > 1); the first is `controller.topic`. */
  topics: readonly string[];
  clock: Clock;
  /** Aborted when the run must end. */
  signal: AbortSignal;
  logger: Logger;
  hooks: Pick<EventBus, 'callHook'>;
  aggregator: Aggregator;
  sampler: Pick<Sampler, 'sample' | 'subscribe' | 'noteLinger' | 'latest' | 'lastCutEpoch'>;
  pools: RunPools;
  rates: Pick<RateTracker, 'activeSeconds' | 'integral' | 'busySeconds'>;
  consumeActivity: Pick<RateTracker, 'activeSeconds'>;
  /** When the run's load started (epoch ms). */
  startEpoch: () => number;
  ending: () => Ending | undefined;
  end: (ending: Ending) => void;
}

/** Sections of the result that a scenario built into the engine fills in (the capacity search's answer). */
export type ResultSections = Pick<ResultBase, 'capacity'>;

const byApi = new WeakMap<Controller, RunController>();

function internal(controller: Controller): RunController {
  const rc = byApi.get(controller);
  if (!rc) throw new LoadhouseError('LH_RUN_STATE', 'this controller was not given by a run of this engine');
  return rc;
}

/**
 * The result sections of the run that gave a scenario `controller`: what is set here is in every result the
 * run builds from then on (checkpoints, partial writes, the final result) before its criteria are judged.
 */
export function resultSections(controller: Controller): ResultSections {
  return internal(controller).sections;
}

/** The results of the phases closed so far in the run that gave `controller`, in the order they closed. */
export function closedPhases(controller: Controller): readonly PhaseResult[] {
  return internal(controller).phases;
}

/** The longest of the names: batch sizes are checked against the largest request any producer sends. */
function longest(topics: readonly string[]): string {
  return topics.reduce((a, b) => (b.length > a.length ? b : a));
}

/** A group's `topics` in the result's config, when the run has more than one. */
function manyTopics(topics: readonly string[]): { topics?: string[] } {
  return topics.length > 1 ? { topics: [...topics] } : {};
}

export class RunController {
  readonly phases: PhaseResult[] = [];
  private readonly openPhases: OpenPhase[] = [];
  readonly scenarioResults: Record<string, unknown> = {};
  private readonly groupConfigs: ProducerGroupConfig[] = [];
  /** Poisson groups, whose arrival CV is known once their producers reported (at their stop). */
  private readonly arrivalGroups: Array<{ config: ProducerGroupConfig; group: ProducerGroup }> = [];
  readonly consumerGroups: ConsumerGroupConfig[] = [];
  /** Consumers left without a partition, over every consumer group. */
  idleConsumers = 0;
  readonly sections: ResultSections = {};

  constructor(private readonly d: ControllerDeps) {}

  /** The producer groups started so far, each with the arrival CV its producers reported. */
  get producerGroups(): ProducerGroupConfig[] {
    for (const { config, group } of this.arrivalGroups) {
      const cv = (group as ProducerGroup & { arrivalCv?: () => number | undefined }).arrivalCv?.();
      if (cv !== undefined) config.arrivalCv = round3(cv);
    }
    return this.groupConfigs;
  }

  /** The object the scenario's run() receives. */
  api(): Controller {
    const { d } = this;
    const api: Controller = {
      produce: (options) => this.produce(options),
      consume: (options) => this.consume(options),
      waitFor: (condition, options) => this.waitFor(condition, options),
      phase: (name, fn) => this.phase(name, fn),
      stop: () => d.end({ state: 'completed', endReason: 'stopped', message: 'The scenario called stop().' }),
      get signal() {
        return d.signal;
      },
      get latest() {
        return d.sampler.latest;
      },
      elapsedSeconds: () => this.elapsed(),
      record: (name, value) => {
        if (typeof name !== 'string' || name === '')
          throw new LoadhouseError('LH_INVALID_OPTION', `record(name, value): name must be a non-empty string, got ${String(name)}`);
        this.scenarioResults[name] = value;
      },
      get topic() {
        return d.topics[0]!;
      },
      get topics() {
        return d.topics;
      },
      get logger() {
        return d.logger;
      },
    };
    byApi.set(api, this);
    return api;
  }

  /** The innermost open phase, which samples are tagged with. */
  phaseName(): string {
    return this.openPhases.length > 0 ? this.openPhases[this.openPhases.length - 1]!.acc.name : 'main';
  }

  /** At the end of the run, innermost first: phases the scenario left open get their results too. */
  async closeOpenPhases(): Promise<void> {
    for (const ph of [...this.openPhases].reverse()) await this.closePhase(ph);
  }

  /** When the window cut after `asked` ended; now when no cut was made since (the run is ending, sampling failed). */
  private cutSince(asked: number): number {
    const cut = this.d.sampler.lastCutEpoch;
    return cut >= asked ? cut : this.d.clock.now();
  }

  private elapsed(): number {
    return (this.d.clock.now() - this.d.startEpoch()) / 1000;
  }

  private ensureRunning(what: string): void {
    const ending = this.d.ending();
    if (ending) throw new LoadhouseError('LH_RUN_STATE', `${what} was called after the run ended (${ending.endReason}): ${ending.message}`);
  }

  private async produce(options: ProduceOptions): Promise<ProducerGroup> {
    const { d } = this;
    this.ensureRunning('produce()');
    const resolved = resolveProduceOptions(options, { topic: longest(d.topics), instrument: d.opts.instrument });
    if (resolved.messagesPerProducer !== undefined && resolved.producers < d.topics.length) {
      // A quota makes the producer count the record count: adding producers would change what the scenario asked.
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `produce(): ${resolved.producers} producers with a quota of ${resolved.messagesPerProducer} records each cannot cover ` +
          `${d.topics.length} topics (each producer writes one); use at least ${d.topics.length} producers or at most ${resolved.producers} topics`,
        { details: { option: 'topics', value: d.topics.length } },
      );
    }
    resolved.producers = this.atLeastOnePerTopic('produce()', 'producers', resolved.producers);
    if (resolved.batchBytes > SERVER_DEFAULT_REQUEST_BYTES) {
      d.logger.warn(
        `a full batch is ${resolved.batchBytes} bytes: a StreamHouse server with gRPC's default 4 MiB receive limit refuses requests that large`,
      );
    }
    const partitions = await d.pools.partitionsFor(resolved.partitions);
    this.ensureRunning('produce()');
    const group = await d.pools.producers().start(resolved, d.topics, partitions);
    if (d.ending()) {
      await group.stop();
      this.ensureRunning('produce()');
    }
    d.sampler.noteLinger(resolved.lingerMs);
    const { batchBytes: _b, peakRate: _p, workload: _w, arrivals, ...recorded } = resolved;
    const config: ProducerGroupConfig = {
      id: group.id,
      ...recorded,
      partitions,
      topic: d.topics[0]!,
      ...manyTopics(d.topics),
      startedAtSeconds: round3(this.elapsed()),
    };
    if (arrivals === 'poisson') {
      config.arrivals = arrivals;
      this.arrivalGroups.push({ config, group });
    }
    this.groupConfigs.push(config);
    return group;
  }

  private async consume(options: ConsumeOptions): Promise<ConsumerGroup> {
    const { d } = this;
    this.ensureRunning('consume()');
    const resolved = resolveConsumeOptions(options, { topic: d.topics[0]! });
    resolved.consumers = this.atLeastOnePerTopic('consume()', 'consumers', resolved.consumers);
    const partitions = await d.pools.partitionsFor(resolved.partitions);
    this.ensureRunning('consume()');
    let group: ConsumerGroup;
    try {
      group = await d.pools.consumers().start(resolved, d.topics, partitions);
    } catch (err) {
      if (err instanceof LoadhouseError) throw err;
      const where = d.topics.length > 1 ? `the ${d.topics.length} topics "${d.topics[0]}"...` : `topic "${d.topics[0]}"`;
      const message = `Could not find where the consumers start (startAt '${resolved.startAt}') on ${where}: ${(err as Error).message}`;
      throw new LoadhouseError('LH_TOPIC_SETUP_FAILED', message, { cause: err, details: { topic: d.topics[0] } });
    }
    if (d.ending()) {
      await group.stop();
      this.ensureRunning('consume()');
    }
    if (group.idleConsumers > 0) {
      d.logger.warn(
        `consume(): ${resolved.consumers} consumers for ${partitions * d.topics.length} partitions leaves ${group.idleConsumers} idle ` +
          '(every partition has exactly one consumer); use at most as many consumers as partitions' +
          (d.topics.length > 1 ? ` (${partitions} on each of ${d.topics.length} topics)` : ''),
      );
    }
    this.idleConsumers += group.idleConsumers;
    this.consumerGroups.push({
      id: group.id,
      ...resolved,
      partitions,
      idleConsumers: group.idleConsumers,
      topic: d.topics[0]!,
      ...manyTopics(d.topics),
      startedAtSeconds: round3(this.elapsed()),
    });
    return group;
  }

  /**
   * Every topic needs a member of the group, or its records would go unwritten or unread: a group with fewer
   * members than the run has topics is given one per topic (the rate is the same, split over more members).
   */
  private atLeastOnePerTopic(call: string, what: string, members: number): number {
    const n = this.d.topics.length;
    if (members >= n) return members;
    this.d.logger.warn(`${call}: ${members} ${what} for ${n} topics; starting ${n} (one per topic), with the same total rate`);
    return n;
  }

  private waitFor(condition: WaitCondition, options?: { timeoutSeconds?: number }): Promise<boolean> {
    const { d } = this;
    if (d.ending()) return Promise.resolve(false);
    if (typeof condition === 'number') {
      if (!Number.isFinite(condition) || condition < 0) {
        return Promise.reject(new LoadhouseError('LH_INVALID_OPTION', `waitFor(seconds): seconds must be a number >= 0, got ${condition}`));
      }
      return sleep(condition * 1000, d.signal);
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
        unsubscribe();
        cancel?.();
        if (value instanceof Error) reject(value);
        else resolve(value);
      };
      const unsubscribe = d.sampler.subscribe((sample) => {
        if (!sample || d.ending()) return done(false);
        try {
          if (condition(sample)) done(true);
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)));
        }
      });
      if (t !== undefined) cancel = d.clock.setTimeout(() => done(false), t * 1000);
    });
  }

  private async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.ensureRunning('phase()');
    if (typeof name !== 'string' || name === '')
      throw new LoadhouseError('LH_INVALID_OPTION', `phase(name, fn): name must be a non-empty string, got ${String(name)}`);
    const asked = this.d.clock.now();
    await this.d.sampler.sample('cut');
    // The window just cut ends where the phase starts: its counts and the rate asked for cover the same time.
    const t = this.cutSince(asked);
    const entry: OpenPhase = { acc: this.d.aggregator.openPhase(name, t), closed: false, elapsed: (t - this.d.startEpoch()) / 1000 };
    this.openPhases.push(entry);
    await this.d.hooks.callHook('phase:start', 'report', { name, elapsedSeconds: round3(entry.elapsed) });
    try {
      return await fn();
    } finally {
      await this.closePhase(entry);
    }
  }

  private async closePhase(entry: OpenPhase): Promise<void> {
    const { d } = this;
    if (entry.closed) return;
    entry.closed = true;
    const asked = d.clock.now();
    if (!d.ending()) await d.sampler.sample('cut');
    const acc = d.aggregator.closePhase(entry.acc);
    const i = this.openPhases.indexOf(entry);
    if (i >= 0) this.openPhases.splice(i, 1);
    const t = Math.max(acc.startMs, this.cutSince(asked));
    const result = phaseResult({
      acc,
      elapsedSeconds: entry.elapsed,
      durationSeconds: (t - acc.startMs) / 1000,
      producer: {
        activeSeconds: d.rates.activeSeconds(acc.startMs, t),
        requested: d.rates.integral(acc.startMs, t),
        busySeconds: d.rates.busySeconds(acc.startMs, t),
      },
      consumerActiveSeconds: d.consumeActivity.activeSeconds(acc.startMs, t),
    });
    acc.histograms.destroy();
    acc.consumerHistograms.destroy();
    this.phases.push(result);
    await d.hooks.callHook('phase:end', 'report', result);
  }
}
