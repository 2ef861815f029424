// Scenario 1 of the plan: one sustained produce rate, judged on rate accuracy, P99, errors and target memory.
import { type Criterion, parseRateProfile, profileRecords, type Scenario } from '@loadhouse/core';
import { integrityCriteria, produceWithReaders } from './integrity.js';
import { plannedSize, type ProducerTuning } from './tuning.js';
import { checkOptions, defined } from './validate.js';

export interface HighThroughputOptions extends ProducerTuning {
  /** How long to produce, in seconds (plan: 3600; quick validation: 30). */
  durationSeconds: number;
  /** Records per second across all producers (plan: 100000). */
  targetRate: number;
  /** Topic partitions (plan: 10). */
  partitions: number;
  /** Producers sharing the rate (default: one per partition). */
  producers?: number;
  /** Consumers reading alongside, for end-to-end latency (default 0). */
  consumers?: number;
  /** Criterion thresholds (the plan's defaults). */
  p99Ms?: number;
  rateTolerancePercent?: number;
  maxErrors?: number;
  targetMemoryBytes?: number;
}

export function highThroughput(options: HighThroughputOptions): Scenario {
  checkOptions(
    'highThroughput',
    options,
    {
      durationSeconds: 'positive',
      targetRate: 'positive',
      partitions: 'positiveInt',
      producers: 'positiveInt',
      consumers: 'nonNegativeInt',
      p99Ms: 'positive',
      rateTolerancePercent: 'nonNegative',
      maxErrors: 'nonNegativeInt',
      targetMemoryBytes: 'positive',
    },
    ['durationSeconds', 'targetRate', 'partitions'],
  );
  const o = {
    messageSize: 1024,
    producers: options.partitions,
    consumers: 0,
    p99Ms: 100,
    rateTolerancePercent: 5,
    maxErrors: 0,
    targetMemoryBytes: 2 * 1024 ** 3,
    ...defined(options),
  };

  // A profile replaces the constant rate (which its relative segments start from) and sets the produce time.
  const profile = o.rateProfile === undefined ? undefined : parseRateProfile(o.rateProfile, o.targetRate);
  const seconds = profile?.durationSeconds ?? o.durationSeconds;
  const criteria: Criterion[] = [
    {
      metric: 'producer.rateErrorPercent',
      op: '<=',
      value: o.rateTolerancePercent,
      unit: '%',
      label: profile
        ? `Follows the rate profile (within ${o.rateTolerancePercent}%)`
        : `Sustained ${o.targetRate} msgs/s (within ${o.rateTolerancePercent}%)`,
    },
    { metric: 'producer.latency.p99', op: '<', value: o.p99Ms, unit: 'ms', label: `P99 latency < ${o.p99Ms} ms` },
    { metric: 'producer.errors', op: '<=', value: o.maxErrors, label: o.maxErrors === 0 ? 'Zero errors' : `Errors <= ${o.maxErrors}` },
    {
      metric: 'target.memoryBytes',
      op: '<',
      value: o.targetMemoryBytes,
      unit: 'bytes',
      label: `Target memory < ${(o.targetMemoryBytes / 1024 ** 3).toFixed(1)} GiB`,
    },
    ...(o.consumers > 0 ? integrityCriteria({ ordered: o.maxInFlight === 1 }) : []),
  ];

  return {
    name: 'high-throughput',
    plannedSeconds: seconds,
    plannedBytes: (profile ? profileRecords(profile) : o.targetRate * seconds) * plannedSize(o.messageSize),
    options: { ...o },
    criteria,
    async run(c) {
      await c.phase('produce', () => produceWithReaders(c, { ...o, rate: o.targetRate, seconds, profile }));
    },
  };
}
