// The answer of a capacity search as gauges, set once when the run ends: what a dashboard or an alert on
// "how much can the cluster take" reads. A search that claims no capacity sets the found gauge to 0 and
// leaves the rate gauges out rather than exporting a number nobody may rely on.
import type { CapacityReport } from '@loadhouse/core';
import type { Gauge, Registry } from 'prom-client';
import { gaugeSets } from './gauge-sets.js';

/** Names of the capacity gauges (not StreamHouse metrics, so never renamed by the prefix). */
export const CAPACITY_METRIC_NAMES = {
  found: 'loadhouse_capacity_found',
  maxSustainableRate: 'loadhouse_capacity_max_sustainable_rate',
  intervalLow: 'loadhouse_capacity_interval_low_rate',
  intervalHigh: 'loadhouse_capacity_interval_high_rate',
  knee: 'loadhouse_capacity_knee_rate',
  steps: 'loadhouse_capacity_steps',
} as const;

type Name = keyof typeof CAPACITY_METRIC_NAMES;

const HELP: Record<Name, string> = {
  found: '1 when the capacity search found a capacity (bound target or max-rate), else 0; label bound says what stopped it',
  maxSustainableRate: 'Highest offered rate (records/s) that held the SLO every time it ran, below the lowest rate that failed',
  intervalLow: 'Capacity interval: highest rate (records/s) that passed every time',
  intervalHigh: 'Capacity interval: lowest rate (records/s) that failed',
  knee: 'Offered rate (records/s) past which P99 climbs steeply',
  steps: 'Steps the capacity search ran, void ones included',
};

export type CapacityGauges = Record<Name, Gauge<string>>;

/** The capacity gauges of a registry for these label names (one set per registry, as runs may share it). */
export const capacityGaugesFor: (registry: Registry, labelNames: readonly string[]) => CapacityGauges = gaugeSets(
  CAPACITY_METRIC_NAMES,
  HELP,
  (make) => ({
    found: make('found', ['bound']),
    maxSustainableRate: make('maxSustainableRate'),
    intervalLow: make('intervalLow'),
    intervalHigh: make('intervalHigh'),
    knee: make('knee'),
    steps: make('steps'),
  }),
);

/** Sets the gauges of one finished search; figures the search did not establish are left out. */
export function recordCapacity(g: CapacityGauges, labels: Record<string, string>, c: CapacityReport): void {
  const found = c.maxSustainableRate !== null;
  g.found.set({ ...labels, bound: c.bound }, found ? 1 : 0);
  g.steps.set(labels, c.steps.length);
  if (found) g.maxSustainableRate.set(labels, c.maxSustainableRate!);
  if (found && c.interval) g.intervalLow.set(labels, c.interval.low);
  if (found && c.interval?.high != null) g.intervalHigh.set(labels, c.interval.high);
  if (c.knee !== null) g.knee.set(labels, c.knee);
}
