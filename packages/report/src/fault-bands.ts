// The faults a run injected (`result.faults`, docs/faults.md) as shaded spans on every chart of the report.
import type { LoadTestResult } from '@loadhouse/core';
import type { PhaseBand } from './charts.js';

/** The run's injected faults as bands; an instant one (a reset) gets a sliver so it shows. */
export function faultBands(result: LoadTestResult): PhaseBand[] {
  return (Array.isArray(result.faults) ? result.faults : []).map((f) => ({
    name: `fault: ${f.kind}`,
    start: f.fromSeconds,
    end: f.toSeconds > f.fromSeconds ? f.toSeconds : f.fromSeconds + 0.1,
    fault: true,
  }));
}
