// Scenario 2 of the plan: many concurrent producers, each sending a fixed quota over a shared connection pool.
import { type Criterion, LoadhouseError, type Scenario } from '@loadhouse/core';
import { plannedSize, workloadShape, type ProducerTuning } from './tuning.js';
import { checkOptions, defined } from './validate.js';

export interface ManyProducersOptions extends ProducerTuning {
  /** Concurrent producers (plan: 1000). */
  producerCount: number;
  /** Records each producer sends before it completes (plan: 10000). */
  messagesPerProducer: number;
  /** Topic partitions (plan: 100). */
  partitions: number;
  /** Aggregate rate asked of all producers together (default 120000, the plan's example figure). */
  targetRate?: number;
  /**
   * Criterion thresholds: aggregate throughput floor (default: 5/6 of targetRate, the plan's 100000 of 120000)
   * and P99 bound (plan: 200 ms).
   */
  minThroughput?: number;
  p99Ms?: number;
  /** Give up waiting for quotas after this many seconds past the planned time (default: planned time + 60). */
  graceSeconds?: number;
}

/** The plan's throughput floor as a share of the rate it asks: 100,000 of 120,000 msgs/s. */
const PLAN_THROUGHPUT_SHARE = 100_000 / 120_000;

export function manyProducers(options: ManyProducersOptions): Scenario {
  if (typeof options === 'object' && options !== null && options.rateProfile !== undefined) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      'manyProducers: a rate profile has nothing to shape here: each producer sends a fixed quota (messagesPerProducer) and ' +
        'the run ends when all are done. Use a profile with high-throughput, stability or consumer-lag.',
      { details: { option: 'options.rateProfile' } },
    );
  }
  checkOptions(
    'manyProducers',
    options,
    {
      producerCount: 'positiveInt',
      messagesPerProducer: 'positiveInt',
      partitions: 'positiveInt',
      targetRate: 'positive',
      minThroughput: 'nonNegative',
      p99Ms: 'positive',
      graceSeconds: 'nonNegative',
    },
    ['producerCount', 'messagesPerProducer', 'partitions'],
  );
  const d = { messageSize: 1024, targetRate: 120_000, p99Ms: 200, graceSeconds: 60, batchSize: 100, ...defined(options) };
  // The floor follows the rate asked, as the plan's does (100K of 120K): a fixed 100K would fail any smaller run.
  const o = { minThroughput: d.targetRate * PLAN_THROUGHPUT_SHARE, ...d };
  const total = o.producerCount * o.messagesPerProducer;
  const plannedSeconds = total / o.targetRate;

  const criteria: Criterion[] = [
    { metric: 'producersIncomplete', op: '==', value: 0, label: `All ${o.producerCount} producers complete successfully` },
    {
      metric: 'producer.msgsPerSec',
      op: '>',
      value: o.minThroughput,
      unit: 'msgs/s',
      label: `Total throughput > ${Math.round(o.minThroughput).toLocaleString('en-US')} msgs/s`,
    },
    { metric: 'producer.connectionErrors', op: '==', value: 0, label: 'No connection timeouts or pool exhaustion' },
    { metric: 'producer.latency.p99', op: '<', value: o.p99Ms, unit: 'ms', label: `P99 latency < ${o.p99Ms} ms` },
  ];

  return {
    name: 'many-producers',
    plannedSeconds,
    plannedBytes: total * plannedSize(o.messageSize),
    options: { ...o },
    criteria,
    async run(c) {
      await c.phase('produce', async () => {
        const group = await c.produce({
          rate: o.targetRate,
          producers: o.producerCount,
          partitions: o.partitions,
          messageSize: o.messageSize,
          messagesPerProducer: o.messagesPerProducer,
          // Small quotas and small batches: never wait for a batch the producer will not fill.
          batchSize: Math.min(o.batchSize, o.messagesPerProducer),
          lingerMs: o.lingerMs,
          maxInFlight: o.maxInFlight,
          ...workloadShape(o),
          arrivals: o.arrivals,
        });
        const finished = await Promise.race([group.done.then(() => true), c.waitFor(plannedSeconds + o.graceSeconds).then(() => false)]);
        await group.stop();
        const perProducer = group.stats();
        const completed = perProducer.filter((p) => p.completed).length;
        c.record('producersCompleted', completed);
        c.record('producersIncomplete', o.producerCount - completed);
        c.record('allCompletedInTime', finished);
        const times = perProducer.filter((p) => p.completed).map((p) => p.completionSeconds ?? 0);
        const rates = perProducer.map((p) => p.msgsPerSec);
        c.record('completionSeconds', spread(times));
        c.record('producerThroughput', spread(rates));
        c.record('fairnessIndex', jainIndex(rates));
        c.record('connectionsInUse', group.connections());
      });
    },
  };
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { min: 0, median: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}

/** Jain's fairness index: 1 when every producer got the same throughput, 1/n when one got everything. */
export function jainIndex(values: number[]): number {
  if (values.length === 0) return 1;
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}
