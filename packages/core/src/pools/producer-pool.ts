// Producer groups on the shared load workers: the main thread plans each group (rate split, partitions,
// shard), spreads its producers over the workers, and turns setRate/stop into control messages. A group's
// stop resolves only after every worker sent its final report for it.
import { LoadhouseError } from '../errors.js';
import { MAX_PRODUCE_RATE, type ResolvedProduceOptions } from '../options.js';
import type { RateTracker } from '../metrics/rate-tracker.js';
import type { ProducerGroup, ProducerMemberStats } from '../types.js';
import type { ProducerGroupSpec, ProducerTotalsReport } from '../worker/protocol.js';
import { planProducers, splitRate, type PlannedProducer } from './plan.js';
import type { WorkerPool } from './worker-pool.js';

export interface ProducerPoolSettings {
  /** Worker threads to use for a group of n local producers (the pool may already run more). */
  workersFor(localProducers: number): number;
  /** gRPC channels per worker. */
  connections: number;
  drainTimeoutMs: number;
  dropAfterMs: number;
  ackMode: number;
  shard: { index: number; count: number } | null;
  /** Epoch ms at which warm-up ends, fixed when the first group starts. */
  warmupEnd(): number;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

class RunningGroup implements ProducerGroup {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private stopping: Promise<void> | undefined;
  private readonly remaining = new Set<number>();
  private readonly workers: number[];
  private readonly members = new Map<number, ProducerTotalsReport>();

  constructor(
    readonly id: number,
    private readonly planned: Array<PlannedProducer & { worker: number }>,
    private readonly totalProducers: number,
    readonly partitions: number,
    private readonly owner: ProducerPool,
  ) {
    this.done = new Promise<void>((r) => (this.resolveDone = r));
    for (const p of planned) this.remaining.add(p.id);
    this.workers = [...new Set(planned.map((p) => p.worker))];
    if (planned.length === 0) this.resolveDone();
  }

  get producers(): number {
    return this.planned.length;
  }

  get localRate(): number {
    let sum = 0;
    for (const p of this.planned) if (this.remaining.has(p.id)) sum += p.rate;
    return sum;
  }

  setRate(rate: number): void {
    if (!Number.isFinite(rate) || rate < 0 || rate > MAX_PRODUCE_RATE) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `setRate(rate): rate must be a number from 0 (pauses the group) to ${MAX_PRODUCE_RATE}, got ${rate}`,
      );
    }
    if (this.stopping) return;
    const shares = splitRate(rate, this.totalProducers);
    const byWorker = new Map<number, Record<number, number>>();
    for (const p of this.planned) {
      p.rate = shares[p.k]!;
      let rates = byWorker.get(p.worker);
      if (!rates) byWorker.set(p.worker, (rates = {}));
      rates[p.id] = p.rate;
    }
    const atEpochMs = epochNow();
    for (const [worker, rates] of byWorker) this.owner.pool.send(worker, { type: 'set-rate', groupId: this.id, rates, atEpochMs });
    this.owner.rates.set(this.id, this.localRate);
  }

  stop(): Promise<void> {
    // Scheduling stops now; the drain that follows is not time the producers were asked to send, but it
    // is time the acked records took (RateTracker.busySeconds).
    if (!this.stopping) {
      this.owner.rates.startDrain(this.id);
      this.owner.rates.set(this.id, 0);
    }
    this.stopping ??= this.owner.pool.stopGroup(this.id, this.workers, this.owner.settings.drainTimeoutMs, epochNow()).finally(() => {
      this.remaining.clear();
      this.owner.rates.set(this.id, 0);
      const finished = [...this.members.values()].map((m) => m.finishedEpochMs);
      this.owner.rates.endDrain(this.id, finished.length ? Math.min(Math.max(...finished), epochNow()) : undefined);
      this.owner.forget(this.id);
      this.resolveDone();
    });
    return this.stopping;
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
      if (m.completed) out.completionSeconds = Math.round(seconds * 1000) / 1000;
      return out;
    });
  }

  connections(): number {
    return this.workers.length * this.owner.settings.connections;
  }

  memberTotals(report: ProducerTotalsReport): void {
    this.members.set(report.id, report);
  }

  producerDone(report: ProducerTotalsReport): void {
    this.members.set(report.id, report);
    const producerId = report.id;
    if (!this.remaining.delete(producerId)) return;
    this.owner.rates.set(this.id, this.localRate);
    if (this.remaining.size === 0) this.resolveDone();
  }
}

export class ProducerPool {
  private nextProducerId = 0;
  private workerCursor = 0;
  private readonly groups = new Map<number, RunningGroup>();
  /** Every group ever started, for late per-producer reports. */
  private readonly all = new Map<number, RunningGroup>();

  constructor(
    readonly pool: WorkerPool,
    readonly rates: RateTracker,
    readonly settings: ProducerPoolSettings,
  ) {}

  get running(): number {
    return this.groups.size;
  }

  async start(options: ResolvedProduceOptions, topic: string, partitionCount: number): Promise<ProducerGroup> {
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
    });
    await this.pool.ensure(this.settings.workersFor(Math.max(1, planned.length)));
    const alive: number[] = [];
    for (let i = 0; i < this.pool.size; i++) if (this.pool.isAlive(i)) alive.push(i);
    if (alive.length === 0) throw new LoadhouseError('LH_WORKER_CRASHED', 'No load worker is running.');
    const withWorkers = planned.map((p) => ({ ...p, worker: alive[this.workerCursor++ % alive.length]! }));
    const group = new RunningGroup(groupId, withWorkers, options.producers, partitionCount, this);
    this.groups.set(groupId, group);
    this.all.set(groupId, group);
    const warmupEndEpochMs = this.settings.warmupEnd();
    const startEpochMs = epochNow();
    const byWorker = new Map<number, PlannedProducer[]>();
    for (const p of withWorkers) {
      let list = byWorker.get(p.worker);
      if (!list) byWorker.set(p.worker, (list = []));
      list.push({ k: p.k, id: p.id, rate: p.rate, partitions: p.partitions, phase: p.phase });
    }
    for (const [worker, producers] of byWorker) {
      const spec: ProducerGroupSpec = {
        groupId,
        topic,
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
      };
      this.pool.send(worker, { type: 'start-producers', group: spec });
    }
    this.rates.set(groupId, group.localRate);
    return group;
  }

  producerDone(groupId: number, producer: ProducerTotalsReport): void {
    this.groups.get(groupId)?.producerDone(producer);
  }

  groupStopped(groupId: number, producers: ProducerTotalsReport[]): void {
    const g = this.all.get(groupId);
    if (g) for (const p of producers) g.memberTotals(p);
  }

  forget(groupId: number): void {
    this.groups.delete(groupId);
  }

  /** Stops every running group (drain included). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.stop()));
  }
}
