import { describe, expect, it } from 'vitest';
import {
  analyzeStability,
  coldStart,
  growthPercent,
  linearSlope,
  sawtoothCycles,
  throughputVariancePercent,
  type Point,
} from './analysis.js';
import { ProcessMonitor, readProcess } from './process-stats.js';

const MB = 1024 * 1024;

describe('stability analysis', () => {
  it('recovers a known memory slope in MB/hour from a noisy synthetic series', () => {
    // 2 hours, one point a minute, 150 MB/hour plus deterministic noise of +-5 MB.
    const pts: Point[] = [];
    for (let i = 0; i <= 120; i++) pts.push({ t: i * 60, v: 500 * MB + (150 * MB * i * 60) / 3600 + (i % 2 ? 5 : -5) * MB });
    const f = analyzeStability({ targetRss: pts, generatorRss: [], throughput: [], p99: [], p99Total: 10, p999Total: 20 });
    expect(f.memorySlopeMbPerHour).toBeGreaterThan(149);
    expect(f.memorySlopeMbPerHour).toBeLessThan(151);
    expect(f.warnings.some((w) => w.includes('MB/hour'))).toBe(true);
    // The steady part (after the first 30 minutes) starts at about 575 MB; its slope over the 2 hours: 300 MB, 52%.
    expect(f.memoryGrowthPercent!).toBeGreaterThan(49);
    expect(f.memoryGrowthPercent!).toBeLessThan(55);
    expect(f.memoryGrowth!.plusMinusPercent).toBeLessThan(2);
    expect(f.memoryGrowthUpperPercent).toBeCloseTo(f.memoryGrowthPercent! + f.memoryGrowth!.plusMinusPercent, 9);
  });

  it('judges memory growth after start-up has settled, not first against last sample', () => {
    // The shape of a 605 s run at 50 msgs/s: RSS fills from 90 to 120 MB in the first minute (caches,
    // heaps, compiled code), then stays level with +-3 MB of noise. First vs last 10% called that 31% growth.
    const pts: Point[] = [];
    for (let t = 0; t <= 605; t++) pts.push({ t, v: (t < 60 ? 90 + t / 2 : 120) * MB + (((t * 7919) % 13) - 6) * 0.5 * MB });
    const f = analyzeStability({ targetRss: pts, generatorRss: [], throughput: [], p99: [], p99Total: 10, p999Total: 20 });
    expect(Math.abs(f.memoryGrowthPercent!)).toBeLessThan(2);
    expect(f.memoryGrowthUpperPercent!).toBeLessThan(3);
    expect(f.memoryGrowth).toMatchObject({ fromSeconds: 303, seconds: 302 });
    // A real leak in the steady part still shows: +10 MB/minute after the same start-up.
    const leak = pts.map((p) => ({ t: p.t, v: p.v + (p.t > 60 ? ((p.t - 60) * 10 * MB) / 60 : 0) }));
    expect(
      analyzeStability({ targetRss: leak, generatorRss: [], throughput: [], p99: [], p99Total: 10, p999Total: 20 }).memoryGrowthPercent!,
    ).toBeGreaterThan(30);
    // Too few points after start-up: no figure rather than a guess.
    expect(
      analyzeStability({ targetRss: pts.slice(0, 12), generatorRss: [], throughput: [], p99: [], p99Total: 10, p999Total: 20 })
        .memoryGrowthPercent,
    ).toBeNull();
  });

  it('reports the slope of a short run but raises the flag only over 10 minutes or more', () => {
    // A target filling its caches: +20 MB a second for 15 s, then the same rise spread over 20 minutes.
    const start = Array.from({ length: 15 }, (_, i) => ({ t: i, v: (150 + i * 20) * MB }));
    const short = analyzeStability({ targetRss: start, generatorRss: [], throughput: [], p99: [], p99Total: 10, p999Total: 20 });
    expect(short.memorySlopeMbPerHour).toBeGreaterThan(70_000);
    expect(short.warnings).toEqual([]);
    const long = start.map((p, i) => ({ t: i * 80, v: p.v }));
    expect(
      analyzeStability({ targetRss: long, generatorRss: [], throughput: [], p99: [], p99Total: 10, p999Total: 20 }).warnings.join('\n'),
    ).toMatch(/MB\/hour/);
  });

  it('slope of a flat series is zero and raises no flag', () => {
    const pts = Array.from({ length: 50 }, (_, i) => ({ t: i, v: 800 * MB }));
    expect(linearSlope(pts)).toBe(0);
    expect(growthPercent(pts)).toBe(0);
    const f = analyzeStability({ targetRss: pts, generatorRss: pts, throughput: [], p99: [], p99Total: 10, p999Total: 20 });
    expect(f.warnings).toEqual([]);
  });

  it('throughput variance is the coefficient of variation of window means', () => {
    // 10 windows alternating 900 and 1100: CV = 100/1000 = 10%.
    const pts: Point[] = [];
    for (let i = 0; i < 100; i++) pts.push({ t: i, v: Math.floor(i / 10) % 2 ? 1100 : 900 });
    const cv = throughputVariancePercent(pts)!;
    expect(cv).toBeGreaterThan(9.5);
    expect(cv).toBeLessThan(10.5);
    const steady = Array.from({ length: 100 }, (_, i) => ({ t: i, v: 1000 }));
    expect(throughputVariancePercent(steady)).toBe(0);
  });

  it("flags the plan's latency red flags", () => {
    const p99 = Array.from({ length: 40 }, (_, i) => ({ t: i, v: 10 + i * 10 }));
    const f = analyzeStability({ targetRss: [], generatorRss: [], throughput: [], p99, p99Total: 600, p999Total: 6000 });
    expect(f.warnings.join('\n')).toMatch(/P99 600.0 ms > 500 ms/);
    expect(f.warnings.join('\n')).toMatch(/P999 6000 ms > 5 s/);
    expect(f.warnings.join('\n')).toMatch(/Latency rising/);
  });

  it("says the slow P99 is the generator's, not S3's, when the generator was saturated and records waited to be sent", () => {
    const flag = (generatorSaturated: { windows: number; of: number; scheduleLagP99: number }) =>
      analyzeStability({ targetRss: [], generatorRss: [], throughput: [], p99: [], p99Total: 4700, p999Total: 10, generatorSaturated })
        .warnings[0];
    expect(flag({ windows: 8, of: 10, scheduleLagP99: 4000 })).toMatch(
      /^P99 4700.0 ms > 500 ms, but the generator itself was saturated in 8 of 10 windows \(schedule lag p99 4000.0 ms\)/,
    );
    expect(flag({ windows: 8, of: 10, scheduleLagP99: 4000 })).not.toMatch(/S3/);
    // A saturated window or two and little schedule lag: the latency is the target's, the plan's flag stands.
    expect(flag({ windows: 1, of: 10, scheduleLagP99: 20 })).toMatch(/: investigate slow S3 uploads or connection issues$/);
    expect(flag({ windows: 0, of: 10, scheduleLagP99: 4000 })).toMatch(/investigate slow S3/);
  });

  it('says the slow P99 is records queued behind full in-flight windows when most windows had them and lag made the latency', () => {
    const flag = (windowFullWindows: number, scheduleLagP99: number) =>
      analyzeStability({
        targetRss: [],
        generatorRss: [],
        throughput: [],
        p99: [],
        p99Total: 4700,
        p999Total: 10,
        generatorSaturated: { windows: 0, of: 10, scheduleLagP99 },
        windowFullWindows,
      }).warnings[0];
    expect(flag(8, 4000)).toMatch(/^P99 4700.0 ms > 500 ms, mostly records waiting to be sent .* in 8 of 10 windows.*in-flight-limit/);
    // Full windows in a few windows, or latency that is not lag: the plan's flag stands.
    expect(flag(2, 4000)).toMatch(/: investigate slow S3 uploads or connection issues$/);
    expect(flag(8, 100)).toMatch(/: investigate slow S3 uploads or connection issues$/);
  });
});

describe('sawtooth and slow start', () => {
  const none = { generatorRss: [], throughput: [], p99: [], p99Total: 10, p999Total: 20 };

  it('counts cycles of rapid growth and drop in the target memory, and flags three or more', () => {
    // 600 MB climbing to 900 MB over 5 samples, then back to 600 MB: five times.
    const saw: Point[] = [];
    for (let i = 0; i < 30; i++) saw.push({ t: i * 10, v: (600 + (i % 6) * 60) * MB });
    expect(sawtoothCycles(saw)).toBe(4); // the fifth climb never drops
    expect(analyzeStability({ ...none, targetRss: saw }).warnings.join('\n')).toMatch(/Target memory sawtooth: 4 cycles/);
    // Growth without drops, and small wobbles, are no sawtooth.
    const ramp = Array.from({ length: 30 }, (_, i) => ({ t: i * 10, v: (600 + i * 20) * MB }));
    const wobble = Array.from({ length: 30 }, (_, i) => ({ t: i * 10, v: (800 + (i % 2 ? 40 : -40)) * MB }));
    expect(sawtoothCycles(ramp)).toBe(0);
    expect(sawtoothCycles(wobble)).toBe(0);
    expect(analyzeStability({ ...none, targetRss: wobble }).warnings).toEqual([]);
  });

  it('finds a slow start and how long it lasted, and suggests a warm-up that covers it', () => {
    // The shape of a 15 s run against a freshly started agent: three slow windows, then 25-77 ms.
    const p99 = [218, 93, 121, 34, 25, 57, 49, 40, 50, 36, 44, 55, 77, 28, 53].map((v, i) => ({ t: i + 1, v }));
    expect(coldStart(p99)).toEqual({ seconds: 3, startP99: 218, laterMedianP99: 50 });
    const f = analyzeStability({ ...none, targetRss: [], p99, warmupSeconds: 2 });
    expect(f.warnings.join('\n')).toMatch(
      /Slow start: window P99 up to 218.0 ms in the first 3 s, median 50.0 ms after: .* a warm-up of 5 s/,
    );
    // A steady run, and a run with a single slow window late, have no slow start.
    const steady = Array.from({ length: 15 }, (_, i) => ({ t: i + 1, v: 40 + (i % 3) * 5 }));
    expect(coldStart(steady)).toBeNull();
    expect(coldStart(steady.map((p, i) => (i === 10 ? { ...p, v: 400 } : p)))).toBeNull();
    // Too few windows to judge.
    expect(coldStart(p99.slice(0, 9))).toBeNull();
  });
});

describe('process monitor', () => {
  it('reads this process: plausible RSS and CPU', async () => {
    const m = new ProcessMonitor(process.pid);
    const a = await m.sample();
    // Burn at least 50 ms of CPU (five /proc clock ticks), however fast or busy the machine is.
    let x = 0;
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 50_000) for (let i = 0; i < 1e5; i++) x += i;
    const b = await m.sample();
    expect(x).toBeGreaterThan(0);
    expect(a.alive).toBe(true);
    expect(b.rssBytes!).toBeGreaterThan(10 * MB);
    expect(b.rssBytes!).toBeLessThan(8 * 1024 * MB);
    expect(b.cpuPercent!).toBeGreaterThan(0);
  });

  it('a missing PID is not alive and counts no crash before it was seen', async () => {
    expect(await readProcess(2 ** 22 + 12345)).toBeUndefined();
    const m = new ProcessMonitor(2 ** 22 + 12345);
    expect((await m.sample()).alive).toBe(false);
    expect(m.crashes).toBe(0);
  });
});
