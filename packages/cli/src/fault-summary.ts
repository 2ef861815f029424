// The summary's lines on the faults a run injected (`--faults`): each fault and how the target recovered.
import type { FaultReport, LoadTestResult } from '@loadhouse/core';

function ms(v: number | null, never: string): string {
  return v === null ? never : `${(v / 1000).toFixed(2)} s`;
}

function faultLine(f: FaultReport): string {
  const param = f.parameter === undefined ? '' : f.kind === 's3-throttle' ? ` ${f.parameter}` : ` ${f.parameter} ms`;
  const span = f.toSeconds > f.fromSeconds ? `${f.fromSeconds.toFixed(1)}-${f.toSeconds.toFixed(1)} s` : `at ${f.fromSeconds.toFixed(1)} s`;
  return (
    `  ${f.kind}${param} ${span}: outage ${f.outageSeconds.toFixed(2)} s, first ack ${ms(f.firstAckAfterEndMs, 'never')} after, ` +
    `p99 back within 10% ${ms(f.p99RecoveredAfterMs, f.baselineP99Ms === null ? 'unmeasured (no baseline)' : 'never')} after, ` +
    `backlog ${f.backlogBuilt} records${f.backlogBuilt > 0 ? `, drained ${ms(f.backlogDrainedAfterMs, 'never')} after` : ''}` +
    `${f.lostAcked === null ? '' : `, acked records lost ${f.lostAcked}`}`
  );
}

export function faultLines(result: LoadTestResult): string[] {
  if (!result.faults || result.faults.length === 0) return [];
  return ['', 'Faults injected (recovery timed from the end of each, to the sample window):', ...result.faults.map(faultLine)];
}
