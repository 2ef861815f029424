// Scenario 3 of the plan: build consumer lag by producing faster than consuming, then stop producing and
// measure how fast consumers catch up (time to clear, catch-up rate, cache hit rate, poll P99).
import { type Criterion, parseRateProfile, playRateProfile, profileRecords, profileStartRate, type Scenario } from '@loadhouse/core';
import { integrityCriteria } from './integrity.js';
import { plannedSize, workloadShape, type ProducerTuning } from './tuning.js';
import { checkOptions, defined } from './validate.js';

export interface ConsumerLagOptions extends ProducerTuning {
  /** Phase 1 produce rate (plan: 1000000 msgs/s). */
  produceRate: number;
  /** Phase 1 consume rate (plan: 500000 msgs/s). */
  consumeRate: number;
  /** Both phases together in seconds (plan: 600); phase 1 is the first half. */
  durationSeconds: number;
  partitions?: number;
  consumers?: number;
  producers?: number;
  /** Criterion thresholds. */
  cacheHitRatePercent?: number;
  pollP99Ms?: number;
}

export function consumerLag(options: ConsumerLagOptions): Scenario {
  checkOptions(
    'consumerLag',
    options,
    {
      produceRate: 'positive',
      consumeRate: 'positive',
      durationSeconds: 'positive',
      partitions: 'positiveInt',
      consumers: 'positiveInt',
      producers: 'positiveInt',
      cacheHitRatePercent: 'nonNegative',
      pollP99Ms: 'positive',
    },
    ['produceRate', 'consumeRate', 'durationSeconds'],
  );
  const o = { partitions: 10, messageSize: 1024, cacheHitRatePercent: 80, pollP99Ms: 50, ...defined(options) };
  const consumers = o.consumers ?? o.partitions;
  // A profile shapes phase 1's produce rate (relative segments start from produceRate) and sets its length.
  const profile = o.rateProfile === undefined ? undefined : parseRateProfile(o.rateProfile, o.produceRate);
  const produceSeconds = profile?.durationSeconds ?? o.durationSeconds / 2;
  const clearBound = 2 * produceSeconds;

  const criteria: Criterion[] = [
    {
      metric: 'timeToClearSeconds',
      op: '<=',
      value: clearBound,
      unit: 's',
      label: `Lag clears within 2x the produce time (${clearBound} s)`,
    },
    {
      metric: 'catchUpRate',
      op: '>',
      value: o.consumeRate,
      unit: 'msgs/s',
      label: `Catch-up rate > ${o.consumeRate.toLocaleString('en-US')} msgs/s`,
    },
    {
      metric: 'catchUpCacheHitRate',
      op: '>',
      value: o.cacheHitRatePercent,
      unit: '%',
      label: `Cache hit rate > ${o.cacheHitRatePercent}% during catch-up`,
    },
    {
      metric: 'consumer.latency.poll.p99',
      op: '<',
      value: o.pollP99Ms,
      unit: 'ms',
      label: `P99 consumer poll latency < ${o.pollP99Ms} ms`,
    },
    ...integrityCriteria({ ordered: o.maxInFlight === 1 }),
  ];

  return {
    name: 'consumer-lag',
    plannedSeconds: profile ? 2 * produceSeconds : o.durationSeconds,
    plannedBytes: (profile ? profileRecords(profile) : o.produceRate * produceSeconds) * plannedSize(o.messageSize),
    options: { ...o, consumers },
    criteria,
    async run(c) {
      const readers = await c.consume({ rate: o.consumeRate, consumers, partitions: o.partitions, startAt: 'earliest' });
      let phase1Consumed = 0;
      let phase1Seconds = 0;
      await c.phase('build-lag', async () => {
        const producers = await c.produce({
          rate: profile ? profileStartRate(profile) : o.produceRate,
          producers: o.producers ?? o.partitions,
          partitions: o.partitions,
          messageSize: o.messageSize,
          batchSize: o.batchSize,
          lingerMs: o.lingerMs,
          maxInFlight: o.maxInFlight,
          ...workloadShape(o),
          arrivals: o.arrivals,
        });
        await Promise.all([
          c.waitFor(
            (s) => {
              phase1Consumed += s.consumer.consumed;
              phase1Seconds += s.intervalSeconds;
              return false;
            },
            { timeoutSeconds: produceSeconds },
          ),
          profile ? playRateProfile(c, producers, profile) : undefined,
        ]);
        await producers.stop();
      });
      const lagBuilt = c.latest?.consumer.lag ?? 0;
      c.record('lagBuilt', lagBuilt);
      c.record('phase1ConsumeRate', phase1Seconds > 0 ? phase1Consumed / phase1Seconds : 0);

      await c.phase('catch-up', async () => {
        readers.setRate('max');
        const started = c.elapsedSeconds();
        let consumed = 0;
        let seconds = 0;
        const hitRates: number[] = [];
        const cleared = await c.waitFor(
          (s) => {
            consumed += s.consumer.consumed;
            seconds += s.intervalSeconds;
            const hit = s.metrics['target.cacheHitRate'];
            if (typeof hit === 'number' && Number.isFinite(hit) && s.consumer.consumed > 0) hitRates.push(hit);
            return s.consumer.lag === 0;
          },
          { timeoutSeconds: clearBound },
        );
        const timeToClear = c.elapsedSeconds() - started;
        c.record('lagCleared', cleared);
        c.record('timeToClearSeconds', cleared ? timeToClear : null);
        c.record('catchUpRate', seconds > 0 ? consumed / seconds : 0);
        c.record('catchUpConsumed', consumed);
        c.record('catchUpCacheHitRate', hitRates.length ? hitRates.reduce((a, b) => a + b, 0) / hitRates.length : null);
      });
      await readers.stop();
    },
  };
}
