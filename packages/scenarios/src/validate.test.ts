// Scenario options are checked when the scenario is made, before anything connects or is created.
import { describe, expect, it } from 'vitest';
import { consumerLag, highThroughput, manyProducers, stability } from './index.js';

const refused = (make: () => unknown): { code: string; message: string } => {
  try {
    make();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected a throw');
};

describe('scenario options', () => {
  it.each([
    [
      'a negative batch size',
      () => highThroughput({ durationSeconds: 1, targetRate: 100, partitions: 1, batchSize: -1 }),
      'options.batchSize must be a positive integer, got -1',
    ],
    [
      'fractional consumers',
      () => highThroughput({ durationSeconds: 1, targetRate: 100, partitions: 1, consumers: 1.5 }),
      'options.consumers must be a whole number >= 0, got 1.5',
    ],
    [
      'negative maxErrors',
      () => highThroughput({ durationSeconds: 1, targetRate: 100, partitions: 1, maxErrors: -1 }),
      'options.maxErrors must be a whole number >= 0, got -1',
    ],
    [
      'a NaN P99 bound',
      () => highThroughput({ durationSeconds: 1, targetRate: 100, partitions: 1, p99Ms: Number.NaN }),
      'options.p99Ms must be a positive number, got NaN',
    ],
    [
      'a bad key distribution',
      () => stability({ durationSeconds: 1, targetRate: 100, partitions: 1, keys: 'zipf:10' }),
      "options.keys must be 'none', 'sequential', 'uniform:N', 'zipf:N:S' or 'hot:N:SHARE'",
    ],
    [
      'a size distribution below the record header',
      () => highThroughput({ durationSeconds: 1, targetRate: 100, partitions: 1, messageSize: 'uniform:8-64' }),
      'MIN must be at least 36 bytes',
    ],
    [
      'an unknown payload kind',
      () => highThroughput({ durationSeconds: 1, targetRate: 100, partitions: 1, payload: 'ones' as 'text' }),
      "options.payload must be 'random', 'text' or 'zeros'",
    ],
    [
      'a misspelled key',
      () => highThroughput({ durationSeconds: 1, targetrate: 100, partitions: 1 } as never),
      'options.targetrate is not an option of highThroughput',
    ],
    ['no options at all', () => highThroughput(undefined as never), 'highThroughput(options): options must be an object, got undefined'],
    [
      'a missing required key',
      () => manyProducers({ producerCount: 2, partitions: 1 } as never),
      'options.messagesPerProducer must be a positive integer, got undefined',
    ],
    [
      'a negative linger',
      () => consumerLag({ produceRate: 10, consumeRate: 5, durationSeconds: 2, lingerMs: -1 }),
      'options.lingerMs must be a number >= 0, got -1',
    ],
    [
      'a negative growth bound',
      () => stability({ durationSeconds: 2, targetRate: 10, partitions: 1, memoryGrowthPercent: -5 }),
      'options.memoryGrowthPercent must be a number >= 0, got -5',
    ],
  ])('refuses %s with LH_INVALID_OPTION', (_, make, message) => {
    const err = refused(make);
    expect(err.code).toBe('LH_INVALID_OPTION');
    expect(err.message).toContain(message);
  });

  it('accepts what the plan uses, and optional keys left undefined', () => {
    expect(highThroughput({ durationSeconds: 30, targetRate: 50_000, partitions: 5, consumers: undefined, batchSize: 100 }).name).toBe(
      'high-throughput',
    );
    expect(stability({ durationSeconds: 60, targetRate: 100, partitions: 2, consumers: 0 }).name).toBe('stability');
  });
});
