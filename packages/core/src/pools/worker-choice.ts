// How many load workers a run uses when options.workers is not given: chosen once, when the first producer
// group starts, from the headroom measured then rather than from the core count alone. A second worker only
// adds throughput where a core is free for it, and costs the target one where the target shares the machine
// (the embedded agent: with two workers on two cores its P99 tripled, BENCHMARKS.md); so one worker is the
// default, and more are taken only when the rate asked is beyond what one worker sustains AND cores were
// measured idle for them, beyond the main thread's share and the local target's core.
import { availableParallelism, cpus } from 'node:os';
import type { WorkerChoice } from '../types.js';
import { formatInt } from '../format.js';
import { machineCpuTimes } from '../metrics/generator-monitor.js';

/**
 * Records per second one load worker sustains with room to spare: it generated 150,000 msgs/s of 1 KiB records
 * on the quiet 2-core machine (BENCHMARKS.md), so below 100,000 a second worker would only share its work.
 */
export const WORKER_CAPACITY_MSGS = 100_000;
/** How long the idle CPU is sampled before the choice (only when the rate could use more than one worker). */
export const IDLE_SAMPLE_MS = 250;
/** The main thread's share of a core while workers generate (aggregation, sampling): measured at 3-8%. */
const MAIN_THREAD_CORES = 0.1;

export interface HeadroomSignals {
  /** Cores of the machine. */
  cores: number;
  /** Cores idle over the sample before the choice (cores x idle fraction); undefined when not sampled. */
  idleCores: number | undefined;
  /** The target runs on this machine (a target PID was given, as for the embedded agent). */
  localTarget: boolean;
  /** Records per second the group asks of this process. */
  rate: number;
  /** Producers of the group on this process (a worker hosts whole producers). */
  producers: number;
  maxWorkers: number;
}

/** Whether the choice needs an idle-CPU sample: only when more than one worker could be taken. */
export function needsIdleSample(s: Omit<HeadroomSignals, 'idleCores'>): boolean {
  return wanted(s) > 1 && s.maxWorkers > 1 && s.cores > 1;
}

function wanted(s: Pick<HeadroomSignals, 'rate' | 'producers'>): number {
  return Math.max(1, Math.min(s.producers, Math.ceil(s.rate / WORKER_CAPACITY_MSGS)));
}

export function chooseWorkers(s: HeadroomSignals): WorkerChoice {
  const want = wanted(s);
  const rate = `${formatInt(s.rate)} msgs/s`;
  if (want <= 1 || s.maxWorkers <= 1 || s.cores <= 1) {
    const why =
      Math.ceil(s.rate / WORKER_CAPACITY_MSGS) <= 1
        ? `${rate} is within what one worker sustains (~${formatInt(WORKER_CAPACITY_MSGS)} msgs/s)`
        : s.producers <= 1
          ? 'a single producer runs on one worker'
          : s.cores <= 1
            ? 'this machine has one core'
            : 'options.maxWorkers is 1';
    return { workers: 1, reason: `1 worker: ${why}` };
  }
  const idle = s.idleCores ?? 0;
  // Cores free for workers once the main thread and a local target have theirs; a core mostly idle counts.
  const free = Math.round(idle - MAIN_THREAD_CORES - (s.localTarget ? 1 : 0));
  const workers = Math.max(1, Math.min(want, free, s.maxWorkers));
  const idleText = `${idle.toFixed(1)} of ${s.cores} cores were idle${s.localTarget ? ' and the target on this machine needs one' : ''}`;
  if (workers === 1) return { workers, reason: `1 worker: ${rate} could use ${want}, but only ${idleText}` };
  return {
    workers,
    reason: `${workers} workers: ${rate} is more than one worker sustains (~${formatInt(WORKER_CAPACITY_MSGS)} msgs/s) and ${idleText}`,
  };
}

/** Cores idle over the next `ms` (the machine's CPU times, all processes): cores x idle fraction. */
export async function measureIdleCores(ms = IDLE_SAMPLE_MS): Promise<number> {
  const a = machineCpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = machineCpuTimes();
  const dt = b.total - a.total;
  const cores = cpus().length || availableParallelism();
  return dt > 0 ? (cores * (b.idle - a.idle)) / dt : 0;
}
