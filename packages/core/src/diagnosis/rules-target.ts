// Causes in the target process: it stopped answering, its memory grew, its CPU ran out.
import { sawtoothCycles, steadyGrowth, type Point } from '../monitor/analysis.js';
import type { DiagnosisEvidence, RunResources } from '../types.js';
import { lower, metric, round, windowMetric } from './facts.js';
import type { DiagnosisRule } from './rule.js';

/** Outage seconds from which an outage alone fails a rate criterion of a short run (any outage is evidence). */
export const OUTAGE_HIGH_SECONDS = 1;

export const targetUnreachable: DiagnosisRule = {
  cause: 'target-unreachable',
  symptoms: ['throughput', 'latency', 'errors', 'lag', 'crashes'],
  advice:
    'The target acknowledged nothing in some windows while records were due: it stalled, restarted or was unreachable. ' +
    "Look at the target's logs and restarts for the outage spans (result.outages.spans), at what it waits on then " +
    '(storage, metadata store, garbage collection), and at the network path; rate and latency figures around them describe the outage.',
  detect(f) {
    const r = f.result;
    const evidence: DiagnosisEvidence[] = [];
    const seconds = r.outages?.seconds ?? 0;
    if (r.outages && r.outages.windows > 0) {
      evidence.push({
        metric: 'outages.seconds',
        value: round(seconds),
        threshold: OUTAGE_HIGH_SECONDS,
        note: `${r.outages.windows} window(s)`,
      });
    }
    const ended = r.endReason === 'target-unreachable';
    if (ended) evidence.push({ metric: 'endReason', value: 1, threshold: null, note: 'the run ended because the target was unreachable' });
    const restarts = (metric(f, 'target.restarts') ?? 0) + ((r.resources as RunResources | undefined)?.target?.crashes ?? 0);
    if (restarts > 0)
      evidence.push({ metric: 'target.restarts', value: restarts, threshold: 0, note: 'restarts or crashes of the target seen' });
    if (!evidence.length) return undefined;
    return { confidence: ended || seconds >= OUTAGE_HIGH_SECONDS || restarts > 0 ? 'high' : 'medium', evidence };
  },
};

/**
 * Target memory growth over the run (percent, judged after start-up like result.resources.memoryGrowth): the
 * plan's stability goal is under 10% over a week, so 10% within one run is a leak's pace; 50% is unmistakable.
 * Sawtooth: at least this many cycles of growth and collapse (allocation churn, or a process restarted by
 * its supervisor) with the growth above.
 */
export const MEMORY_GROWTH = { medium: 10, high: 50, sawtoothCycles: 3 } as const;

function growthEvidence(name: string, points: readonly Point[]): { percent: number; lower: number; ev: DiagnosisEvidence } | undefined {
  const g = steadyGrowth(points);
  if (!g) return undefined;
  const low = g.percent - g.plusMinusPercent;
  return {
    percent: g.percent,
    lower: low,
    ev: {
      metric: name,
      value: round(g.percent),
      threshold: MEMORY_GROWTH.medium,
      note: `±${round(g.plusMinusPercent)}% from ${round(g.fromSeconds)} s`,
    },
  };
}

export const targetMemoryGrowth: DiagnosisRule = {
  cause: 'target-memory-growth',
  symptoms: ['memory', 'crashes', 'latency'],
  advice:
    "The target's memory kept growing: a leak, or data piling up. Check whether segments wait in memory because uploads " +
    'fail (storage errors in its logs), whether its segment cache stays within its limit (streamhouse_cache_size_bytes), and ' +
    'whether its connection count settles; a heap profile at two points of a longer run shows what grows.',
  detect(f) {
    const evidence: DiagnosisEvidence[] = [];
    let best: { percent: number; lower: number } | undefined;
    const consider = (name: string, points: Point[]) => {
      const g = growthEvidence(name, points);
      if (!g) return;
      evidence.push(g.ev);
      if (!best || g.lower > best.lower) best = g;
      const cycles = sawtoothCycles(points);
      if (cycles >= MEMORY_GROWTH.sawtoothCycles) {
        evidence.push({ metric: `${name}.sawtoothCycles`, value: cycles, threshold: MEMORY_GROWTH.sawtoothCycles });
      }
    };
    // The target's RSS by PID, and its own process_resident_memory_bytes from /metrics: either may be missing.
    const rss = f.measured.filter((s) => s.target?.rssBytes !== undefined).map((s) => ({ t: s.elapsedSeconds, v: s.target.rssBytes! }));
    consider('target.rssBytes.growthPercent', rss);
    consider(
      'target.memoryBytes.growthPercent',
      windowMetric(f, 'target.memoryBytes').map(({ t, v }) => ({ t, v })),
    );
    if (!best || best.percent < MEMORY_GROWTH.medium) return undefined;
    // Growth whose interval reaches below the threshold may be start-up still settling.
    const sure = best.lower >= MEMORY_GROWTH.medium;
    const confidence = best.percent >= MEMORY_GROWTH.high && sure ? 'high' : 'medium';
    return { confidence: sure ? confidence : lower(confidence), evidence };
  },
};

/**
 * Target CPU, percent of one core, in the loaded measured windows (known only with its PID watched). The target
 * runs on the generator's machine then, so its cores are known: 90% of all of them is saturated. A target near
 * one full core may be limited by one busy thread; whether it can use more is unknown, hence low confidence.
 */
export const TARGET_CPU = { busyPercentOfCores: 90, oneCorePercent: 95, windowsPercent: 50 } as const;

export const targetCpuSaturated: DiagnosisRule = {
  cause: 'target-cpu-saturated',
  symptoms: ['latency', 'throughput', 'lag'],
  advice:
    'The target used all the CPU it had in most of the loaded windows: it was compute-bound. Give it more cores or more ' +
    'agents, check whether one thread does the work (one core busy while others idle), and profile it at this load; on a ' +
    'shared machine, also check that the generator does not take the cores the target needs.',
  detect(f) {
    const cpu = f.measured.filter((s) => s.producer?.targetRate > 0 && s.target?.cpuPercent !== undefined).map((s) => s.target.cpuPercent!);
    if (cpu.length < 3) return undefined;
    const cores = Math.max(1, f.result.environment?.cpus ?? 1);
    const share = (limit: number) => (100 * cpu.filter((c) => c >= limit).length) / cpu.length;
    const all = share((TARGET_CPU.busyPercentOfCores * cores) as number);
    const one = share(TARGET_CPU.oneCorePercent);
    const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
    const evidence: DiagnosisEvidence[] = [
      { metric: 'target.cpuPercent.mean', value: round(mean), threshold: null, note: `percent of one core; ${cores} core(s)` },
    ];
    if (all >= TARGET_CPU.windowsPercent) {
      evidence.push({ metric: 'target.cpuSaturatedWindowsPercent', value: round(all), threshold: TARGET_CPU.windowsPercent });
      return { confidence: all >= 80 ? 'high' : 'medium', evidence };
    }
    if (one >= TARGET_CPU.windowsPercent) {
      evidence.push({ metric: 'target.oneCoreBusyWindowsPercent', value: round(one), threshold: TARGET_CPU.windowsPercent });
      return { confidence: 'low', evidence };
    }
    return undefined;
  },
};
