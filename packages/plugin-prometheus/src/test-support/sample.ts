// Test support: Samples as the engine emits them, and a minimal PluginContext that drives a plugin's hooks and events.
import type {
  LatencySummary,
  LoadhouseEvents,
  LoadhouseHooks,
  Logger,
  MetricSource,
  PluginContext,
  Sample,
  TestInfo,
} from '@loadhouse/core';

export function latency(p50: number, p99: number, count: number): LatencySummary {
  return { p50, p95: p50 + (p99 - p50) * 0.8, p99, p999: p99 * 1.2, max: p99 * 1.5, mean: p50 * 1.1, count };
}

export interface SampleInput {
  elapsedSeconds?: number;
  phase?: string;
  acked?: number;
  consumed?: number;
  p50Ms?: number;
  p99Ms?: number;
  batchSize?: number;
  lag?: number;
  errorsByCode?: Record<string, number>;
  dropped?: number;
  saturated?: boolean;
  workers?: number;
}

export function makeSample(input: SampleInput = {}): Sample {
  const acked = input.acked ?? 2000;
  const consumed = input.consumed ?? 0;
  const batch = input.batchSize ?? 100;
  const failed = Object.values(input.errorsByCode ?? {}).reduce((a, b) => a + b, 0);
  return {
    elapsedSeconds: input.elapsedSeconds ?? 1,
    intervalSeconds: 1,
    phase: input.phase ?? 'main',
    warmup: false,
    producer: {
      scheduled: acked + failed,
      sent: acked + failed,
      acked,
      failed,
      dropped: input.dropped ?? 0,
      bytes: acked * 1024,
      batches: Math.ceil(acked / batch),
      msgsPerSec: acked,
      mbPerSec: (acked * 1024) / 1e6,
      targetRate: acked,
      errorsByCode: input.errorsByCode ?? {},
      latency: {
        response: latency(input.p50Ms ?? 2, input.p99Ms ?? 8, acked),
        service: latency(input.p50Ms ?? 2, input.p99Ms ?? 8, acked),
        scheduleLag: latency(0.01, 0.1, acked),
      },
      meanBatchSize: batch,
      inFlightBatches: 2,
      backlog: 0,
    },
    consumer: {
      consumed,
      bytes: consumed * 1024,
      msgsPerSec: consumed,
      mbPerSec: (consumed * 1024) / 1e6,
      polls: consumed > 0 ? 10 : 0,
      emptyPolls: 0,
      errorsByCode: {},
      lag: input.lag ?? 0,
      lagByPartition: {},
      latency: { poll: latency(1, 4, consumed > 0 ? 10 : 0), endToEnd: latency(20, 60, consumed) },
    },
    generator: {
      eventLoopDelayMs: { main: 3, workersMax: 12 },
      workerUtilizationMax: 0.4,
      workers: input.workers ?? 2,
      cpuPercent: 80,
      rssBytes: 100e6,
      heapUsedBytes: 50e6,
      saturated: input.saturated ?? false,
      reasons: [],
    },
    target: {},
    metrics: {},
    totals: { scheduled: 0, sent: 0, acked: 0, failed: 0, dropped: 0, consumed: 0 },
  };
}

type Listener = (...args: never[]) => void;

/** A PluginContext whose hooks and events the test fires by hand. */
export class FakeContext {
  readonly sources: MetricSource[] = [];
  readonly logs: string[] = [];
  readonly controller = new AbortController();
  private readonly hooks = new Map<string, Array<(arg: never) => unknown>>();
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly config: Record<string, unknown> = {}) {}

  get ctx(): PluginContext {
    const logger: Logger = {
      debug: (m) => this.logs.push(`debug ${m}`),
      info: (m) => this.logs.push(`info ${m}`),
      warn: (m) => this.logs.push(`warn ${m}`),
      error: (m) => this.logs.push(`error ${m}`),
    };
    return {
      hooks: {
        hook: <K extends keyof LoadhouseHooks>(name: K, fn: LoadhouseHooks[K]) => {
          const list = this.hooks.get(name) ?? [];
          list.push(fn as (arg: never) => unknown);
          this.hooks.set(name, list);
          return () => list.splice(list.indexOf(fn as (arg: never) => unknown), 1);
        },
      },
      events: {
        emit: () => {},
        on: <K extends keyof LoadhouseEvents>(event: K, listener: LoadhouseEvents[K]) => {
          const list = this.listeners.get(event) ?? [];
          list.push(listener as Listener);
          this.listeners.set(event, list);
          return () => list.splice(list.indexOf(listener as Listener), 1);
        },
      },
      config: this.config,
      addCriterion: () => undefined,
      addMetricSource: (source) => this.sources.push(source),
      logger,
      signal: this.controller.signal,
    };
  }

  async testBefore(info: Partial<TestInfo> & { httpAddress?: string } = {}): Promise<void> {
    const full: TestInfo = {
      scenario: info.scenario ?? 'high-throughput',
      topic: info.topic ?? 'loadhouse-test',
      config: {},
      target: info.target ?? { address: '127.0.0.1:50051', ...(info.httpAddress ? { httpAddress: info.httpAddress } : {}) },
    };
    for (const fn of this.hooks.get('test:before') ?? []) await (fn as (i: TestInfo) => unknown)(full);
  }

  async phaseStart(name: string, elapsedSeconds = 0): Promise<void> {
    for (const fn of this.hooks.get('phase:start') ?? [])
      await (fn as (p: { name: string; elapsedSeconds: number }) => unknown)({ name, elapsedSeconds });
  }

  emitSample(sample: Sample): void {
    for (const l of this.listeners.get('sample') ?? []) (l as (s: Sample) => void)(sample);
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}
