// A child process's CPU time from /proc, for the benchmarks that measure what the agent spends per record.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clkTck = 100;
try {
  clkTck = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
} catch {
  // keep 100, the Linux default
}

/** utime + stime of a process in seconds, from /proc/<pid>/stat (fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clkTck;
}
