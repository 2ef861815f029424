// What producer and consumer groups share on the load workers: the groups running, members dealt round-robin
// over the live workers, and a stop sent once to a group's workers that resolves after their final reports.
import { LoadhouseError } from '../errors.js';
import { epochNow } from '../util.js';
import type { WarmupSpec } from '../worker/protocol.js';
import type { WorkerPool } from './worker-pool.js';

export interface GroupPoolSettings {
  /**
   * Worker threads to use for a group of n local members asking `rate` records/s (0 for consumers); the pool
   * may already run more.
   */
  workersFor(localMembers: number, rate: number): number | Promise<number>;
  drainTimeoutMs: number;
  shard: { index: number; count: number } | null;
  /** Epoch ms at which warm-up ends, fixed when the first group (of either kind) starts. */
  warmupEnd(): number;
}

/** A group spread over some workers; stop() drains it there once, however often it is called. */
export abstract class WorkerGroup {
  private stopping: Promise<void> | undefined;

  constructor(
    readonly id: number,
    /** The workers hosting the group's members, each once. */
    protected readonly workers: readonly number[],
    private readonly pool: WorkerPool,
    private readonly drainTimeoutMs: number,
  ) {}

  /** True once stop() was called: control messages are no longer sent. */
  protected get stopped(): boolean {
    return this.stopping !== undefined;
  }

  stop(): Promise<void> {
    return this.stopAs(false);
  }

  /** stop(), or with `crash` a consumer group's crash (no drain, no final commit); the first call decides. */
  protected stopAs(crash: boolean): Promise<void> {
    if (!this.stopping) this.beforeStop(crash);
    this.stopping ??= this.pool.stopGroup(this.id, this.workers, this.drainTimeoutMs, epochNow(), crash).finally(() => this.afterStop());
    return this.stopping;
  }

  /** Runs when stop() is first called, before the stop is sent. */
  protected abstract beforeStop(crash: boolean): void;
  /** Runs once every worker reported (or the stop timed out). */
  protected abstract afterStop(): void;
}

export abstract class GroupPool<G extends WorkerGroup> {
  private workerCursor = 0;
  private readonly groups = new Map<number, G>();

  constructor(readonly pool: WorkerPool) {}

  get running(): number {
    return this.groups.size;
  }

  protected add(group: G): void {
    this.groups.set(group.id, group);
  }

  protected get(groupId: number): G | undefined {
    return this.groups.get(groupId);
  }

  forget(groupId: number): void {
    this.groups.delete(groupId);
  }

  /** Stops every running group (drain included). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.stop()));
  }

  /**
   * Starts the workers a group of `members` needs and deals the members out over the live ones, round-robin,
   * going on where the previous group stopped so that small groups do not all land on worker 0.
   */
  protected async assignWorkers<M extends object>(
    members: readonly M[],
    workersFor: GroupPoolSettings['workersFor'],
    rate: number,
    warmup?: WarmupSpec,
  ): Promise<Array<M & { worker: number }>> {
    await this.pool.ensure(await workersFor(Math.max(1, members.length), rate), warmup);
    const alive: number[] = [];
    for (let i = 0; i < this.pool.size; i++) if (this.pool.isAlive(i)) alive.push(i);
    if (alive.length === 0) throw new LoadhouseError('LH_WORKER_CRASHED', 'No load worker is running.');
    return members.map((m) => ({ ...m, worker: alive[this.workerCursor++ % alive.length]! }));
  }
}

/** Members grouped by the worker that hosts them, in first-seen order, each turned into what that worker is sent. */
export function byWorker<M extends { worker: number }, S>(members: readonly M[], spec: (m: M) => S): Map<number, S[]> {
  const out = new Map<number, S[]>();
  for (const m of members) {
    let list = out.get(m.worker);
    if (!list) out.set(m.worker, (list = []));
    list.push(spec(m));
  }
  return out;
}
