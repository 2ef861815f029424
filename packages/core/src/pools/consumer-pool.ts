// Consumer groups on the shared load workers: the main thread assigns partitions (round-robin, extra
// consumers idle), resolves each partition's start offset, spreads the consumers over the workers, and turns
// setRate/stop/crash into control messages. A group's stop resolves only after every worker sent its final report,
// with where each partition stands; the ledger (group-ledger.ts) judges restarts against it.
import { checkConsumerRate, type ResolvedConsumeOptions } from '../options.js';
import type { RateTracker } from '../metrics/rate-tracker.js';
import type { ConsumerGroup } from '../types.js';
import type { ConsumerGroupSpec, ConsumerPosition, ConsumerSpec, PartitionRate } from '../worker/protocol.js';
import { epochNow } from '../util.js';
import { GroupLedger } from './group-ledger.js';
import { assignTopicPartitions } from './plan.js';
import { byWorker, GroupPool, WorkerGroup, type GroupPoolSettings } from './group-pool.js';
import type { WorkerPool } from './worker-pool.js';

export interface ConsumerPoolSettings extends GroupPoolSettings {
  /** Epoch ms of the run's start: records stamped earlier come from another run. */
  runStartEpochMs: number;
  /** The high watermark of a partition now. */
  latestOffset(topic: string, partition: number): Promise<number>;
  /** The offset committed for a consumer group (0 when none). */
  committedOffset(group: string, topic: string, partition: number): Promise<number>;
  /** Whether a producer group is still running (a consumer stopping then may miss records still to come). */
  producing(): boolean;
  /**
   * A group instance resumed the group whose first instance is `rootId` (its `earlier` instances stopped): what
   * they read is reconciled as one group's, and their lag is no longer the group's.
   */
  onResume(groupId: number, rootId: number, earlier: readonly number[]): void;
}

function perPartition(rate: number | 'max', partitions: number): PartitionRate {
  return rate === 'max' ? 'max' : rate / partitions;
}

class RunningConsumerGroup extends WorkerGroup implements ConsumerGroup {
  constructor(
    id: number,
    readonly consumers: number,
    readonly partitions: number,
    readonly idleConsumers: number,
    readonly topics: readonly string[],
    readonly startOffsetsByTopic: Readonly<Record<string, Readonly<Record<number, number>>>>,
    workers: number[],
    private readonly owner: ConsumerPool,
  ) {
    super(id, workers, owner.pool, owner.settings.drainTimeoutMs);
  }

  get startOffsets(): Readonly<Record<number, number>> {
    return this.startOffsetsByTopic[this.topics[0]!] ?? {};
  }

  /**
   * A crash of the group's consumers: polls in flight are dropped, nothing more is read and no final commit is
   * made (commits already sent are awaited). A later consume() with `startAt: 'committed'` restarts the group.
   */
  crash(): Promise<void> {
    return this.stopAs(true);
  }

  setRate(rate: number | 'max'): void {
    const checked = checkConsumerRate('setRate(rate)', rate, true);
    if (this.stopped) return;
    const ratePerPartition = perPartition(checked, this.partitions * this.topics.length);
    for (const w of this.workers) this.owner.pool.send(w, { type: 'set-consumer-rate', groupId: this.id, ratePerPartition });
  }

  protected beforeStop(crash: boolean): void {
    this.owner.ledger.stopping(this.id, crash, this.owner.settings.producing());
  }

  protected afterStop(): void {
    this.owner.ledger.stopped(this.id);
    this.owner.activity.set(this.id, 0);
    this.owner.forget(this.id);
  }
}

export class ConsumerPool extends GroupPool<RunningConsumerGroup> {
  /** Where each consumer group left its partitions, and what its restarts read again. */
  readonly ledger: GroupLedger;

  constructor(
    pool: WorkerPool,
    /** 1 while a group of this process consumes: consumer msgsPerSec is over this active time. */
    readonly activity: RateTracker,
    readonly settings: ConsumerPoolSettings,
  ) {
    super(pool);
    this.ledger = new GroupLedger(() => settings.runStartEpochMs);
  }

  /**
   * A group stopped while producers still ran (and was not restarted): batches appended after its last poll
   * may fill the gaps it saw, so its missing count is not final.
   */
  get stoppedWhileProducing(): boolean {
    return this.ledger.stoppedWhileProducing;
  }

  /** One worker's positions of a stopped consumer group. */
  groupStopped(groupId: number, positions: readonly ConsumerPosition[]): void {
    this.ledger.positions(groupId, positions);
  }

  /** Starts a group reading `topics` (consumer k from topic k mod N; at least as many consumers as topics). */
  async start(options: ResolvedConsumeOptions, topics: readonly string[], partitionCount: number): Promise<RunningConsumerGroup> {
    const startedEpochMs = epochNow();
    const assignment = assignTopicPartitions(options.consumers, partitionCount, topics);
    const idleConsumers = assignment.filter((a) => a.partitions.length === 0).length;
    const shard = this.settings.shard;
    const local = assignment
      .map((a, k) => ({ k, ...a }))
      .filter((c) => c.partitions.length > 0 && (!shard || c.k % shard.count === shard.index));
    const offsets = new Map<string, Map<number, number>>();
    for (const c of local) if (!offsets.has(c.topic)) offsets.set(c.topic, new Map());
    await Promise.all(
      local.flatMap((c) =>
        c.partitions.map(async (p) => {
          offsets.get(c.topic)!.set(p, await this.startOffset(options, c.topic, p));
        }),
      ),
    );
    const withWorkers = await this.assignWorkers(local, this.settings.workersFor, 0);
    const groupId = this.pool.allocateGroupId();
    const startOffsets: Record<string, Record<number, number>> = {};
    for (const topic of topics) {
      startOffsets[topic] = {};
      for (const [p, o] of [...(offsets.get(topic) ?? [])].sort((a, b) => a[0] - b[0])) startOffsets[topic][p] = o;
    }
    // Before any worker reads: its first reports are then reconciled as the resumed group's.
    const resumed = this.ledger.started(groupId, {
      group: options.group,
      topics,
      startAt: options.startAt,
      startOffsets,
      startedEpochMs,
    });
    if (resumed) this.settings.onResume(groupId, resumed.rootId, resumed.earlier);
    const specs = byWorker(
      withWorkers,
      (c): ConsumerSpec => ({
        k: c.k,
        partitions: c.partitions.map((partition) => ({ partition, startOffset: offsets.get(c.topic)!.get(partition)! })),
        ...(topics.length > 1 ? { topic: c.topic } : {}),
      }),
    );
    const warmupEndEpochMs = this.settings.warmupEnd();
    for (const [worker, consumers] of specs) {
      const spec: ConsumerGroupSpec = {
        groupId,
        topic: topics[0]!,
        consumers,
        ratePerPartition: perPartition(options.rate, partitionCount * topics.length),
        maxRecords: options.maxRecords,
        maxInFlight: options.maxInFlight,
        group: options.group,
        commitEveryMs: options.commitEverySeconds * 1000,
        warmupEndEpochMs,
        runStartEpochMs: this.settings.runStartEpochMs,
      };
      this.pool.send(worker, { type: 'start-consumers', group: spec });
    }
    const group = new RunningConsumerGroup(
      groupId,
      local.length,
      partitionCount,
      idleConsumers,
      topics,
      startOffsets,
      [...specs.keys()],
      this,
    );
    this.add(group);
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
}
