// Consumer groups on the shared load workers: the main thread assigns partitions (round-robin, extra
// consumers idle), resolves each partition's start offset, spreads the consumers over the workers, and turns
// setRate/stop into control messages. A group's stop resolves only after every worker sent its final report.
import { LoadhouseError } from '../errors.js';
import { checkConsumerRate, type ResolvedConsumeOptions } from '../options.js';
import type { RateTracker } from '../metrics/rate-tracker.js';
import type { ConsumerGroup } from '../types.js';
import type { ConsumerGroupSpec, ConsumerSpec, PartitionRate } from '../worker/protocol.js';
import { assignPartitions } from './plan.js';
import type { WorkerPool } from './worker-pool.js';

export interface ConsumerPoolSettings {
  /** Worker threads to use for a group of n local consumers (the pool may already run more). */
  workersFor(localConsumers: number): number;
  drainTimeoutMs: number;
  shard: { index: number; count: number } | null;
  /** Epoch ms at which warm-up ends, fixed when the first group (of either kind) starts. */
  warmupEnd(): number;
  /** Epoch ms of the run's start: records stamped earlier come from another run. */
  runStartEpochMs: number;
  /** The high watermark of a partition now. */
  latestOffset(topic: string, partition: number): Promise<number>;
  /** The offset committed for a consumer group (0 when none). */
  committedOffset(group: string, topic: string, partition: number): Promise<number>;
  /** Whether a producer group is still running (a consumer stopping then may miss records still to come). */
  producing(): boolean;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

function perPartition(rate: number | 'max', partitions: number): PartitionRate {
  return rate === 'max' ? 'max' : rate / partitions;
}

class RunningConsumerGroup implements ConsumerGroup {
  private stopping: Promise<void> | undefined;

  constructor(
    readonly id: number,
    readonly consumers: number,
    readonly partitions: number,
    readonly idleConsumers: number,
    readonly startOffsets: Readonly<Record<number, number>>,
    private readonly workers: number[],
    private readonly owner: ConsumerPool,
  ) {}

  setRate(rate: number | 'max'): void {
    const checked = checkConsumerRate('setRate(rate)', rate, true);
    if (this.stopping) return;
    const ratePerPartition = perPartition(checked, this.partitions);
    for (const w of this.workers) this.owner.pool.send(w, { type: 'set-consumer-rate', groupId: this.id, ratePerPartition });
  }

  stop(): Promise<void> {
    if (!this.stopping && this.owner.settings.producing()) this.owner.stoppedWhileProducing = true;
    this.stopping ??= this.owner.pool.stopGroup(this.id, this.workers, this.owner.settings.drainTimeoutMs, epochNow()).finally(() => {
      this.owner.activity.set(this.id, 0);
      this.owner.forget(this.id);
    });
    return this.stopping;
  }
}

export class ConsumerPool {
  private workerCursor = 0;
  private readonly groups = new Map<number, RunningConsumerGroup>();
  /**
   * A group stopped while producers still ran: batches appended after its last poll may fill the gaps it
   * saw, so its missing count is not final.
   */
  stoppedWhileProducing = false;

  constructor(
    readonly pool: WorkerPool,
    /** 1 while a group of this process consumes: consumer msgsPerSec is over this active time. */
    readonly activity: RateTracker,
    readonly settings: ConsumerPoolSettings,
  ) {}

  get running(): number {
    return this.groups.size;
  }

  async start(options: ResolvedConsumeOptions, topic: string, partitionCount: number): Promise<RunningConsumerGroup> {
    const assignment = assignPartitions(options.consumers, partitionCount);
    const idleConsumers = assignment.filter((a) => a.length === 0).length;
    const shard = this.settings.shard;
    const local = assignment
      .map((partitions, k) => ({ k, partitions }))
      .filter((c) => c.partitions.length > 0 && (!shard || c.k % shard.count === shard.index));
    const offsets = new Map<number, number>();
    await Promise.all(
      local.flatMap((c) =>
        c.partitions.map(async (p) => {
          offsets.set(p, await this.startOffset(options, topic, p));
        }),
      ),
    );
    await this.pool.ensure(this.settings.workersFor(Math.max(1, local.length)));
    const alive: number[] = [];
    for (let i = 0; i < this.pool.size; i++) if (this.pool.isAlive(i)) alive.push(i);
    if (alive.length === 0) throw new LoadhouseError('LH_WORKER_CRASHED', 'No load worker is running.');
    const groupId = this.pool.allocateGroupId();
    const byWorker = new Map<number, ConsumerSpec[]>();
    for (const c of local) {
      const worker = alive[this.workerCursor++ % alive.length]!;
      let list = byWorker.get(worker);
      if (!list) byWorker.set(worker, (list = []));
      list.push({ k: c.k, partitions: c.partitions.map((partition) => ({ partition, startOffset: offsets.get(partition)! })) });
    }
    const warmupEndEpochMs = this.settings.warmupEnd();
    for (const [worker, consumers] of byWorker) {
      const spec: ConsumerGroupSpec = {
        groupId,
        topic,
        consumers,
        ratePerPartition: perPartition(options.rate, partitionCount),
        maxRecords: options.maxRecords,
        maxInFlight: options.maxInFlight,
        group: options.group,
        commitEveryMs: options.commitEverySeconds * 1000,
        warmupEndEpochMs,
        runStartEpochMs: this.settings.runStartEpochMs,
      };
      this.pool.send(worker, { type: 'start-consumers', group: spec });
    }
    const startOffsets: Record<number, number> = {};
    for (const [p, o] of [...offsets].sort((a, b) => a[0] - b[0])) startOffsets[p] = o;
    const group = new RunningConsumerGroup(groupId, local.length, partitionCount, idleConsumers, startOffsets, [...byWorker.keys()], this);
    this.groups.set(groupId, group);
    if (local.length > 0) this.activity.set(groupId, 1);
    return group;
  }

  private startOffset(options: ResolvedConsumeOptions, topic: string, partition: number): Promise<number> {
    switch (options.startAt) {
      case 'earliest':
        return Promise.resolve(0);
      case 'latest':
        return this.settings.latestOffset(topic, partition);
      case 'committed':
        return this.settings.committedOffset(options.group, topic, partition);
    }
  }

  forget(groupId: number): void {
    this.groups.delete(groupId);
  }

  /** Stops every running group. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.stop()));
  }
}
