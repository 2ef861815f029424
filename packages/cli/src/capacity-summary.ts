// The answer of a capacity search in the summary: the capacity (or why none is claimed), its interval, the
// knee, and one line per step.
import { formatInt, type LoadTestResult } from '@loadhouse/core';

const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} ms`);

export function capacityLines(result: LoadTestResult): string[] {
  const c = result.capacity;
  if (!c) return [];
  const lines = ['', `Capacity (bound: ${c.bound}):`, `  ${c.message}`];
  if (c.interval) {
    const high = c.interval.high === null ? 'no rate failed' : `failed at ${formatInt(c.interval.high)} msgs/s`;
    lines.push(`  Interval: passed every time up to ${formatInt(c.interval.low)} msgs/s; ${high}`);
  }
  if (c.knee !== null) lines.push(`  Knee: P99 climbs steeply past ${formatInt(c.knee)} msgs/s`);
  lines.push(`  SLO: ${c.slo.map((s) => s.label ?? `${s.metric} ${s.op} ${s.value}`).join(', ')}`);
  lines.push('  Steps (offered -> acknowledged msgs/s, P99):');
  for (const s of c.steps) {
    const verdict = s.void ? 'VOID' : s.passed ? 'pass' : 'FAIL';
    const why = s.reason ? `  ${s.reason}` : '';
    lines.push(
      `    ${verdict} ${s.role.padEnd(7)} ${formatInt(s.rate).padStart(11)} -> ${formatInt(s.achieved).padStart(11)}  ${ms(s.latency.p99).padStart(10)}${why}`,
    );
  }
  return lines;
}
