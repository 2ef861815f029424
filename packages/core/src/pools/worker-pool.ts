// The main thread's side of the load workers: a Piscina pool whose threads each run one long task (the
// worker module's default export) for the whole test, controlled over a MessagePort. It starts threads on
// demand, routes their reports, collects on request, and turns a dying thread into one crash callback.
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { LoadhouseError, type ErrorCode } from '../errors.js';
import { threadExecArgv, threadModule } from '../thread-module.js';
import { MAX_TIMER_MS } from '../timers.js';
import { orTimeout } from '../util.js';
import type {
  ConsumerPosition,
  ControlMessage,
  ProducerTotalsReport,
  WarmupSpec,
  WorkerInit,
  WorkerMessage,
  WorkerReport,
  WorkerTarget,
} from '../worker/protocol.js';

/**
 * A load worker's V8 young generation. Its garbage is short-lived (request buffers, callbacks), so a small
 * young generation is scavenged more often at about the same cost, while V8's default lets each worker's heap
 * grow by tens of MB: measured at 60K msgs/s, peak RSS 235 -> 212 MB with one worker, no rate change seen.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

export interface WorkerPoolConfig {
  maxWorkers: number;
  target: WorkerTarget;
  connections: number;
  maxCallsPerConnection: number;
  instrument: boolean;
}

export interface WorkerPoolHandlers {
  onReport(workerIndex: number, report: WorkerReport): void;
  onProducerDone(groupId: number, producer: ProducerTotalsReport): void;
  /** `positions`: where a consumer group's partitions stand (consumer groups only). */
  onGroupStopped(groupId: number, producers: ProducerTotalsReport[], positions: ConsumerPosition[] | undefined): void;
  onCrash(workerIndex: number, error: Error): void;
  onLog(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

interface WorkerSlot {
  index: number;
  port: MessagePort;
  alive: boolean;
  /** Connected and listening: only ready workers are collected. */
  ready: boolean;
  /** Resolves once the thread has sent its final report after `shutdown`, or died. */
  task: Promise<void>;
  collectWaiters: Map<number, () => void>;
  stopWaiters: Map<number, () => void>;
  shutdownWaiter: (() => void) | undefined;
}

export class WorkerPool {
  private piscina: Piscina | undefined;
  private readonly slots: WorkerSlot[] = [];
  private starting: Promise<void> = Promise.resolve();
  private collectSeq = 0;
  private groupSeq = 0;
  private closed = false;

  constructor(
    private readonly config: WorkerPoolConfig,
    private readonly handlers: WorkerPoolHandlers,
  ) {}

  /** A run-wide group id: producer and consumer groups share one id space, so `stop-group` serves both. */
  allocateGroupId(): number {
    return ++this.groupSeq;
  }

  get size(): number {
    return this.slots.length;
  }

  get aliveCount(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  isAlive(index: number): boolean {
    return this.slots[index]?.alive ?? false;
  }

  /**
   * Starts threads until `n` run (at most maxWorkers); resolves once each new one is connected, pre-warmed with
   * `warmup`'s batch shape when given, and ready.
   */
  ensure(n: number, warmup?: WarmupSpec): Promise<void> {
    const next = this.starting.then(() => this.grow(Math.min(n, this.config.maxWorkers), warmup));
    this.starting = next.catch(() => undefined);
    return next;
  }

  private async grow(n: number, warmup: WarmupSpec | undefined): Promise<void> {
    if (this.closed) throw new LoadhouseError('LH_RUN_STATE', 'The worker pool is closed: the run has ended.');
    if (n <= this.slots.length) return;
    if (!this.piscina) {
      const mod = threadModule('worker/host');
      const execArgv = threadExecArgv(mod.source);
      this.piscina = new Piscina({
        filename: mod.filename,
        minThreads: 0,
        maxThreads: this.config.maxWorkers,
        idleTimeout: 60_000,
        concurrentTasksPerWorker: 1,
        atomics: 'disabled',
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
        ...(execArgv ? { execArgv } : {}),
      });
      // Errors of idle threads surface here; running tasks reject instead.
      this.piscina.on('error', (err: Error) => this.handlers.onLog('error', `worker pool error: ${err.message}`));
    }
    const starts: Array<Promise<void>> = [];
    while (this.slots.length < n) starts.push(this.startOne(this.slots.length, warmup));
    await Promise.all(starts);
  }

  private startOne(index: number, warmup: WarmupSpec | undefined): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = {
      workerIndex: index,
      target: this.config.target,
      connections: this.config.connections,
      maxCallsPerConnection: this.config.maxCallsPerConnection,
      instrument: this.config.instrument,
      port: port2,
      ...(warmup ? { warmup } : {}),
    };
    let readyResolve!: () => void;
    let readyReject!: (err: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    let isReady = false;
    const slot: WorkerSlot = {
      index,
      port: port1,
      alive: true,
      ready: false,
      task: Promise.resolve(),
      collectWaiters: new Map(),
      stopWaiters: new Map(),
      shutdownWaiter: undefined,
    };
    this.slots.push(slot);
    const onMessage = (msg: WorkerMessage): void => {
      switch (msg.type) {
        case 'ready':
          isReady = true;
          slot.ready = true;
          return readyResolve();
        case 'init-failed':
          slot.alive = false;
          return readyReject(new LoadhouseError(msg.code as ErrorCode, msg.message));
        case 'report':
          this.handlers.onReport(index, msg.report);
          if (msg.collectId !== null) {
            slot.collectWaiters.get(msg.collectId)?.();
            slot.collectWaiters.delete(msg.collectId);
          } else if (slot.shutdownWaiter) {
            slot.shutdownWaiter();
          }
          return;
        case 'group-stopped':
          this.handlers.onGroupStopped(msg.groupId, msg.producers, msg.positions);
          slot.stopWaiters.get(msg.groupId)?.();
          slot.stopWaiters.delete(msg.groupId);
          return;
        case 'producer-done':
          for (const producer of msg.producers) this.handlers.onProducerDone(msg.groupId, producer);
          return;
        case 'log':
          return this.handlers.onLog(msg.level, `worker ${index}: ${msg.message}`);
      }
    };
    port1.on('message', onMessage);
    // The task's result travels on Piscina's own port and can overtake messages still queued on ours (the
    // final report of a shutdown): handle those synchronously before closing, or they are lost.
    const closePort = (): void => {
      for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) onMessage(m.message as WorkerMessage);
      port1.close();
    };
    slot.task = this.piscina!.run(init, { transferList: [port2] }).then(
      () => {
        slot.alive = false;
        closePort();
        // A task that ended answers nothing more: a group stop sent as it ended (Ctrl-C while producers
        // start) would otherwise wait for its guard timer, holding the process long after the result.
        this.release(slot);
      },
      (err: unknown) => {
        const wasAlive = slot.alive;
        slot.alive = false;
        const error = err instanceof Error ? err : new Error(String(err));
        closePort();
        this.release(slot);
        if (!isReady)
          readyReject(new LoadhouseError('LH_WORKER_CRASHED', `Load worker ${index} failed to start: ${error.message}`, { cause: error }));
        else if (wasAlive && !this.closed) this.handlers.onCrash(index, error);
      },
    );
    return ready;
  }

  /** Unblocks everything waiting on a slot that will never answer. */
  private release(slot: WorkerSlot): void {
    for (const w of slot.collectWaiters.values()) w();
    slot.collectWaiters.clear();
    for (const w of slot.stopWaiters.values()) w();
    slot.stopWaiters.clear();
    slot.shutdownWaiter?.();
  }

  send(index: number, message: ControlMessage): void {
    const slot = this.slots[index];
    if (slot?.alive) slot.port.postMessage(message);
  }

  /** Asks every live worker for its report; resolves when all answered or after timeoutMs (late reports still count, later). */
  collect(timeoutMs: number): Promise<void> {
    const collectId = ++this.collectSeq;
    const waits: Array<Promise<void>> = [];
    for (const slot of this.slots) {
      if (!slot.alive || !slot.ready) continue;
      waits.push(new Promise<void>((resolve) => slot.collectWaiters.set(collectId, resolve)));
      slot.port.postMessage({ type: 'collect', collectId } satisfies ControlMessage);
    }
    return orTimeout(
      Promise.all(waits).then(() => undefined),
      timeoutMs,
      undefined,
    ).finally(() => {
      for (const slot of this.slots) slot.collectWaiters.delete(collectId);
    });
  }

  /** Stops a group on the given workers and resolves when each has drained and sent its final report. */
  stopGroup(groupId: number, workers: readonly number[], drainTimeoutMs: number, atEpochMs: number, crash = false): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const index of workers) {
      const slot = this.slots[index];
      if (!slot?.alive) continue;
      waits.push(new Promise<void>((resolve) => slot.stopWaiters.set(groupId, resolve)));
      const msg: ControlMessage = crash
        ? { type: 'stop-group', groupId, drainTimeoutMs, atEpochMs, crash }
        : { type: 'stop-group', groupId, drainTimeoutMs, atEpochMs };
      slot.port.postMessage(msg);
    }
    // The workers enforce the drain timeout themselves; the extra margin only guards against a hung thread.
    return orTimeout(
      Promise.all(waits).then(() => undefined),
      Math.min(drainTimeoutMs + 10_000, MAX_TIMER_MS),
      undefined,
    );
  }

  /** Asks each live worker for its last report, ends the tasks and destroys the pool. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waits: Array<Promise<void>> = [];
    for (const slot of this.slots) {
      if (!slot.alive) continue;
      waits.push(new Promise<void>((resolve) => (slot.shutdownWaiter = resolve)));
      slot.port.postMessage({ type: 'shutdown' } satisfies ControlMessage);
    }
    await orTimeout(
      Promise.all(waits).then(() => undefined),
      5_000,
      undefined,
    );
    await orTimeout(
      Promise.all(this.slots.map((s) => s.task)).then(() => undefined),
      5_000,
      undefined,
    );
    await this.piscina?.destroy().catch(() => undefined);
  }
}
