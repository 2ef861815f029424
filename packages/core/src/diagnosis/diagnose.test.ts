// Each rule on hand-built results: a healthy base (the fixture with its signals removed) plus one fault and
// the criterion it fails. Deterministic: no run, no clock.
import { describe, expect, it } from 'vitest';
import { makeResult } from '../testing/result.js';
import type { CriterionOutcome, LoadTestResult, RunResources } from '../types.js';
import { mergeResults } from '../result/merge.js';
import { diagnose } from './diagnose.js';

// Built once: the fixture records real HDR histograms, which takes a moment.
const FIXTURE = makeResult();

/** The fixture with every sign of trouble taken out and all criteria passed. */
function healthy(): LoadTestResult {
  const r = structuredClone(FIXTURE);
  r.producer.errorsByCode = {};
  r.consumer.errorsByCode = {};
  r.criteria = r.criteria.map((c) => ({ ...c, passed: true }));
  r.integrity.duplicates = 0;
  r.series.forEach((s, i) => {
    s.producer.errorsByCode = {};
    s.consumer.errorsByCode = {};
    s.target.rssBytes = (400 + (i % 2)) * 1024 * 1024;
    s.target.cpuPercent = 40;
    s.metrics['target.cacheHitRate'] = 95;
  });
  r.metrics['target.cacheHitRate'] = 95;
  (r.resources as RunResources).memoryGrowth = null;
  return r;
}

function failing(r: LoadTestResult, metric: string, label = metric): LoadTestResult {
  const c: CriterionOutcome = { metric, op: '<', value: 1, label, measured: 2, passed: false };
  r.criteria = [...r.criteria, c];
  return r;
}

const causes = (r: LoadTestResult) => diagnose(r).map((d) => `${d.cause}:${d.confidence}`);

describe('diagnose', () => {
  it('a run whose criteria all passed has no diagnosis, whatever the evidence', () => {
    const r = structuredClone(FIXTURE);
    r.criteria = r.criteria.map((c) => ({ ...c, passed: true }));
    expect(diagnose(r)).toEqual([]);
    expect(diagnose(healthy())).toEqual([]);
  });

  it('a failed criterion without evidence of any cause has no diagnosis (nothing is guessed)', () => {
    expect(diagnose(failing(healthy(), 'producer.latency.p99'))).toEqual([]);
  });

  it('not-applicable criteria do not count as failed', () => {
    const r = healthy();
    r.generator.saturatedWindows = 20;
    r.criteria = [{ metric: 'producer.latency.p99', op: '<', value: 1, measured: 2, passed: false, notApplicable: 'too short' }];
    expect(diagnose(r)).toEqual([]);
  });

  it('generator-saturated: by the share of saturated windows, explaining latency and throughput but not integrity', () => {
    const r = failing(failing(healthy(), 'producer.latency.p99', 'P99'), 'integrity.lost', 'No loss');
    r.generator.saturatedWindows = 1; // 3%: noise
    expect(diagnose(r)).toEqual([]);
    r.generator.saturatedWindows = 4; // 13%
    expect(causes(r)).toEqual(['generator-saturated:medium']);
    r.generator.saturatedWindows = 12; // 40%
    const [d] = diagnose(r);
    expect(d).toMatchObject({ cause: 'generator-saturated', confidence: 'high', explains: ['P99'] });
    expect(d!.evidence[0]).toMatchObject({ metric: 'generator.saturatedWindowsPercent', value: 40, threshold: 10 });
    expect(d!.advice).toMatch(/--workers/);
    // One window of a 3-window run is a third of it, and still one moment.
    r.generator.saturatedWindows = 1;
    r.generator.totalWindows = 3;
    expect(causes(r)).toEqual(['generator-saturated:low']);
    r.generator.saturatedWindows = 2;
    expect(causes(r)).toEqual(['generator-saturated:medium']);
  });

  it('in-flight-limit: records late behind full in-flight windows, with the bound the windows put on the rate', () => {
    const r = failing(healthy(), 'producer.rateErrorPercent', 'Rate');
    const g = { id: 1, rate: 2000, producers: 1, partitions: 1, messageSize: 1024, batchSize: 10, lingerMs: 5, maxInFlight: 2 };
    r.config.producerGroups = [g] as typeof r.config.producerGroups;
    r.producer.latency.service.mean = 43;
    const late = (s: (typeof r.series)[number]) => {
      s.generator.windowFullWaits = 46;
      s.producer.latency.scheduleLag.p99 = 900;
    };
    const n = r.series.filter((s) => !s.warmup).length;
    r.series
      .filter((s) => !s.warmup)
      .slice(0, Math.floor(n / 20))
      .forEach(late); // 5%: a moment
    expect(causes(r)).toEqual([]);
    r.series.forEach(late);
    const [d] = diagnose(r);
    expect(d).toMatchObject({ cause: 'in-flight-limit', confidence: 'high', explains: ['Rate'] });
    // 1 producer x 2 in flight x 10 records / 43 ms: 465 msgs/s of the 2,000 asked.
    expect(d!.evidence[1]).toMatchObject({ metric: 'producer.inFlightBoundMsgsPerSec', value: 465, threshold: 2000 });
    expect(d!.advice).toMatch(/--max-in-flight/);
    // Full windows without late records are no evidence: the windows kept up.
    r.series.forEach((s) => {
      s.producer.latency.scheduleLag.p99 = 20;
    });
    expect(causes(r)).toEqual([]);
  });

  it('target-unreachable: outage windows and an end for an unreachable target; ranked first, before the connection errors it causes', () => {
    const r = failing(healthy(), 'producer.rateErrorPercent', 'Rate');
    r.outages = { windows: 3, seconds: 3, spans: [{ fromSeconds: 5, toSeconds: 8 }] };
    r.producer.errorsByCode = { UNAVAILABLE: 20 };
    const ds = diagnose(r);
    expect(ds.map((d) => d.cause)).toEqual(['target-unreachable', 'connection-errors']);
    expect(ds[0]).toMatchObject({ confidence: 'high', explains: ['Rate'] });
    expect(ds[0]!.evidence).toContainEqual(expect.objectContaining({ metric: 'outages.seconds', value: 3 }));
  });

  it('a failed run is diagnosed even with no criterion to explain', () => {
    const r = healthy() as LoadTestResult & { state: string };
    Object.assign(r, { state: 'failed', error: { code: 'LH_TARGET_UNREACHABLE', message: 'x' }, endReason: 'target-unreachable' });
    expect(diagnose(r)).toMatchObject([{ cause: 'target-unreachable', explains: [], confidence: 'high' }]);
  });

  it('s3-throttling: by the share of throttled S3 requests; rising throttles and a throttled probe raise it', () => {
    const r = failing(healthy(), 'producer.latency.p99', 'P99');
    r.metrics['target.s3.requestsPerSecond'] = 10; // 300 requests over the 30 s
    r.metrics['target.s3.throttles'] = 1;
    expect(causes(r)).toEqual(['s3-throttling:low']);
    r.metrics['target.s3.throttles'] = 6; // 2%
    expect(causes(r)).toEqual(['s3-throttling:medium']);
    r.metrics['target.s3.throttles'] = 30; // 10%
    expect(causes(r)).toEqual(['s3-throttling:high']);
    r.metricNotes = { 'target.s3.throttles': '2 of 30 scrapes failed' };
    expect(causes(r)).toEqual(['s3-throttling:medium']);
  });

  it('s3-throttling: throttles rising over the run make a small share medium', () => {
    const r = failing(healthy(), 'producer.errors', 'Zero errors');
    r.metrics['target.s3.requestsPerSecond'] = 100;
    r.metrics['target.s3.throttles'] = 10;
    r.series.forEach((s, i) => {
      s.metrics['target.s3.throttles'] = i >= 20 ? 1 : 0;
    });
    const [d] = diagnose(r);
    expect(d).toMatchObject({ cause: 's3-throttling', confidence: 'medium', explains: ['Zero errors'] });
    expect(d!.evidence.map((e) => e.metric)).toContain('target.s3.throttles.secondHalf');
  });

  it('s3-slow: PUT or GET p99 past its bound, from the target or the probe', () => {
    const r = failing(healthy(), 'producer.latency.p99', 'P99');
    r.metrics['s3.put.p99'] = 120;
    expect(diagnose(r)).toEqual([]);
    r.metrics['target.s3.putLatencyP99'] = 300;
    expect(causes(r)).toEqual(['s3-slow:medium']);
    r.metrics['target.s3.getLatencyP99'] = 450;
    expect(causes(r)).toEqual(['s3-slow:high']);
    expect(diagnose(r)[0]!.evidence.map((e) => e.metric)).toEqual(['target.s3.putLatencyP99', 'target.s3.getLatencyP99']);
  });

  it('target-memory-growth: steady RSS growth, not start-up; a sawtooth is named', () => {
    const r = failing(healthy(), 'target.memoryBytes', 'Memory');
    expect(diagnose(r)).toEqual([]);
    r.series.forEach((s, i) => {
      s.target.rssBytes = (400 + 20 * i) * 1024 * 1024;
    }); // +150% over the run
    const [d] = diagnose(r);
    expect(d).toMatchObject({ cause: 'target-memory-growth', confidence: 'high', explains: ['Memory'] });
    // Growth and collapse, rising: the collector catches up less each time.
    r.series.forEach((s, i) => {
      s.target.rssBytes = (400 + 10 * i + (i % 4) * 150) * 1024 * 1024;
    });
    expect(diagnose(r)[0]!.evidence.map((e) => e.metric)).toContain('target.rssBytes.growthPercent.sawtoothCycles');
  });

  it('target-memory-growth from the scraped process memory when no PID was watched', () => {
    const r = failing(healthy(), 'producer.latency.p99');
    r.series.forEach((s, i) => {
      delete s.target.rssBytes;
      s.metrics['target.memoryBytes'] = (300 + 10 * i) * 1024 * 1024; // +100%, all of it steady
    });
    expect(causes(r)).toEqual(['target-memory-growth:high']);
  });

  it('target-cpu-saturated: all cores busy is medium or high; one busy core is low', () => {
    const r = failing(healthy(), 'producer.latency.p99');
    r.series.forEach((s) => {
      s.target.cpuPercent = 190;
    }); // 2 cores
    expect(causes(r)).toEqual(['target-cpu-saturated:high']);
    r.series.forEach((s) => {
      s.target.cpuPercent = 99;
    });
    expect(causes(r)).toEqual(['target-cpu-saturated:low']);
    r.series.forEach((s) => {
      s.target.cpuPercent = undefined;
    });
    expect(diagnose(r)).toEqual([]);
  });

  it('connection-errors: by the share of records failing with connection codes', () => {
    const r = failing(healthy(), 'producer.errors', 'Zero errors');
    const scheduled = r.producer.scheduled;
    r.producer.errorsByCode = { UNAVAILABLE: 1 };
    expect(causes(r)).toEqual(['connection-errors:low']);
    r.producer.errorsByCode = { RESOURCE_EXHAUSTED: Math.ceil(scheduled / 500) };
    expect(causes(r)).toEqual(['connection-errors:medium']);
    r.producer.errorsByCode = { UNAVAILABLE: Math.ceil(scheduled / 50) };
    expect(causes(r)).toEqual(['connection-errors:high']);
    r.producer.errorsByCode = { INVALID_ARGUMENT: scheduled };
    expect(diagnose(r)).toEqual([]);
  });

  it('consumer-cache-misses: the hit rate in the catch-up windows, explaining lag and cache criteria', () => {
    const r = structuredClone(FIXTURE); // the fixture's drain reads miss the cache (55-65%), and its cache criterion fails
    r.integrity.duplicates = 0;
    r.series.forEach((s) => {
      s.target.rssBytes = 400 * 1024 * 1024;
      s.target.cpuPercent = 40;
    });
    const [d] = diagnose(r);
    expect(d).toMatchObject({ cause: 'consumer-cache-misses', confidence: 'medium', explains: ['Cache hit rate'] });
    expect(d!.evidence[0]!.metric).toBe('target.cacheHitRate.catchUp');
    expect(d!.evidence[0]!.value).toBeLessThan(80);
    // Without catch-up windows a low run-level rate is no evidence: reads at the head neither hit nor miss.
    const head = failing(healthy(), 'consumer.lag.max');
    head.metrics['target.cacheHitRate'] = 0;
    for (const s of head.series) s.consumer.lag = 0;
    expect(diagnose(head)).toEqual([]);
  });

  it('data-loss: lost records are high confidence; duplicates medium; fields added to integrity later count too', () => {
    const r = failing(healthy(), 'integrity.lost', 'No records lost');
    r.integrity = { ...r.integrity, missing: 6, expectedMissing: 0, dataLoss: true };
    expect(diagnose(r)).toMatchObject([{ cause: 'data-loss', confidence: 'high', explains: ['No records lost'] }]);
    r.integrity = { ...r.integrity, missing: 6, dataLoss: false };
    expect(causes(r)).toEqual(['data-loss:low']);
    r.integrity = { ...r.integrity, missing: 0, duplicates: 3 };
    expect(causes(r)).toEqual(['data-loss:medium']);
    Object.assign(r.integrity, { corrupted: 2 });
    expect(causes(r)).toEqual(['data-loss:high']);
  });

  it('ranks by confidence, then by how many failed criteria a cause explains', () => {
    const r = failing(failing(failing(healthy(), 'producer.latency.p99'), 'consumer.lag.max'), 'producer.errors');
    r.metrics['target.s3.putLatencyP99'] = 300; // medium: latency, lag
    r.producer.errorsByCode = { UNAVAILABLE: 1 }; // low
    r.generator.saturatedWindows = 4; // medium: latency, lag
    r.metrics['target.s3.requestsPerSecond'] = 10;
    r.metrics['target.s3.throttles'] = 6; // medium: latency, lag, errors
    expect(causes(r)).toEqual(['s3-throttling:medium', 'generator-saturated:medium', 's3-slow:medium', 'connection-errors:low']);
  });
});

describe('diagnosis of a merged result', () => {
  it("is built again from the merged figures: one shard's outage is named, another shard's old diagnosis is not kept", () => {
    const a = failing(healthy(), 'producer.rateErrorPercent', 'Rate');
    a.shard = { index: 0, count: 2 };
    a.outages = { windows: 2, seconds: 2, spans: [{ fromSeconds: 4, toSeconds: 6 }] };
    const b = failing(healthy(), 'producer.rateErrorPercent', 'Rate');
    b.shard = { index: 1, count: 2 };
    b.diagnosis = [{ cause: 's3-slow', explains: ['Rate'], confidence: 'high', evidence: [], advice: 'stale' }];
    // The merge judges its criteria again: this one fails on the merged figures too.
    for (const r of [a, b]) r.criteria = r.criteria.map((c) => (c.label === 'Rate' ? { ...c, value: 0.0001 } : c));
    const merged = mergeResults([a, b]);
    expect(merged.criteria.find((c) => c.label === 'Rate')?.passed).toBe(false);
    expect(merged.diagnosis?.map((d) => d.cause)).toEqual(['target-unreachable']);
    expect(merged.diagnosis![0]!.explains).toEqual(['Rate']);
  });

  it("sums the shards' full in-flight windows per window, so the merged run is diagnosed from all of them", () => {
    const shards = [0, 1].map((index) => {
      const r = failing(healthy(), 'producer.rateErrorPercent', 'Rate');
      r.shard = { index, count: 2 };
      r.config.producerGroups = [
        {
          id: 1,
          rate: 2000,
          producers: 1,
          partitions: 1,
          messageSize: 1024,
          batchSize: 10,
          lingerMs: 5,
          maxInFlight: 2,
          payload: 'random',
          topic: r.config.topic,
          startedAtSeconds: 0,
        },
      ] as typeof r.config.producerGroups;
      r.criteria = r.criteria.map((c) => (c.label === 'Rate' ? { ...c, value: 0.0001 } : c));
      r.series.forEach((s) => {
        s.producer.latency.scheduleLag.p99 = 900;
        // Each shard alone had the windows full in every other window only, the first in odd windows.
        if (s.elapsedSeconds % 2 === index) s.generator.windowFullWaits = 3 + index;
      });
      return r;
    });
    const merged = mergeResults(shards);
    const waits = merged.series.map((s) => s.generator.windowFullWaits ?? 0);
    expect(waits.filter((w) => w > 0).length).toBeGreaterThan(merged.series.length / 2);
    expect(Math.max(...waits)).toBeLessThanOrEqual(4);
    expect(merged.diagnosis?.map((d) => d.cause)).toContain('in-flight-limit');
  });
});
