// OpenTelemetry: with an SDK registered, loadhouse's counters match the result's totals.
import { startAgent, type Agent } from '@loadhouse/agent';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLoadTest } from './index.js';

let agent: Agent;

beforeAll(async () => {
  agent = await startAgent({ grpcPort: 0, httpPort: 0 });
});

afterAll(async () => {
  await agent?.stop();
  metrics.disable();
});

it('exports record counters equal to the result and latency gauges of the latest window', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);

  const lt = createLoadTest({ target: agent.grpcAddress, resultsDir: false, topic: 'otel' });
  const result = await lt.run({
    name: 'otel',
    criteria: [],
    async run(c) {
      const g = await c.produce({ rate: 500, messageSize: 64 });
      await c.waitFor(2);
      // Gauges are observed while the run goes on (their callbacks are removed when it ends).
      await reader.forceFlush();
      await g.stop();
    },
  });
  await reader.forceFlush();
  // Cumulative temporality: the last export holds the totals; the first one (mid-run) the gauges.
  const exports = exporter
    .getMetrics()
    .map((rm) => rm.scopeMetrics.filter((sm) => sm.scope.name === 'loadhouse').flatMap((sm) => sm.metrics));
  expect(exports.length).toBeGreaterThanOrEqual(2);
  const exported = exports.at(-1)!;
  const sum = (name: string) =>
    exported
      .filter((m) => m.descriptor.name === name)
      .flatMap((m) => m.dataPoints as Array<{ value: unknown }>)
      .reduce((a, dp) => a + (dp.value as number), 0);

  expect(result.producer.acked).toBeGreaterThan(0);
  expect(sum('loadhouse.producer.records.scheduled')).toBe(result.producer.scheduled);
  expect(sum('loadhouse.producer.records.sent')).toBe(result.producer.sent);
  expect(sum('loadhouse.producer.records.acked')).toBe(result.producer.acked);
  expect(sum('loadhouse.producer.records.failed')).toBe(result.producer.failed);
  expect(sum('loadhouse.producer.records.dropped')).toBe(result.producer.dropped);
  expect(sum('loadhouse.producer.bytes')).toBe(result.producer.bytes);
  const latency = exports[0]!
    .filter((m) => m.descriptor.name === 'loadhouse.producer.latency')
    .flatMap((m) => m.dataPoints as Array<{ value: unknown; attributes: Record<string, unknown> }>);
  expect(latency.some((dp) => dp.attributes.kind === 'response' && dp.attributes.percentile === 'p99' && (dp.value as number) > 0)).toBe(
    true,
  );
  await provider.shutdown();
});
