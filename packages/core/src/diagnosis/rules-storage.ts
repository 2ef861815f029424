// Causes in the target's storage: S3 throttling and slow S3 requests (scraped from the target's /metrics, or
// seen by the S3 probe), and segment-cache misses while consumers catch up.
import type { DiagnosisEvidence } from '../types.js';
import { lower, measuredSeconds, metric, partialMetric, round, windowMetric, type Facts } from './facts.js';
import type { DiagnosisRule } from './rule.js';

/**
 * Throttled S3 requests in percent of all the target's S3 requests. Any throttle means the bucket's request
 * rate is at its limit; from 1% retries visibly delay segment uploads; from 5% they pile up.
 */
export const S3_THROTTLE = { medium: 1, high: 5 } as const;

/** Throttles in the second half of the measured windows against the first: rising when clearly more. */
function rising(f: Facts): { first: number; second: number } | undefined {
  const w = windowMetric(f, 'target.s3.throttles');
  if (w.length < 4) return undefined;
  const half = Math.floor(w.length / 2);
  const sum = (xs: typeof w) => xs.reduce((a, x) => a + x.v, 0);
  return { first: sum(w.slice(0, half)), second: sum(w.slice(half)) };
}

export const s3Throttling: DiagnosisRule = {
  cause: 's3-throttling',
  symptoms: ['latency', 'throughput', 'errors', 'lag', 's3', 'memory'],
  advice:
    'S3 answered with throttling (503 SlowDown, 429): the bucket or prefix is at its request-rate limit, and uploads wait ' +
    'on retries. Write fewer, larger segments (a larger segment size or age), spread keys over more prefixes, or raise ' +
    'the limit with the storage provider; on MinIO or a gateway, check its own limits.',
  detect(f) {
    const scraped = metric(f, 'target.s3.throttles') ?? 0;
    const probe = metric(f, 's3.throttles') ?? 0;
    if (scraped <= 0 && probe <= 0) return undefined;
    const evidence: DiagnosisEvidence[] = [];
    let confidence: 'high' | 'medium' | 'low' = 'low';
    if (scraped > 0) {
      evidence.push({ metric: 'target.s3.throttles', value: scraped, threshold: 0 });
      const rps = metric(f, 'target.s3.requestsPerSecond');
      if (rps !== undefined && rps > 0) {
        // Both figures span the scrapes, warm-up included: the rate times the whole run is the request count.
        const percent = (100 * scraped) / (rps * Math.max(f.result.durationSeconds, measuredSeconds(f)));
        evidence.push({ metric: 'target.s3.throttlePercent', value: round(Math.min(100, percent)), threshold: S3_THROTTLE.medium });
        confidence = percent >= S3_THROTTLE.high ? 'high' : percent >= S3_THROTTLE.medium ? 'medium' : 'low';
      } else confidence = 'medium';
      const trend = rising(f);
      if (trend && trend.second > 1.5 * trend.first) {
        evidence.push({
          metric: 'target.s3.throttles.secondHalf',
          value: trend.second,
          threshold: null,
          note: `rising: ${trend.first} in the first half`,
        });
        if (confidence === 'low') confidence = 'medium';
      }
      if (partialMetric(f, 'target.s3.throttles')) confidence = lower(confidence);
    }
    if (probe > 0) {
      evidence.push({ metric: 's3.throttles', value: probe, threshold: 0, note: "the S3 probe's own requests were throttled" });
      if (confidence === 'low') confidence = 'medium';
    }
    return { confidence, evidence };
  },
};

/**
 * S3 request p99 in ms. A segment PUT of a few MiB usually takes tens of ms and a ranged GET less; past these
 * bounds uploads hold producers (durable acks wait for them) and catch-up reads hold consumers. Twice the
 * bound is high confidence.
 */
export const S3_SLOW_MS = { put: 250, get: 100 } as const;

export const s3Slow: DiagnosisRule = {
  cause: 's3-slow',
  symptoms: ['latency', 'throughput', 'lag', 's3', 'cache'],
  advice:
    'S3 requests were slow (high PUT or GET p99): uploads hold producers waiting for durable acks, and reads from S3 hold ' +
    'consumers that catch up. Check the network path and distance to the bucket, the storage service status, segment ' +
    'sizes (very large PUTs take long), and whether the target reads from S3 what its cache should hold.',
  detect(f) {
    const evidence: DiagnosisEvidence[] = [];
    let worst = 0;
    let partial = false;
    for (const [op, bound] of [
      ['put', S3_SLOW_MS.put],
      ['get', S3_SLOW_MS.get],
    ] as const) {
      // The target's own view first; the probe's requests are only similar to the target's.
      const names = op === 'put' ? ['target.s3.putLatencyP99', 's3.put.p99'] : ['target.s3.getLatencyP99', 's3.get.p99'];
      for (const name of names) {
        const v = metric(f, name);
        if (v === undefined || v < bound) continue;
        evidence.push({ metric: name, value: round(v), threshold: bound });
        worst = Math.max(worst, v / bound);
        partial ||= partialMetric(f, name);
      }
    }
    if (!evidence.length) return undefined;
    const confidence = worst >= 2 ? 'high' : 'medium';
    return { confidence: partial ? lower(confidence) : confidence, evidence };
  },
};

/**
 * Cache hit rate in percent while consumers catch up: the plan's goal is above 80%; under half is mostly S3
 * reads. Judged on at least two windows of catch-up.
 */
export const CACHE_HIT = { medium: 80, high: 50, minWindows: 2 } as const;

export const consumerCacheMisses: DiagnosisRule = {
  cause: 'consumer-cache-misses',
  symptoms: ['lag', 'cache', 'latency', 'throughput'],
  advice:
    "Consumers catching up missed the target's segment cache and read from S3, which is slower. Give the cache more memory, " +
    'check that read-ahead (prefetch of the next segment) works for sequential reads, and that the cache keeps recent ' +
    'segments rather than evicting them under produce load.',
  detect(f) {
    if (!(f.result.consumer?.consumed > 0)) return undefined;
    // Catch-up: windows where consumers read while behind. A run-level rate is no evidence: reads at the head are
    // served from the open segment in memory, neither hit nor miss, and a run without catch-up can show 0%.
    const catchUp = windowMetric(f, 'target.cacheHitRate').filter(
      ({ sample }) => sample.consumer?.lag > 0 && sample.consumer?.consumed > 0,
    );
    if (catchUp.length < CACHE_HIT.minWindows) return undefined;
    const rate = catchUp.reduce((a, x) => a + x.v, 0) / catchUp.length;
    if (rate >= CACHE_HIT.medium) return undefined;
    const evidence: DiagnosisEvidence[] = [
      {
        metric: 'target.cacheHitRate.catchUp',
        value: round(rate),
        threshold: CACHE_HIT.medium,
        note: `mean of ${catchUp.length} windows with consumer lag`,
      },
    ];
    const lag = f.result.consumer?.lag?.max;
    if (lag !== undefined && lag > 0) evidence.push({ metric: 'consumer.lag.max', value: lag, threshold: null });
    const confidence = rate < CACHE_HIT.high ? 'high' : 'medium';
    return { confidence: partialMetric(f, 'target.cacheHitRate') ? lower(confidence) : confidence, evidence };
  },
};
