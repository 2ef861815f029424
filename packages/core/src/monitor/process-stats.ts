// Reads a process's resident memory and CPU time from /proc (Linux), for the target's resource series.
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS = 100;

export interface ProcessSnapshot {
  rssBytes: number;
  /** User + system CPU time in seconds since the process started. */
  cpuSeconds: number;
  /** When the snapshot was taken (performance.now() milliseconds). */
  atMs: number;
}

/** Snapshot of a process by PID, or undefined when it does not exist (or /proc is not there). */
export async function readProcess(pid: number): Promise<ProcessSnapshot | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    // The command name (field 2) may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return {
      rssBytes: rss ? Number(rss[1]) * 1024 : 0,
      cpuSeconds: (utime + stime) / CLOCK_TICKS,
      atMs: performance.now(),
    };
  } catch {
    return undefined;
  }
}

/** CPU use between two snapshots, in percent of one core. */
export function cpuPercent(a: ProcessSnapshot, b: ProcessSnapshot): number {
  const wall = (b.atMs - a.atMs) / 1000;
  return wall > 0 ? ((b.cpuSeconds - a.cpuSeconds) / wall) * 100 : 0;
}

/** Tracks one PID across intervals: each `sample()` returns RSS and CPU % since the previous call. */
export class ProcessMonitor {
  private last: ProcessSnapshot | undefined;
  /** How many times the process was seen to disappear or be replaced (a crash or restart). */
  crashes = 0;
  private seen = false;

  constructor(readonly pid: number) {}

  async sample(): Promise<{ rssBytes?: number; cpuPercent?: number; alive: boolean }> {
    const now = await readProcess(this.pid);
    if (!now) {
      if (this.seen && this.last) this.crashes++;
      this.last = undefined;
      return { alive: false };
    }
    this.seen = true;
    const out = { rssBytes: now.rssBytes, cpuPercent: this.last ? cpuPercent(this.last, now) : undefined, alive: true };
    this.last = now;
    return out;
  }
}
