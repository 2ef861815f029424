// Scenario 4 of the plan: a long steady produce-and-consume run judged on crashes, memory growth,
// throughput variance and error rate. The result file is checkpointed so a run that dies keeps its data.
import { type Criterion, parseRateProfile, profileRecords, type Scenario } from '@loadhouse/core';
import { integrityCriteria, produceWithReaders } from './integrity.js';
import { plannedSize, type ProducerTuning } from './tuning.js';
import { checkOptions, defined } from './validate.js';

export interface StabilityOptions extends ProducerTuning {
  /** Seconds to run (plan: 604800, seven days). */
  durationSeconds: number;
  /** Records per second (plan: 50000). */
  targetRate: number;
  /** Topic partitions (plan: 20). */
  partitions: number;
  consumers?: number;
  producers?: number;
  memoryGrowthPercent?: number;
  throughputVariancePercent?: number;
  errorRatePercent?: number;
}

/** Shortest run whose memory growth and throughput variance are judged; shorter runs show them as N/A. */
export const MIN_JUDGED_SECONDS = 60;

export function stability(options: StabilityOptions): Scenario {
  checkOptions(
    'stability',
    options,
    {
      durationSeconds: 'positive',
      targetRate: 'positive',
      partitions: 'positiveInt',
      consumers: 'nonNegativeInt',
      producers: 'positiveInt',
      memoryGrowthPercent: 'nonNegative',
      throughputVariancePercent: 'nonNegative',
      errorRatePercent: 'nonNegative',
    },
    ['durationSeconds', 'targetRate', 'partitions'],
  );
  const o = { messageSize: 1024, memoryGrowthPercent: 10, throughputVariancePercent: 5, errorRatePercent: 0.01, ...defined(options) };
  const consumers = o.consumers ?? o.partitions;
  const profile = o.rateProfile === undefined ? undefined : parseRateProfile(o.rateProfile, o.targetRate);
  const seconds = profile?.durationSeconds ?? o.durationSeconds;

  // Both figures need time: growth is fitted after the first half of the run (start-up) over >= 10 samples,
  // and variance compares ten windows; below a minute either would judge noise or start-up.
  const tooShort =
    seconds < MIN_JUDGED_SECONDS ? { notApplicable: `a ${seconds} s run is too short to judge it (needs >= ${MIN_JUDGED_SECONDS} s)` } : {};
  const shaped = profile ? { notApplicable: 'the rate profile changes the rate by design' } : tooShort;
  const criteria: Criterion[] = [
    { metric: 'target.crashes', op: '==', value: 0, label: 'Zero crashes' },
    {
      metric: 'resources.memoryGrowthUpperPercent',
      op: '<',
      value: o.memoryGrowthPercent,
      unit: '%',
      label: `Memory growth < ${o.memoryGrowthPercent}% (after start-up, 95% upper bound)`,
      ...tooShort,
    },
    {
      metric: 'resources.throughputVariancePercent',
      op: '<',
      value: o.throughputVariancePercent,
      unit: '%',
      label: `Throughput variance < ${o.throughputVariancePercent}%`,
      ...shaped,
    },
    { metric: 'producer.errorRatePercent', op: '<', value: o.errorRatePercent, unit: '%', label: `Error rate < ${o.errorRatePercent}%` },
    ...(consumers > 0 ? integrityCriteria({ ordered: o.maxInFlight === 1 }) : []),
  ];

  return {
    name: 'stability',
    plannedSeconds: seconds,
    plannedBytes: (profile ? profileRecords(profile) : o.targetRate * seconds) * plannedSize(o.messageSize),
    options: { ...o, consumers },
    criteria,
    async run(c) {
      await c.phase('steady', () =>
        produceWithReaders(c, { ...o, rate: o.targetRate, producers: o.producers ?? o.partitions, consumers, seconds, profile }),
      );
    },
  };
}
