// Self-health of the load generator per window (main-thread event-loop delay, process CPU and memory) and
// the rules that flag a window as saturated: when they fire, the numbers describe the tool, not the target.
import { availableParallelism, cpus } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ProducerStats } from '../types.js';

/** Sampling period of the event-loop delay monitors (ms). */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/**
 * p99 event-loop delay in ms, beyond the sampling period: Node's monitor records the time between
 * samples, so an idle loop reads about the resolution (10 ms), which is not lateness.
 */
export function loopDelayP99Ms(h: { count: number; percentile(p: number): number }): number {
  return h.count > 0 ? Math.max(0, h.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS) : 0;
}

export const SATURATION_LOOP_DELAY_MS = 50;
/** One main-thread delay this long is a stall (a blocking listener, a GC pause): p99 over a window hides it. */
export const STALL_LOOP_DELAY_MS = 500;
/** A window this much longer than the interval (beyond the time allowed to collect reports) was held up. */
export const STALL_WINDOW_FACTOR = 1.5;
export const SATURATION_CPU_FRACTION = 0.9;
export const SATURATION_WORKER_UTILIZATION = 0.97;
/**
 * Below this busy share every worker had time to spare: when producers' own in-flight windows were full, their
 * records waited on the target's answers, not on the generator (at or above it the lateness stays the generator's).
 */
export const WINDOW_BOUND_WORKER_UTILIZATION = 0.8;
/**
 * Nor when the machine's cores were this busy, all processes together: a generator starved of CPU reads the
 * answers late, and its full windows then look like a slow target (a target on the same machine, or any
 * neighbour, can starve it). The lateness then stays the generator's.
 */
export const WINDOW_BOUND_MACHINE_BUSY_PERCENT = 90;

export interface MainWindowHealth {
  mainLoopDelayP99Ms: number;
  /** The longest single main-thread delay in the window. */
  mainLoopDelayMaxMs: number;
  cpuPercent: number;
  /** The machine's cores busy (all processes), percent of all of them (100 = every core busy). */
  machineBusyPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** Idle and total CPU time of all the machine's cores so far (ms), all processes. */
export function machineCpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/**
 * The longest gap between ticks of a timer, beyond its period. Node's delay monitor loses a delay that spans
 * its reset (the sample listeners run right after it, so a blocking listener would go unseen); this one
 * charges a gap to the window in which it ends.
 */
class StallTicks {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private max = 0;

  start(): void {
    this.last = performance.now();
    this.timer ??= setInterval(() => {
      const t = performance.now();
      this.max = Math.max(this.max, t - this.last - STALL_TICK_MS);
      this.last = t;
    }, STALL_TICK_MS).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The longest gap since the previous call, including the one still open. */
  takeMax(): number {
    const open = performance.now() - this.last - STALL_TICK_MS;
    const max = Math.max(this.max, open, 0);
    this.max = 0;
    return max;
  }
}

const STALL_TICK_MS = 20;

export class GeneratorMonitor {
  private readonly loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  private readonly stallTicks = new StallTicks();
  private cpu = process.cpuUsage();
  private wall = performance.now();
  private machine = machineCpuTimes();
  readonly cores = availableParallelism();

  start(): void {
    this.loop.enable();
    this.stallTicks.start();
    this.cpu = process.cpuUsage();
    this.wall = performance.now();
    this.machine = machineCpuTimes();
  }

  stop(): void {
    this.loop.disable();
    this.stallTicks.stop();
  }

  /** Health since the previous call. */
  window(): MainWindowHealth {
    const delay = loopDelayP99Ms(this.loop);
    const max = Math.max(this.stallTicks.takeMax(), this.loop.count > 0 ? this.loop.max / 1e6 - LOOP_DELAY_RESOLUTION_MS : 0);
    this.loop.reset();
    const cpu = process.cpuUsage(this.cpu);
    const wall = performance.now();
    const elapsedUs = (wall - this.wall) * 1000;
    this.cpu = process.cpuUsage();
    this.wall = wall;
    const mem = process.memoryUsage();
    const machine = machineCpuTimes();
    const machineTotal = machine.total - this.machine.total;
    const machineBusy = machineTotal - (machine.idle - this.machine.idle);
    this.machine = machine;
    return {
      mainLoopDelayP99Ms: round(delay),
      mainLoopDelayMaxMs: round(max),
      cpuPercent: elapsedUs > 0 ? round(((cpu.user + cpu.system) / elapsedUs) * 100) : 0,
      // Unknown (no ticks counted in a sliver of a window) reads as fully busy: it never clears the generator.
      machineBusyPercent: machineTotal > 0 ? round((machineBusy / machineTotal) * 100) : 100,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
    };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

export interface SaturationInput {
  mainLoopDelayP99Ms: number;
  mainLoopDelayMaxMs: number;
  /** The window's length and the interval it was meant to last; `collectMs`: time allowed to gather reports. */
  window: { seconds: number; intervalMs: number; collectMs: number } | undefined;
  workerLoopDelayMaxMs: number;
  workerUtilizationMax: number;
  cpuPercent: number;
  cores: number;
  producer: ProducerStats;
  /** Longest linger of the running groups: the schedule lag a healthy producer shows anyway. */
  lingerMs: number;
  /** Producers are working off a backlog built while the target was down: their lateness is the target's. */
  catchingUp: boolean;
  /** Producers waited for a call: a worker's calls in flight were at its cap (worker/call-budget.ts). */
  callCap?: { cap: number; waits: number };
  /** Times producers had a batch ready while all their own maxInFlight calls were out (Producer.windowFull). */
  windowFullWaits?: number;
  /** The machine's cores busy, all processes, percent of all cores; absent: unknown (never clears the generator). */
  machineBusyPercent?: number;
}

/**
 * Records were late because producers' in-flight windows were full while every worker, and the machine, had time to spare: they
 * waited on the target's answers, as a real client with this in-flight limit would. The schedule lag is then the
 * target's (its answers, times the window, bound the rate: Little's law), however short each single call was.
 */
export function windowBound(
  s: Pick<SaturationInput, 'windowFullWaits' | 'workerUtilizationMax' | 'callCap' | 'machineBusyPercent'>,
): boolean {
  return (
    (s.windowFullWaits ?? 0) > 0 &&
    s.workerUtilizationMax < WINDOW_BOUND_WORKER_UTILIZATION &&
    (s.machineBusyPercent ?? 100) < WINDOW_BOUND_MACHINE_BUSY_PERCENT &&
    !(s.callCap && s.callCap.waits > 0)
  );
}

/** Why the generator was the bottleneck in a window (empty when it was not). */
export function saturationReasons(s: SaturationInput): string[] {
  const reasons: string[] = [];
  if (s.mainLoopDelayP99Ms > SATURATION_LOOP_DELAY_MS) {
    reasons.push(`main-thread event-loop delay p99 ${s.mainLoopDelayP99Ms.toFixed(1)} ms > ${SATURATION_LOOP_DELAY_MS} ms`);
  }
  if (s.mainLoopDelayMaxMs > STALL_LOOP_DELAY_MS) {
    reasons.push(`the main thread stalled: one event-loop delay of ${s.mainLoopDelayMaxMs.toFixed(0)} ms > ${STALL_LOOP_DELAY_MS} ms`);
  }
  const w = s.window;
  if (w && w.seconds * 1000 > STALL_WINDOW_FACTOR * w.intervalMs + w.collectMs) {
    const interval = (w.intervalMs / 1000).toFixed(1);
    reasons.push(`the window lasted ${w.seconds.toFixed(1)} s for a ${interval} s interval: the main thread was held up`);
  }
  if (s.workerLoopDelayMaxMs > SATURATION_LOOP_DELAY_MS) {
    reasons.push(`worker event-loop delay p99 ${s.workerLoopDelayMaxMs.toFixed(1)} ms > ${SATURATION_LOOP_DELAY_MS} ms`);
  }
  if (s.cpuPercent > SATURATION_CPU_FRACTION * 100 * s.cores) {
    reasons.push(`process CPU ${s.cpuPercent.toFixed(0)}% > ${SATURATION_CPU_FRACTION * 100}% of ${s.cores} cores`);
  }
  if (s.workerUtilizationMax > SATURATION_WORKER_UTILIZATION) {
    reasons.push(`a worker thread was busy ${(s.workerUtilizationMax * 100).toFixed(0)}% of the window`);
  }
  // The worker's bound on calls in flight, not the target, held records back (however slow the target is).
  if (s.callCap && s.callCap.waits > 0) {
    reasons.push(
      `calls in flight reached a worker's cap of ${s.callCap.cap} (${s.callCap.waits} waits): records waited for a call; more connections or --max-calls-per-connection raise the cap`,
    );
  }
  // Behind schedule while the target answered fast: records were late although no call was slow,
  // so the delay was spent in the generator. Not so while a backlog left by a target outage is worked off,
  // nor when the records queued behind full in-flight windows of idle-enough workers (inFlightBound()).
  if (lateWhileFast(s) && !windowBound(s)) {
    const { scheduleLag: lag, service } = s.producer.latency;
    reasons.push(
      `producers fell behind schedule (schedule lag p99 ${lag.p99.toFixed(1)} ms) while the target was fast (service max ${service.max.toFixed(1)} ms)`,
    );
  }
  return reasons;
}

/** Records late (schedule lag p99 past linger + 50 ms and twice the slowest call), not working off an outage's backlog. */
function lateWhileFast(s: SaturationInput): boolean {
  const lag = s.producer.latency.scheduleLag;
  const service = s.producer.latency.service;
  return (
    !s.catchingUp && lag.count > 0 && service.count > 0 && lag.p99 > s.lingerMs + SATURATION_LOOP_DELAY_MS && service.max < lag.p99 / 2
  );
}

/** The start of inFlightBound()'s text. */
export const IN_FLIGHT_BOUND_PREFIX = 'the producers could not offer the load';

/**
 * Why the window's load was not offered although the generator had time to spare (undefined when it was): records
 * were late behind producers' full in-flight windows (windowBound()). Not the generator's saturation and not a
 * measure of the target's capacity either: the answer time times `maxInFlight` bounded the rate offered.
 */
export function inFlightBound(s: SaturationInput): string | undefined {
  if (!lateWhileFast(s) || !windowBound(s)) return undefined;
  const lag = s.producer.latency.scheduleLag.p99;
  return (
    `${IN_FLIGHT_BOUND_PREFIX}: their in-flight windows were full ${s.windowFullWaits} times and records waited ` +
    `(schedule lag p99 ${lag.toFixed(1)} ms) behind calls the target had not answered; more producers or --max-in-flight offer more`
  );
}
