import { describe, expect, it } from 'vitest';
import { formatS3Summary } from './summary.js';

describe('formatS3Summary', () => {
  it('prints latency per operation, errors by kind, and segment growth', () => {
    const lines = formatS3Summary({
      'producer.whatever': 1,
      's3.probe.cycles': 12,
      's3.probe.ops': 48,
      's3.put.p50': 12.3456,
      's3.put.p99': 45.6,
      's3.put.max': 101.2,
      's3.put.count': 12,
      's3.get.p50': 3.2,
      's3.get.p99': 8.01,
      's3.get.max': 9,
      's3.get.count': 11,
      's3.errorRate': (2 / 48) * 100,
      's3.throttles': 1,
      's3.errors.throttle': 1,
      's3.errors.corrupt': 1,
      's3.segments': 1500,
      's3.segmentBytes': 3 * 1024 * 1024 * 1024,
      's3.partitions': 5,
      's3.segmentsAdded': 300,
      's3.segmentsPerSecond': 1.25,
      's3.segmentMBPerSecond': 12.5,
      's3.listingCapped': 1,
    });
    expect(lines).toEqual([
      'S3 probe (12 cycles)',
      '  PUT    p50 12.3 ms    p99 45.6 ms    max 101 ms  (12 requests)',
      '  GET    p50 3.20 ms    p99 8.01 ms    max 9.00 ms  (11 requests)',
      '  Errors 2 of 48 probe operations (4.17 %): throttle 1, corrupt 1',
      '  Throttled 1 request (503 SlowDown / 429): S3 is rate-limiting',
      '  Segments 1500 (3.00 GiB) in 5 partitions, +300 during the run (1.25 segments/s, 12.50 MiB/s)',
      '  Listing stopped at maxKeysPerListing: segment counts are lower bounds',
    ]);
  });

  it('prints nothing without probe metrics, and only the inventory when the probe was off', () => {
    expect(formatS3Summary({})).toEqual([]);
    expect(formatS3Summary({ 'target.cacheHitRate': 90 })).toEqual([]);
    expect(formatS3Summary({ 's3.segments': 2, 's3.segmentBytes': 100, 's3.partitions': 1 })).toEqual([
      'S3 probe',
      '  Segments 2 (100 B) in 1 partition',
    ]);
  });
});
