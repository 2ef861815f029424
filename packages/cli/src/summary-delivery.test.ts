// The summary's delivery lines: the abort latency when aborts were timed, and percentiles a merge could not
// combine said to be unmeasured, never printed as figures.
import type { ProducerTotals } from '@loadhouse/core';
import { describe, expect, it } from 'vitest';
import { deliveryLines } from './summary-delivery.js';

const latency = { p50: 12, p95: 20, p99: 30, p999: 40, max: 45, mean: 14, count: 40 };
const producer = (abortLatency: NonNullable<ProducerTotals['transactions']>['abortLatency']) =>
  ({
    transactions: {
      committed: 40,
      aborted: 9,
      committedRecords: 40_000,
      abortedRecords: 9_000,
      failed: 0,
      uncertainRecords: 0,
      commitLatency: latency,
      abortLatency,
    },
  }) as ProducerTotals;

describe('deliveryLines', () => {
  it('prints the commit and abort latencies', () => {
    const lines = deliveryLines(producer({ ...latency, p50: 3, count: 9 })).join('\n');
    expect(lines).toContain('Commit: p50 12.0 ms, p99 30.0 ms, max 45.0 ms (40 calls)');
    expect(lines).toContain('Abort: p50 3.00 ms, p99 30.0 ms, max 45.0 ms (9 calls)');
  });

  it('says the percentiles of a merge from summaries are unmeasured, with the exact count, max and mean', () => {
    const lines = deliveryLines(producer({ p50: null, p95: null, p99: null, p999: null, max: 77, mean: 30, count: 9 })).join('\n');
    expect(lines).toContain('Abort: percentiles unmeasured (merged from summaries), max 77.0 ms, mean 30.0 ms (9 calls)');
    expect(lines).not.toMatch(/Abort: p50/);
  });
});
