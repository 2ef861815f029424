// CPU time from /proc: a child process's, for the benchmarks that measure what the agent spends per record, and
// this process's threads', for the generator's CPU by thread.
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clkTck = 100;
try {
  clkTck = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
} catch {
  // keep 100, the Linux default
}

/** utime + stime in seconds from a /proc stat file (fields 14 and 15; the name before them may hold spaces). */
function statSeconds(file: string): number {
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clkTck;
}

/** utime + stime of a process in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  return statSeconds(`/proc/${pid}/stat`);
}

/** CPU seconds of each of this process's threads, by thread id (/proc/self/task; empty where there is none). */
export function threadCpuSeconds(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) out.set(Number(tid), statSeconds(`/proc/self/task/${tid}/stat`));
  } catch {
    // Not Linux, or a thread ended between the listing and the read: no split for this snapshot.
  }
  return out;
}
