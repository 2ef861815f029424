// The fault timeline's syntax and errors, and the recovery figures read off sample windows (pure logic).
import { describe, expect, it } from 'vitest';
import { evaluateCriteria } from '../criteria.js';
import { createLoadTest } from '../load-test.js';
import { LoadhouseError } from '../errors.js';
import { thrown } from '../test-support.js';
import type { Sample } from '../types.js';
import { maxRecoverySeconds, faultReports } from './recovery.js';
import { describeFault, parseFaultTimeline } from './timeline.js';

describe('fault timeline', () => {
  it("parses the issue's example, sorted by start, with units and parameters", () => {
    const specs = parseFaultTimeline(
      's3-latency@150s+30s=500ms, blackhole@30s+10s, latency@60s+20s=50ms, reset@90s, reset@2m+1500ms, s3-throttle@120s+30s=0.3',
    );
    expect(specs).toEqual([
      { kind: 'blackhole', startMs: 30_000, durationMs: 10_000 },
      { kind: 'latency', startMs: 60_000, durationMs: 20_000, parameter: 50 },
      { kind: 'reset', startMs: 90_000, durationMs: 0 },
      { kind: 'reset', startMs: 120_000, durationMs: 1500 },
      { kind: 's3-throttle', startMs: 120_000, durationMs: 30_000, parameter: 0.3 },
      { kind: 's3-latency', startMs: 150_000, durationMs: 30_000, parameter: 500 },
    ]);
    expect(specs.map(describeFault).join(', ')).toBe(
      'blackhole@30s+10s, latency@60s+20s=50ms, reset@90s, reset@120s+1500ms, s3-throttle@120s+30s=0.3, s3-latency@150s+30s=500ms',
    );
    // The text form round-trips, and specs are checked like text.
    expect(parseFaultTimeline(specs.map(describeFault).join(','))).toEqual(specs);
    expect(parseFaultTimeline([{ kind: 's3-throttle', startMs: 0, durationMs: 1000, parameter: 0.5 }, 'latency@1+1=2'])).toHaveLength(2);
    expect(parseFaultTimeline('s3-throttle@0s+1s=30%')[0]!.parameter).toBeCloseTo(0.3);
  });

  it.each([
    ['blackhole@30s', 'blackhole@30s', 'needs a duration'],
    ['latency@1s+2s', 'latency@1s+2s', 'needs a delay'],
    ['blackhole@1s+2s=5ms', 'blackhole@1s+2s=5ms', 'takes no parameter'],
    ['jitter@1s+1s', 'jitter@1s+1s', 'unknown fault kind'],
    ['blackhole@soon+1s', 'blackhole@soon+1s', 'start that is not a time'],
    ['blackhole@1s+0s', 'blackhole@1s+0s', 'positive time'],
    ['s3-throttle@1s+1s=1.5', 's3-throttle@1s+1s=1.5', 'fraction'],
    ['latency@1s+1s=0ms', 'latency@1s+1s=0ms', 'delay'],
    ['blackhole 30s', 'blackhole 30s', 'kind@start'],
    ['reset@1s, , blackhole@2s+1s, latency@1s', 'latency@1s', 'needs a duration'],
    ['blackhole@1s+5s, blackhole@3s+1s', 'blackhole@3s+1s', 'overlaps blackhole@1s+5s'],
    ['  ', '  ', 'is empty'],
  ])('refuses %j naming the segment %j', (text, segment, why) => {
    const err = thrown(() => parseFaultTimeline(text, '--faults'));
    expect(err).toBeInstanceOf(LoadhouseError);
    expect((err as LoadhouseError).code).toBe('LH_INVALID_OPTION');
    expect((err as Error).message).toContain(`--faults: "${segment}"`);
    expect((err as Error).message).toContain(why);
  });
});

/** A 1 s window ending at `t` with these acks, response p99 and cumulative outstanding records. */
function win(t: number, acked: number, p99: number, outstanding: number): Sample {
  return {
    elapsedSeconds: t,
    intervalSeconds: 1,
    warmup: false,
    producer: { scheduled: 1000, acked, latency: { response: { p99, count: acked } } },
    totals: { scheduled: 1000 * t, acked: 1000 * t - outstanding, failed: 0, dropped: 0, sent: 0, consumed: 0 },
  } as unknown as Sample;
}

describe('recovery figures', () => {
  it('reads the first ack, the p99 back within 10% of the baseline and the backlog off the windows', () => {
    // A blackhole from 3 s to 5 s: no acks in windows 4 and 5, a slow window 6, p99 back in window 7,
    // the backlog (2,000 records) back at its level in window 7.
    const series = [
      win(1, 1000, 10, 20),
      win(2, 1000, 12, 30),
      win(3, 1000, 11, 25),
      win(4, 0, 0, 1025),
      win(5, 0, 0, 2025),
      win(6, 2000, 900, 800),
      win(7, 1000, 12, 30),
      win(8, 1000, 11, 20),
    ];
    const [r] = faultReports({ faults: parseFaultTimeline('blackhole@2.5s+2s'), offsetMs: 500, series });
    expect(r).toEqual({
      kind: 'blackhole',
      fromSeconds: 3,
      toSeconds: 5,
      outageSeconds: 2,
      firstAckAfterEndMs: 1000,
      p99RecoveredAfterMs: 2000,
      baselineP99Ms: 11,
      backlogBuilt: 2025 - 30,
      backlogDrainedAfterMs: 2000,
      lostAcked: null,
    });
    expect(maxRecoverySeconds([r])).toBe(2);
    // A fault that starts and ends inside windows holding acks: the silence runs from its start to its end.
    const [mid] = faultReports({ faults: parseFaultTimeline('blackhole@2.4s+3s'), offsetMs: 0, series });
    expect(mid!.outageSeconds).toBe(3);
    // The criterion metric reads it off a result.
    const [ok, slow] = evaluateCriteria({ faults: [r] }, [
      { metric: 'faults.maxRecoverySeconds', op: '<', value: 5 },
      { metric: 'faults.maxRecoverySeconds', op: '<', value: 1.5 },
    ]);
    expect(ok).toMatchObject({ measured: 2, passed: true });
    expect(slow).toMatchObject({ measured: 2, passed: false });
    // Never recovered: unmeasured, not "0 s"; a fault after the run's end is not reported.
    const stuck = faultReports({
      faults: parseFaultTimeline('blackhole@3s+2s, latency@20s+1s=5ms'),
      offsetMs: 0,
      series: series.slice(0, 5),
    });
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatchObject({ firstAckAfterEndMs: null, p99RecoveredAfterMs: null, backlogDrainedAfterMs: null });
    expect(maxRecoverySeconds(stuck)).toBeNull();
    expect(maxRecoverySeconds(undefined)).toBeNull();
  });
});

describe('faults of a run', () => {
  it('are checked when the load test is made (options) or run (scenario), before any connection', async () => {
    expect(() => createLoadTest({ target: '127.0.0.1:1', faults: 'blackhole@1s' })).toThrow(
      'options.faults: "blackhole@1s" needs a duration',
    );
    // A run proxies the gRPC port only: S3 faults need `loadhouse proxy` with the target's S3 endpoint on it.
    expect(() => createLoadTest({ target: '127.0.0.1:1', faults: ['s3-latency@1s+1s=5ms'] })).toThrow(/loadhouse proxy --s3-upstream/);
    const run = createLoadTest({ target: '127.0.0.1:1', resultsDir: false }).run({
      name: 'x',
      criteria: [],
      faults: 'reset@1s=5ms',
      run: async () => undefined,
    });
    await expect(run).rejects.toThrow('scenario.faults: "reset@1s=5ms" takes no parameter');
  });
});
