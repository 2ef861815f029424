// The load worker: the module Piscina runs in each thread. Its default export hosts groups of producers and
// consumers for the whole test, driven by control messages on a MessagePort; it reports aggregates (counters,
// encoded HDR histograms, lag gauges, integrity counts) when the main thread collects, and never per record.
// No top-level await here: Piscina may load this file through require().
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { createDriver, loadDriver } from '../driver/load.js';
import type { Driver } from '../driver/types.js';
import { LoadhouseError } from '../errors.js';
import { initHistograms } from '../metrics/histogram.js';
import { LOOP_DELAY_RESOLUTION_MS, loopDelayP99Ms } from '../metrics/generator-monitor.js';
import { connectDriver } from '../target.js';
import { systemClock } from '../clock.js';
import { epochNow as nowMs, within } from '../util.js';
import { Consumer } from './consumer.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { IntegrityCounter } from './integrity.js';
import { type PayloadPool, payloadPoolFor } from './payload.js';
import { prewarmAndLog } from './prewarm.js';
import { groupRecords, needsLayout } from './producer-records.js';
import { Producer, producerFrames, type ProducerContext } from './producer.js';
import { ProducerMetrics } from './producer-metrics.js';
import { WakeQueue } from './wake-queue.js';
import { CallBudget } from './call-budget.js';
import { FinishedOutbox } from './finished-outbox.js';
import { armCrash } from './crash-seam.js';
import { WorkerVerifyLogs } from '../verify/run-log.js';
import type {
  ConsumerGroupSpec,
  ConsumerPosition,
  ConsumerReport,
  ConsumerSpec,
  ControlMessage,
  ProducerGroupSpec,
  WorkerInit,
  WorkerMessage,
  WorkerReport,
} from './protocol.js';

/**
 * How often the worker looks for due producers and services consumers: accurate to a few ms at any rate,
 * never a timer per record; a producer is visited only when its nextWake() has come (WakeQueue).
 */
const TICK_MS = 2;

interface HostedGroup {
  spec: ProducerGroupSpec;
  producers: Producer[];
  stopping: boolean;
  stopped: boolean;
}

interface HostedConsumerGroup {
  spec: ConsumerGroupSpec;
  consumers: Consumer[];
  integrity: IntegrityCounter;
  stopping: boolean;
  commitTimer: NodeJS.Timeout | undefined;
  commitErrors: number;
}

class WorkerHost {
  private driver: Driver | undefined;
  private readonly metrics: ProducerMetrics;
  private readonly payloads = new Map<string, PayloadPool>();
  private readonly groups = new Map<number, HostedGroup>();
  /** Running producers by the time they next have something to do. */
  private readonly timers = new WakeQueue<Producer>();
  private readonly due: Producer[] = [];
  private readonly budget: CallBudget; // all its producers' calls in flight, bounded per connection
  /** Times its producers found their own in-flight window full with a batch ready (Producer.windowFull). */
  private readonly windowFull = { waits: 0 };
  private consumerMetrics: ConsumerMetrics | undefined;
  private readonly consumerGroups = new Map<number, HostedConsumerGroup>();
  /** Integrity counters of running and stopped groups, until their last change was reported. */
  private readonly integrity = new Map<number, IntegrityCounter>();
  private consumers: Consumer[] = [];
  /** Ack and consumed runs for the consumed-offset check; only when records carry headers. */
  private readonly verify: WorkerVerifyLogs | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  /** Finished producers, told once per group and turn of the event loop. */
  private readonly finished = new FinishedOutbox((groupId, producers) =>
    this.init.port.postMessage({ type: 'producer-done', workerIndex: this.init.workerIndex, groupId, producers } satisfies WorkerMessage),
  );
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(private readonly init: WorkerInit) {
    this.metrics = new ProducerMetrics(init.instrument);
    this.verify = init.instrument ? new WorkerVerifyLogs() : undefined;
    this.budget = new CallBudget(Math.max(1, init.connections) * init.maxCallsPerConnection);
  }

  private post(message: WorkerMessage): void {
    // What finished before this message is told before it (a group's stop follows its producers' completions).
    this.finished.flush();
    this.init.port.postMessage(message);
  }

  async run(): Promise<{ workerIndex: number }> {
    const { port, workerIndex } = this.init;
    try {
      // The main thread loaded and checked the same module: a failure here is the thread's own.
      this.driver = createDriver(await loadDriver(this.init.target.driver), this.init.target, this.init.connections);
      await connectDriver(this.driver, this.init.target.connectTimeoutMs, false);
    } catch (err) {
      const code = err instanceof LoadhouseError ? err.code : 'LH_TARGET_UNREACHABLE';
      this.post({ type: 'init-failed', workerIndex, code, message: (err as Error).message });
      this.close();
      return { workerIndex };
    }
    if (this.init.warmup) await prewarmAndLog(this.driver, this.init.warmup, this.init.connections, (l, m) => this.log(l, m));
    // Health windows start now: module loading, connecting and the pre-warm are not load.
    this.loopDelay.enable();
    this.elu = performance.eventLoopUtilization();
    port.on('message', (msg: ControlMessage) => this.handle(msg));
    armCrash(workerIndex);
    this.post({ type: 'ready', workerIndex });
    await this.done;
    return { workerIndex };
  }

  private handle(msg: ControlMessage): void {
    switch (msg.type) {
      case 'start-producers':
        return this.startGroup(msg.group);
      case 'start-consumers':
        return this.startConsumerGroup(msg.group);
      case 'set-consumer-rate': {
        const g = this.consumerGroups.get(msg.groupId);
        if (!g || g.stopping) return;
        const now = nowMs();
        for (const c of g.consumers) c.setRate(msg.ratePerPartition, now);
        return;
      }
      case 'set-rate': {
        const g = this.groups.get(msg.groupId);
        if (!g) return;
        const now = nowMs();
        const at = Math.min(msg.atEpochMs, now);
        for (const p of g.producers) {
          const rate = msg.rates[p.id];
          if (rate !== undefined) p.setRate(rate, at, msg.continuous === true);
        }
        return;
      }
      case 'stop-group':
        return this.stopGroup(msg.groupId, msg.drainTimeoutMs, msg.atEpochMs, msg.crash === true);
      case 'collect':
        // Records due by now count in this window, not after it: a stalled loop would otherwise move them
        // across a phase boundary.
        this.tick();
        return this.post({ type: 'report', workerIndex: this.init.workerIndex, collectId: msg.collectId, report: this.report() });
      case 'shutdown':
        return this.shutdown();
    }
  }

  private startGroup(spec: ProducerGroupSpec): void {
    const payload = payloadPoolFor(this.payloads, spec.payload, spec.messageSize, spec.seed);
    // The schedule starts when the main thread asked, so the requested and scheduled counts agree exactly;
    // the message's transit time shows up as schedule lag of the first records, where it belongs.
    const start = Math.min(spec.startEpochMs, nowMs());
    const group: HostedGroup = { spec, producers: [], stopping: false, stopped: false };
    const rearm = (p: Producer) => this.timers.set(p, p.nextWake());
    // Keys and drawn sizes: one table per group, shared by its topics.
    const records = needsLayout(spec) ? groupRecords(spec) : undefined;
    // Producers of one topic share its request buffers and, in a many-topic run, its share of the metrics
    // (byTopic in reports); a one-topic group records straight into the worker's.
    const manyTopics = spec.producers.some((p) => p.topic !== undefined);
    const contexts = new Map<string, ProducerContext>();
    const contextOf = (topic: string): ProducerContext => {
      let ctx = contexts.get(topic);
      if (!ctx) {
        const frames = producerFrames({ ...spec, topic }, payload);
        const metrics = manyTopics ? this.metrics.forTopic(topic) : this.metrics;
        const acks = this.verify?.ackLog(topic);
        ctx = {
          driver: this.driver!,
          metrics,
          payload,
          clock: systemClock,
          frames,
          records,
          acks,
          budget: this.budget,
          windowFull: this.windowFull,
        };
        contexts.set(topic, ctx);
      }
      return ctx;
    };
    for (const ps of spec.producers) {
      const p = new Producer(ps, spec, contextOf(ps.topic ?? spec.topic), start);
      p.onFinished = () => this.onProducerFinished(group, p);
      p.onWake = rearm;
      group.producers.push(p);
      rearm(p);
    }
    this.groups.set(spec.groupId, group);
    this.tickTimer ??= setInterval(() => this.tick(), TICK_MS);
  }

  private startConsumerGroup(spec: ConsumerGroupSpec): void {
    this.consumerMetrics ??= new ConsumerMetrics();
    const integrity = new IntegrityCounter();
    const group: HostedConsumerGroup = { spec, consumers: [], integrity, stopping: false, commitTimer: undefined, commitErrors: 0 };
    const onCommitError = (partition: number, code: string) => {
      if (group.commitErrors++ === 0) {
        this.log(
          'warn',
          `CommitOffset failed for group "${spec.group}" partition ${partition} (${code}); later failures of this group are not logged`,
        );
      }
    };
    // Consumers of one topic share its consumed log (verification is per topic) and, in a many-topic run, its
    // share of the metrics; a one-topic group records straight into the worker's.
    const manyTopics = spec.consumers.some((c) => c.topic !== undefined);
    const topics = new Map<string, ConsumerSpec[]>();
    for (const cs of spec.consumers) {
      const topic = cs.topic ?? spec.topic;
      const list = topics.get(topic);
      if (list) list.push(cs);
      else topics.set(topic, [cs]);
    }
    const now = nowMs();
    for (const [topic, members] of topics) {
      const startOffsets: Record<number, number> = {};
      for (const cs of members) for (const p of cs.partitions) startOffsets[p.partition] = p.startOffset;
      const first = group.consumers.length;
      const flush = () => {
        for (const c of group.consumers.slice(first, first + members.length)) c.flushRuns();
      };
      const ctx = {
        driver: this.driver!,
        metrics: manyTopics ? this.consumerMetrics.forTopic(topic) : this.consumerMetrics,
        integrity,
        consumed: this.verify?.consumerLog(spec.groupId, topic, startOffsets, flush),
        instrument: this.init.instrument,
        clock: systemClock,
        onCommitError,
      };
      for (const cs of members) group.consumers.push(new Consumer(cs, spec, ctx, now));
    }
    this.consumers.push(...group.consumers);
    this.consumerGroups.set(spec.groupId, group);
    this.integrity.set(spec.groupId, integrity);
    if (spec.commitEveryMs > 0) {
      group.commitTimer = setInterval(() => {
        for (const c of group.consumers) void c.commit();
      }, spec.commitEveryMs);
    }
    this.tickTimer ??= setInterval(() => this.tick(), TICK_MS);
    for (const c of group.consumers) c.service(now);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.post({ type: 'log', workerIndex: this.init.workerIndex, level, message });
  }

  private tick(): void {
    const now = nowMs();
    const due = this.timers.takeDue(now, this.due);
    for (let i = 0; i < due.length; i++) due[i]!.service(now);
    due.length = 0;
    const consumers = this.consumers;
    for (let i = 0; i < consumers.length; i++) consumers[i]!.service(now);
  }

  private onProducerFinished(group: HostedGroup, p: Producer): void {
    this.timers.remove(p);
    if (!group.stopping) {
      this.finished.add(group.spec.groupId, p.totals());
    }
    this.maybeGroupStopped(group);
  }

  private stopGroup(groupId: number, drainTimeoutMs: number, atEpochMs: number, crash: boolean): void {
    const consumerGroup = this.consumerGroups.get(groupId);
    if (consumerGroup) {
      void this.stopConsumerGroup(consumerGroup, drainTimeoutMs, crash);
      return;
    }
    const group = this.groups.get(groupId);
    if (!group) {
      this.post({ type: 'group-stopped', workerIndex: this.init.workerIndex, groupId, producers: [] });
      return;
    }
    group.stopping = true;
    for (const p of group.producers) p.stop(drainTimeoutMs, atEpochMs);
    this.maybeGroupStopped(group);
  }

  private maybeGroupStopped(group: HostedGroup): void {
    if (!group.stopping || group.stopped) return;
    if (!group.producers.every((p) => p.isFinished)) return;
    group.stopped = true;
    this.groups.delete(group.spec.groupId);
    // The final counts travel before the acknowledgement: messages on one port keep their order.
    this.post({ type: 'report', workerIndex: this.init.workerIndex, collectId: null, report: this.report() });
    this.post({
      type: 'group-stopped',
      workerIndex: this.init.workerIndex,
      groupId: group.spec.groupId,
      producers: group.producers.map((p) => p.totals()),
    });
  }

  /**
   * Polls in flight are awaited up to drainTimeoutMs (then cancelled), offsets committed one last time when
   * the group commits, and the final report goes out before the acknowledgement, which carries where each
   * partition stands. A crash drops the polls and skips the final commit.
   */
  private async stopConsumerGroup(group: HostedConsumerGroup, drainTimeoutMs: number, crash: boolean): Promise<void> {
    if (group.stopping) return;
    group.stopping = true;
    if (group.commitTimer) clearInterval(group.commitTimer);
    const deadline = nowMs() + drainTimeoutMs;
    if (crash) {
      // Commits already sent land or fail before the group counts as gone: a restart then reads what they left.
      for (const c of group.consumers) c.crash();
      const settled = await within(Promise.all(group.consumers.map((c) => c.commitsSettled())), drainTimeoutMs);
      if (!settled)
        this.log('warn', `a CommitOffset of group "${group.spec.group}" in flight at the crash did not answer within the drain timeout`);
    } else {
      const drained = await within(Promise.all(group.consumers.map((c) => c.stop())), drainTimeoutMs);
      if (!drained) for (const c of group.consumers) c.abandon();
    }
    if (group.spec.commitEveryMs > 0 && !crash) {
      const committed = await within(Promise.all(group.consumers.map((c) => c.commit())), Math.max(0, deadline - nowMs()));
      if (!committed) this.log('warn', `the final CommitOffset of group "${group.spec.group}" did not answer within the drain timeout`);
    }
    this.consumers = this.consumers.filter((c) => !group.consumers.includes(c));
    this.consumerGroups.delete(group.spec.groupId);
    this.verify?.groupStopped(group.spec.groupId);
    const positions: ConsumerPosition[] = [];
    for (const c of group.consumers) c.positions(positions);
    this.post({ type: 'report', workerIndex: this.init.workerIndex, collectId: null, report: this.report() });
    this.post({ type: 'group-stopped', workerIndex: this.init.workerIndex, groupId: group.spec.groupId, producers: [], positions });
  }

  private consumerReport(): ConsumerReport | null {
    const metrics = this.consumerMetrics;
    if (!metrics) return null;
    const lag: ConsumerReport['lag'] = [];
    for (const g of this.consumerGroups.values()) for (const c of g.consumers) c.lags(lag, g.spec.groupId);
    const integrity: ConsumerReport['integrity'] = [];
    for (const [groupId, counter] of this.integrity) {
      if (counter.dirty) {
        counter.dirty = false;
        integrity.push({ groupId, tally: { ...counter.tally, examples: counter.tally.examples.map((e) => ({ ...e })) } });
      }
      if (!this.consumerGroups.has(groupId)) this.integrity.delete(groupId);
    }
    return metrics.report(lag, integrity);
  }

  private report(): WorkerReport {
    let inFlight = 0;
    let backlog = 0;
    for (const g of this.groups.values()) {
      for (const p of g.producers) {
        inFlight += p.inFlightBatches;
        backlog += p.backlog;
      }
    }
    const delay = loopDelayP99Ms(this.loopDelay);
    this.loopDelay.reset();
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const verify = this.verify?.report();
    const rebalanceMs = this.driver?.rebalances?.();
    const calls = this.budget.takeWaits();
    const callCap = calls.waits > 0 ? { callCap: { cap: this.budget.cap, waits: calls.waits } } : {};
    const windowFull = this.windowFull.waits > 0 ? { windowFullWaits: this.windowFull.waits } : {};
    this.windowFull.waits = 0;
    return {
      ...(verify ? { verify } : {}),
      ...(rebalanceMs?.length ? { rebalanceMs } : {}),
      producer: this.metrics.report(inFlight, backlog),
      consumer: this.consumerReport(),
      // Utilization over a sliver of a window (the thread just became ready) says nothing: report it from 200 ms.
      health: { eventLoopDelayP99Ms: delay, utilization: elu.idle + elu.active >= 200 ? elu.utilization : 0, ...callCap, ...windowFull },
    };
  }

  private shutdown(): void {
    this.post({ type: 'report', workerIndex: this.init.workerIndex, collectId: null, report: this.report() });
    this.close();
    this.resolveDone();
  }

  private close(): void {
    this.finished.flush();
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    for (const g of this.consumerGroups.values()) {
      if (g.commitTimer) clearInterval(g.commitTimer);
      for (const c of g.consumers) c.abandon();
    }
    this.consumerMetrics?.destroy();
    this.loopDelay.disable();
    this.driver?.close();
    this.metrics.destroy();
    this.init.port.close();
  }
}

export default async function loadWorker(init: WorkerInit): Promise<{ workerIndex: number }> {
  await initHistograms();
  return new WorkerHost(init).run();
}
