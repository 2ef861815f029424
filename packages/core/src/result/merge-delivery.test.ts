// Merging shards' delivery reports: counts sum, the InitProducer / commit / abort latencies merge exactly from
// the shards' histograms, and without histograms the percentiles are unmeasured (null), never an estimate.
import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, recordMs, summarizeHistogram } from '../metrics/histogram.js';
import { makeResult } from '../testing/result.js';
import type { DeliveryLatency, LoadTestResult } from '../types.js';
import { DELIVERY_HISTOGRAMS } from '../worker/delivery-tally.js';
import { mergeResults } from './merge.js';
import { mergeDeliveryLatency } from './merge-delivery.js';

/** An encoded histogram of these values (ms) and its summary. */
function latencies(values: readonly number[]): { encoded: string; summary: DeliveryLatency } {
  const h = createHistogram();
  try {
    for (const v of values) recordMs(h, v);
    return { encoded: encodeHistogram(h), summary: summarizeHistogram(h) };
  } finally {
    h.destroy();
  }
}

const range = (from: number, n: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

const BASE = makeResult({ consumers: false, metrics: false });

/** A shard of a transactional run: its counts, and its InitProducer, commit and abort latencies. */
function shard(index: number, values: { init: number[]; commit: number[]; abort: number[] }, histograms = true): LoadTestResult {
  const r = structuredClone(BASE);
  r.shard = { index, count: 2 };
  r.runId = 'tx-run';
  const init = latencies(values.init);
  const commit = latencies(values.commit);
  const abort = latencies(values.abort);
  r.producer.idempotence = {
    enabled: true,
    initProducerCalls: values.init.length,
    initProducerLatency: init.summary,
    retriedBatches: 3 + index,
    retriedRecords: 300,
    duplicateBatches: 1,
    duplicateRecords: 100,
    fenced: index,
  };
  r.producer.transactions = {
    committed: values.commit.length,
    aborted: values.abort.length,
    committedRecords: values.commit.length * 1000,
    abortedRecords: values.abort.length * 1000,
    failed: 0,
    uncertainRecords: 0,
    commitLatency: commit.summary,
    abortLatency: abort.summary,
  };
  if (histograms) {
    r.histograms[DELIVERY_HISTOGRAMS.initProducer] = init.encoded;
    r.histograms[DELIVERY_HISTOGRAMS.commit] = commit.encoded;
    r.histograms[DELIVERY_HISTOGRAMS.abort] = abort.encoded;
  }
  return r;
}

const A = { init: range(5, 4, 1), commit: range(10, 40, 1), abort: range(30, 10, 3) };
const B = { init: range(50, 4, 10), commit: range(200, 60, 5), abort: range(100, 5, 20) };

describe('merging delivery reports', () => {
  it('sums the counts and merges the latencies exactly from the histograms', () => {
    const merged = mergeResults([shard(0, A), shard(1, B)]);
    expect(merged.producer.idempotence).toMatchObject({
      enabled: true,
      initProducerCalls: 8,
      retriedBatches: 7,
      retriedRecords: 600,
      duplicateBatches: 2,
      duplicateRecords: 200,
      fenced: 1,
    });
    const t = merged.producer.transactions!;
    expect(t).toMatchObject({ committed: 100, aborted: 15, committedRecords: 100_000, abortedRecords: 15_000 });
    // As if one histogram had seen every call of both shards.
    expect(merged.producer.idempotence!.initProducerLatency).toEqual(latencies([...A.init, ...B.init]).summary);
    expect(t.commitLatency).toEqual(latencies([...A.commit, ...B.commit]).summary);
    expect(t.abortLatency).toEqual(latencies([...A.abort, ...B.abort]).summary);
    // The merged histograms are kept, so a merge of merges stays exact.
    expect(merged.histograms[DELIVERY_HISTOGRAMS.commit]).toBeTruthy();
  });

  it('without histograms, sums count, keeps max and the weighted mean, and leaves the percentiles unmeasured', () => {
    const shards = [shard(0, A, false), shard(1, B, false)];
    const merged = mergeResults(shards);
    const commit = merged.producer.transactions!.commitLatency;
    const [a, b] = shards.map((r) => r.producer.transactions!.commitLatency);
    expect(commit).toMatchObject({ p50: null, p95: null, p99: null, p999: null, count: 100, max: b.max });
    expect(commit.mean).toBeCloseTo((a!.mean * a!.count + b!.mean * b!.count) / 100, 2);
  });

  it('takes the one shard that measured a latency as it is, and leaves a report out when a shard has none', () => {
    const only = latencies(A.abort).summary;
    const empty = latencies([]).summary;
    expect(
      mergeDeliveryLatency(
        [
          { latency: only, histogram: undefined },
          { latency: empty, histogram: undefined },
        ],
        undefined,
      ),
    ).toEqual(only);
    const plain = shard(1, B);
    delete plain.producer.transactions;
    const merged = mergeResults([shard(0, A), plain]);
    expect(merged.producer.transactions).toBeUndefined();
    expect(merged.producer.idempotence?.initProducerCalls).toBe(8);
  });
});
