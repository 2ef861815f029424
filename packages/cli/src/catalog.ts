// The scenarios the `run` command knows: their flags, per-scenario defaults, and how flags become options.
import type { Scenario } from '@loadhouse/core';
import { consumerGroupRestart, consumerLag, highThroughput, manyProducers, stability } from '@loadhouse/scenarios';

export type FlagValues = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface ScenarioEntry {
  name: string;
  summary: string;
  /** Scenario flags it reads, with its own defaults (the plan's values where the plan gives one). */
  defaults: Record<string, number>;
  build(v: FlagValues, scale?: number): Scenario;
}

const num = (v: FlagValues, key: string): number => v[key] as number;
const opt = (v: FlagValues, key: string): number | undefined => v[key] as number | undefined;
/** --message-size: bytes, or a size distribution's text (run-flags.ts checked it). */
const size = (v: FlagValues): number | string => v.messageSize as number | string;

/** Common producer tuning flags shared by every scenario, and the traffic shape. */
function producerTuning(v: FlagValues) {
  return {
    batchSize: opt(v, 'batchSize'),
    lingerMs: opt(v, 'lingerMs'),
    maxInFlight: opt(v, 'maxInFlight'),
    keys: v.keys as string | undefined,
    keyRouting: v.keyRouting as 'hash' | 'pinned' | undefined,
    payload: v.payload as 'random' | 'text' | 'zeros' | undefined,
    arrivals: v.arrivals as 'uniform' | 'poisson' | undefined,
    rateProfile: v.rateProfile as string | undefined,
  };
}

export const SCENARIOS: ScenarioEntry[] = [
  {
    name: 'high-throughput',
    summary: 'Sustained produce rate: within 5% of target, P99 < 100 ms, zero errors, target memory < 2 GiB',
    defaults: { duration: 30, targetRate: 50000, partitions: 5, messageSize: 1024, p99Ms: 100 },
    build: (v) =>
      highThroughput({
        durationSeconds: num(v, 'duration'),
        targetRate: num(v, 'targetRate'),
        partitions: num(v, 'partitions'),
        messageSize: size(v),
        producers: opt(v, 'producers'),
        consumers: opt(v, 'consumers'),
        p99Ms: num(v, 'p99Ms'),
        ...producerTuning(v),
      }),
  },
  {
    name: 'many-producers',
    summary: 'Many concurrent producers each sending a quota: all complete, > 100K msgs/s, P99 < 200 ms',
    defaults: { producerCount: 1000, messagesPerProducer: 10000, partitions: 100, messageSize: 1024, targetRate: 120000, p99Ms: 200 },
    build: (v) =>
      manyProducers({
        producerCount: num(v, 'producerCount'),
        messagesPerProducer: num(v, 'messagesPerProducer'),
        partitions: num(v, 'partitions'),
        messageSize: size(v),
        targetRate: num(v, 'targetRate'),
        p99Ms: num(v, 'p99Ms'),
        ...producerTuning(v),
      }),
  },
  {
    name: 'consumer-lag',
    summary: 'Build lag (produce faster than consume), then stop producing and measure the catch-up',
    defaults: { produceRate: 1000000, consumeRate: 500000, duration: 600, partitions: 10, messageSize: 1024 },
    build: (v) =>
      consumerLag({
        produceRate: num(v, 'produceRate'),
        consumeRate: num(v, 'consumeRate'),
        durationSeconds: num(v, 'duration'),
        partitions: num(v, 'partitions'),
        messageSize: size(v),
        consumers: opt(v, 'consumers'),
        producers: opt(v, 'producers'),
        ...producerTuning(v),
      }),
  },
  {
    name: 'consumer-group-restart',
    summary:
      'A committing consumer group crashed and restarted mid-run: no acked record lost, records read again within the commit interval, restart-to-first-record time',
    defaults: {
      duration: 30,
      targetRate: 1000,
      partitions: 4,
      consumers: 2,
      messageSize: 1024,
      commitEvery: 1,
      restarts: 2,
      downSeconds: 0.5,
    },
    build: (v) =>
      consumerGroupRestart({
        durationSeconds: num(v, 'duration'),
        rate: num(v, 'targetRate'),
        partitions: num(v, 'partitions'),
        consumers: num(v, 'consumers'),
        producers: opt(v, 'producers'),
        messageSize: num(v, 'messageSize'),
        commitEverySeconds: num(v, 'commitEvery'),
        restarts: num(v, 'restarts'),
        downSeconds: num(v, 'downSeconds'),
        graceful: v.graceful === true,
        ...producerTuning(v),
      }),
  },
  {
    name: 'stability',
    summary: 'Long steady produce and consume: no crash, memory growth < 10%, throughput variance < 5%, errors < 0.01%, no records lost',
    defaults: { duration: 604800, targetRate: 50000, partitions: 20, messageSize: 1024 },
    build: (v) =>
      stability({
        durationSeconds: num(v, 'duration'),
        targetRate: num(v, 'targetRate'),
        partitions: num(v, 'partitions'),
        messageSize: size(v),
        consumers: opt(v, 'consumers'),
        producers: opt(v, 'producers'),
        ...producerTuning(v),
      }),
  },
];

export function findScenario(name: string): ScenarioEntry | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
