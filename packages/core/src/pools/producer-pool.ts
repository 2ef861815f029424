// Producer groups on the shared load workers: the main thread plans each group (rate split, partitions,
// shard), spreads its producers over the workers, and turns setRate/stop into control messages. A group's
// stop resolves only after every worker sent its final report for it.
import { LoadhouseError } from '../errors.js';
import { MAX_PRODUCE_RATE, type ResolvedProduceOptions } from '../options.js';
import type { RateTracker } from '../metrics/rate-tracker.js';
import type { DeliveryConfig, PartitionsReport, ProducerGroup, ProducerMemberStats } from '../types.js';
import { balance, partitionsReport } from '../workload/balance.js';

import type { DeliveryTally } from '../worker/delivery-tally.js';
import { arrivalCv } from '../worker/arrivals.js';
import type { ProducerGroupSpec, ProducerTotalsReport } from '../worker/protocol.js';
import { planProducers, splitRate, type PlannedProducer } from './plan.js';
import { byWorker, GroupPool, WorkerGroup, type GroupPoolSettings } from './group-pool.js';
import type { WorkerPool } from './worker-pool.js';
import { epochNow, round3 } from '../util.js';

export interface ProducerPoolSettings extends GroupPoolSettings {
  /** gRPC channels per worker. */
  connections: number;
  dropAfterMs: number;
  ackMode: number;
  delivery: DeliveryConfig | null;
  /** The run's seed, handed to every producer. */
  seed: number;
}

class RunningGroup extends WorkerGroup implements ProducerGroup {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  /** Producers still running, by id, with their current rate. */
  private readonly remaining = new Map<number, PlannedProducer>();
  /** The sum of their rates, kept as producers finish: summing over every producer per `producer-done` was O(n²), 15 s of main thread at 10,000 producers. */
  private remainingRate = 0;
  private readonly members = new Map<number, ProducerTotalsReport>();
  /** The group's key distribution, when its records have keys. */
  keys: string | undefined;

  constructor(
    id: number,
    private readonly planned: Array<PlannedProducer & { worker: number }>,
    private readonly totalProducers: number,
    readonly partitions: number,
    readonly topics: readonly string[],
    private readonly owner: ProducerPool,
  ) {
    super(id, [...new Set(planned.map((p) => p.worker))], owner.pool, owner.settings.drainTimeoutMs);
    this.done = new Promise<void>((r) => (this.resolveDone = r));
    for (const p of planned) this.remaining.set(p.id, p);
    this.sumRates();
    if (planned.length === 0) this.resolveDone();
  }

  get producers(): number {
    return this.planned.length;
  }

  get localRate(): number {
    return this.remainingRate;
  }

  private sumRates(): void {
    let sum = 0;
    for (const p of this.remaining.values()) sum += p.rate;
    this.remainingRate = sum;
  }

  /** `continuous`: each producer keeps the part of its current gap already elapsed (rate profiles' steps). */
  setRate(rate: number, continuous = false): void {
    if (!Number.isFinite(rate) || rate < 0 || rate > MAX_PRODUCE_RATE) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `setRate(rate): rate must be a number from 0 (pauses the group) to ${MAX_PRODUCE_RATE}, got ${rate}`,
      );
    }
    if (this.stopped) return;
    const shares = splitRate(rate, this.totalProducers);
    for (const p of this.planned) p.rate = shares[p.k]!;
    const atEpochMs = epochNow();
    for (const [worker, producers] of byWorker(this.planned, (p) => [p.id, p.rate] as const)) {
      this.owner.pool.send(worker, {
        type: 'set-rate',
        groupId: this.id,
        rates: Object.fromEntries(producers),
        atEpochMs,
        ...(continuous ? { continuous } : {}),
      });
    }
    this.sumRates();
    this.owner.rates.set(this.id, this.localRate);
  }

  protected beforeStop(): void {
    // Scheduling stops now; the drain that follows is not time the producers were asked to send, but it
    // is time the acked records took (RateTracker.busySeconds).
    this.owner.rates.startDrain(this.id);
    this.owner.rates.set(this.id, 0);
  }

  protected afterStop(): void {
    this.remaining.clear();
    this.remainingRate = 0;
    this.owner.rates.set(this.id, 0);
    const finished = [...this.members.values()].map((m) => m.finishedEpochMs);
    this.owner.rates.endDrain(this.id, finished.length ? Math.min(Math.max(...finished), epochNow()) : undefined);
    this.owner.forget(this.id);
    this.resolveDone();
  }

  /** Acked records per partition summed over the members (keyed groups report them). */
  ackedByPartition(): number[] {
    const out = new Array<number>(this.partitions).fill(0);
    for (const m of this.members.values()) for (const [p, n] of Object.entries(m.ackedByPartition ?? {})) out[Number(p)]! += n;
    return out;
  }

  stats(): ProducerMemberStats[] {
    return this.planned.map((p) => {
      const m = this.members.get(p.id);
      if (!m) return { id: p.id, completed: false, scheduled: 0, acked: 0, failed: 0, dropped: 0, msgsPerSec: 0 };
      const seconds = Math.max(0, m.finishedEpochMs - m.startEpochMs) / 1000;
      const out: ProducerMemberStats = {
        id: m.id,
        completed: m.completed,
        scheduled: m.scheduled,
        acked: m.acked,
        failed: m.failed,
        dropped: m.dropped,
        msgsPerSec: seconds > 0 ? m.acked / seconds : 0,
      };
      if (m.completed) out.completionSeconds = round3(seconds);
      return out;
    });
  }

  connections(): number {
    return this.workers.length * this.owner.settings.connections;
  }

  /** The coefficient of variation of the gaps between intended times, over the members that reported it. */
  arrivalCv(): number | undefined {
    return arrivalCv([...this.members.values()].flatMap((m) => (m.arrivals ? [m.arrivals] : [])));
  }

  /** The delivery tallies of the members that reported one. */
  deliveryTallies(): DeliveryTally[] {
    const out: DeliveryTally[] = [];
    for (const m of this.members.values()) if (m.delivery) out.push(m.delivery);
    return out;
  }

  memberTotals(report: ProducerTotalsReport): void {
    this.members.set(report.id, report);
  }

  producerDone(report: ProducerTotalsReport): void {
    this.members.set(report.id, report);
    const producerId = report.id;
    const p = this.remaining.get(producerId);
    if (!p) return;
    this.remaining.delete(producerId);
    // Exactly 0 once none remain (no rounding left over from the subtractions).
    this.remainingRate = this.remaining.size === 0 ? 0 : Math.max(0, this.remainingRate - p.rate);
    this.owner.rates.set(this.id, this.localRate);
    if (this.remaining.size === 0) this.resolveDone();
  }
}

export class ProducerPool extends GroupPool<RunningGroup> {
  private nextProducerId = 0;
  /** Every group ever started, for late per-producer reports. */
  private readonly all = new Map<number, RunningGroup>();

  constructor(
    pool: WorkerPool,
    readonly rates: RateTracker,
    readonly settings: ProducerPoolSettings,
  ) {
    super(pool);
  }

  /** Starts a group writing `topics` (producer k to topic k mod N; at least as many producers as topics). */
  async start(options: ResolvedProduceOptions, topics: readonly string[], partitionCount: number): Promise<ProducerGroup> {
    const groupId = this.pool.allocateGroupId();
    const firstId = this.nextProducerId;
    // Producer ids are assigned for the whole group on every shard, so ids agree across shards.
    this.nextProducerId += options.producers;
    const planned = planProducers({
      rate: options.rate,
      producers: options.producers,
      partitions: partitionCount,
      firstId,
      shard: this.settings.shard,
      topics,
    });
    // New workers pre-warm with this group's batch shape before they are ready: the schedule starts after.
    const warmup = { topic: topics[0]!, ackMode: this.settings.ackMode, batchSize: options.batchSize, messageSize: options.messageSize };
    // This process's share of the group's peak rate: what the worker count is chosen for.
    const localPeak = (options.peakRate * planned.length) / options.producers;
    const withWorkers = await this.assignWorkers(planned, this.settings.workersFor, localPeak, warmup);
    const group = new RunningGroup(groupId, withWorkers, options.producers, partitionCount, topics, this);
    group.keys = options.keys;
    this.add(group);
    this.all.set(groupId, group);
    const warmupEndEpochMs = this.settings.warmupEnd();
    const startEpochMs = epochNow();
    // Producers whose keys choose partitions write to every partition of the topic.
    const hashed = options.workload.keys !== undefined && options.keyRouting === 'hash';
    const all = hashed ? Array.from({ length: partitionCount }, (_, i) => i) : [];
    const specs = byWorker(
      withWorkers,
      (p): PlannedProducer => ({
        k: p.k,
        id: p.id,
        rate: p.rate,
        partitions: hashed ? all : p.partitions,
        phase: p.phase,
        ...(p.topic !== undefined ? { topic: p.topic } : {}),
      }),
    );
    for (const [worker, producers] of specs) {
      const spec: ProducerGroupSpec = {
        groupId,
        topic: topics[0]!,
        producers,
        messageSize: options.messageSize,
        batchSize: options.batchSize,
        lingerMs: options.lingerMs,
        maxInFlight: options.maxInFlight,
        messagesPerProducer: options.messagesPerProducer ?? 0,
        payload: options.payload,
        ackMode: this.settings.ackMode,
        dropAfterMs: this.settings.dropAfterMs,
        warmupEndEpochMs,
        startEpochMs,
        seed: this.settings.seed,
        ...(options.arrivals === 'poisson' ? { arrivals: options.arrivals } : {}),
        ...(this.settings.delivery ? { delivery: this.settings.delivery } : {}),
        partitionCount,
        ...(options.workload.keys ? { keys: options.workload.keys, keyRouting: options.keyRouting ?? 'hash' } : {}),
        ...(options.workload.sizes ? { sizes: options.workload.sizes } : {}),
      };
      this.pool.send(worker, { type: 'start-producers', group: spec });
    }
    this.rates.set(groupId, group.localRate);
    return group;
  }

  producerDone(groupId: number, producer: ProducerTotalsReport): void {
    this.get(groupId)?.producerDone(producer);
  }

  /** Keyed groups' records per partition (result.partitions); undefined when no group had keys. */
  partitionBalance(): PartitionsReport | undefined {
    return partitionsReport(
      [...this.all.values()].filter((g) => g.keys !== undefined).map((g) => balance(g.id, g.keys!, g.ackedByPartition())),
    );
  }

  /** Every producer's latest delivery tally, over all groups of the run. */
  deliveryTallies(): DeliveryTally[] {
    return [...this.all.values()].flatMap((g) => g.deliveryTallies());
  }

  groupStopped(groupId: number, producers: ProducerTotalsReport[]): void {
    const g = this.all.get(groupId);
    if (g) for (const p of producers) g.memberTotals(p);
  }
}
