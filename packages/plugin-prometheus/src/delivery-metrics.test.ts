// Delivery reports as gauges: counts by outcome, call latencies by quantile in seconds, and percentiles a merge
// left unmeasured (null) not exported at all.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deliveryGaugesFor, recordDelivery } from './delivery-metrics.js';

const latency = { p50: 12, p95: 20, p99: 30, p999: 40, max: 45, mean: 14, count: 40 };

describe('delivery gauges', () => {
  it('export retries, duplicates, transactions by outcome and call latencies, labelled like the run', async () => {
    const registry = new Registry();
    const g = deliveryGaugesFor(registry, ['env']);
    expect(deliveryGaugesFor(registry, ['env'])).toBe(g);
    recordDelivery(
      g,
      { scenario: 's', topic: 't', env: 'ci' },
      {
        idempotence: {
          enabled: true,
          initProducerCalls: 4,
          initProducerLatency: { ...latency, count: 4 },
          retriedBatches: 17,
          retriedRecords: 1700,
          duplicateBatches: 5,
          duplicateRecords: 500,
          fenced: 2,
        },
        transactions: {
          committed: 40,
          aborted: 9,
          committedRecords: 40_000,
          abortedRecords: 9_000,
          failed: 1,
          uncertainRecords: 250,
          commitLatency: latency,
          abortLatency: { p50: null, p95: null, p99: null, p999: null, max: 77, mean: 30, count: 9 },
        },
      },
    );
    const text = await registry.metrics();
    const l = 'scenario="s",topic="t",env="ci"';
    expect(text).toContain(`loadhouse_delivery_retried_batches{${l}} 17`);
    expect(text).toContain(`loadhouse_delivery_duplicates_filtered_records{${l}} 500`);
    expect(text).toContain(`loadhouse_delivery_fenced_batches{${l}} 2`);
    expect(text).toContain(`loadhouse_delivery_transactions{${l},outcome="aborted"} 9`);
    expect(text).toContain(`loadhouse_delivery_transaction_records{${l},outcome="uncertain"} 250`);
    expect(text).toContain(`loadhouse_delivery_call_duration_seconds{${l},call="commit",quantile="0.99"} 0.03`);
    expect(text).toContain(`loadhouse_delivery_call_duration_seconds{${l},call="init_producer",quantile="0.5"} 0.012`);
    expect(text).toContain(`loadhouse_delivery_calls{${l},call="init_producer"} 4`);
    // Unmeasured percentiles are not exported; the max and the count are.
    expect(text).toContain(`loadhouse_delivery_calls{${l},call="abort"} 9`);
    expect(text).toContain(`loadhouse_delivery_call_duration_seconds{${l},call="abort",quantile="1"} 0.077`);
    expect(text).not.toContain(`call="abort",quantile="0.5"`);
  });

  it('a run without delivery settings exports no delivery series', async () => {
    const registry = new Registry();
    recordDelivery(deliveryGaugesFor(registry, []), { scenario: 's', topic: 't' }, {});
    expect(await registry.metrics()).not.toMatch(/^loadhouse_delivery_\w+\{/m);
  });
});
