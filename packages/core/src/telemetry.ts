// OpenTelemetry instruments fed once per sample from merged data (never per record): counters of records
// and bytes, and gauges of the latest window's latency percentiles. A no-op until the user registers an SDK.
import { metrics, type Attributes, type ObservableResult } from '@opentelemetry/api';
import { loadhouseVersion } from './result/environment.js';
import type { Sample } from './types.js';

export interface RunTelemetry {
  onSample(sample: Sample): void;
  close(): void;
}

export function createTelemetry(attributes: Attributes): RunTelemetry {
  const meter = metrics.getMeter('loadhouse', loadhouseVersion());
  const counter = (name: string, description: string, unit = '{record}') => meter.createCounter(name, { description, unit });
  const scheduled = counter('loadhouse.producer.records.scheduled', 'Records whose intended send time has passed');
  const sent = counter('loadhouse.producer.records.sent', 'Records sent in ProduceBatch calls');
  const acked = counter('loadhouse.producer.records.acked', 'Records acknowledged by the target');
  const failed = counter('loadhouse.producer.records.failed', 'Records whose batch failed, by gRPC status (attribute code)');
  const dropped = counter('loadhouse.producer.records.dropped', 'Records that could not be sent within dropAfterMs of their intended time');
  const bytes = counter('loadhouse.producer.bytes', 'Value bytes of acknowledged records', 'By');
  const batches = counter('loadhouse.producer.batches', 'ProduceBatch calls sent', '{batch}');
  const latency = meter.createObservableGauge('loadhouse.producer.latency', {
    description: 'Latency percentiles of the latest sample window (attributes kind, percentile)',
    unit: 'ms',
  });
  const rate = meter.createObservableGauge('loadhouse.producer.rate', {
    description: 'Acknowledged records per second in the latest window',
    unit: '{record}/s',
  });

  let latest: Sample | undefined;
  const observe = (result: ObservableResult) => {
    if (!latest) return;
    for (const kind of ['response', 'service', 'scheduleLag'] as const) {
      const s = latest.producer.latency[kind];
      if (s.count === 0) continue;
      for (const p of ['p50', 'p95', 'p99', 'p999', 'max'] as const) result.observe(s[p], { ...attributes, kind, percentile: p });
    }
  };
  const observeRate = (result: ObservableResult) => {
    if (latest) result.observe(latest.producer.msgsPerSec, attributes);
  };
  latency.addCallback(observe);
  rate.addCallback(observeRate);

  return {
    onSample(sample) {
      latest = sample;
      const p = sample.producer;
      if (p.scheduled) scheduled.add(p.scheduled, attributes);
      if (p.sent) sent.add(p.sent, attributes);
      if (p.acked) acked.add(p.acked, attributes);
      for (const [code, n] of Object.entries(p.errorsByCode)) if (n) failed.add(n, { ...attributes, code });
      if (p.dropped) dropped.add(p.dropped, attributes);
      if (p.bytes) bytes.add(p.bytes, attributes);
      if (p.batches) batches.add(p.batches, attributes);
    },
    close() {
      latency.removeCallback(observe);
      rate.removeCallback(observeRate);
    },
  };
}
