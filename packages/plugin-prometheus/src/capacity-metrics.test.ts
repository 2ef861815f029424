// The capacity answer as gauges: a found capacity exports its rate and interval; a search that claims none
// exports found 0 with what stopped it, and no rate.
import type { CapacityReport } from '@loadhouse/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { capacityGaugesFor, recordCapacity } from './capacity-metrics.js';

const report = (over: Partial<CapacityReport>): CapacityReport => ({
  maxSustainableRate: 2875,
  interval: { low: 2875, high: 3000 },
  bound: 'target',
  message: '',
  slo: [{ metric: 'producer.latency.p99', op: '<', value: 100 }],
  minAchievedPercent: 90,
  minRate: 1000,
  maxRate: 10000,
  resolutionPercent: 5,
  stepSeconds: 1,
  stepWarmupSeconds: 0.5,
  knee: 2750,
  steps: [],
  ...over,
});

describe('capacity gauges', () => {
  it('export a found capacity, its interval and knee, labelled like the run', async () => {
    const registry = new Registry();
    const g = capacityGaugesFor(registry, ['env']);
    expect(capacityGaugesFor(registry, ['env'])).toBe(g);
    recordCapacity(g, { scenario: 'capacity', topic: 't', env: 'ci' }, report({}));
    const text = await registry.metrics();
    expect(text).toContain('loadhouse_capacity_found{scenario="capacity",topic="t",env="ci",bound="target"} 1');
    expect(text).toContain('loadhouse_capacity_max_sustainable_rate{scenario="capacity",topic="t",env="ci"} 2875');
    expect(text).toContain('loadhouse_capacity_interval_high_rate{scenario="capacity",topic="t",env="ci"} 3000');
    expect(text).toContain('loadhouse_capacity_knee_rate{scenario="capacity",topic="t",env="ci"} 2750');
  });

  it('a search bound by the generator exports found 0 and no rate', async () => {
    const registry = new Registry();
    const g = capacityGaugesFor(registry, []);
    recordCapacity(
      g,
      { scenario: 'capacity', topic: 't' },
      report({ maxSustainableRate: null, bound: 'generator', interval: { low: 10000, high: null }, knee: null }),
    );
    const text = await registry.metrics();
    expect(text).toContain('loadhouse_capacity_found{scenario="capacity",topic="t",bound="generator"} 0');
    expect(text).not.toMatch(/^loadhouse_capacity_max_sustainable_rate\{/m);
    expect(text).not.toMatch(/^loadhouse_capacity_interval_low_rate\{/m);
  });
});
