import { describe, expect, it } from 'vitest';
import { keyPartition, murmur2 } from './murmur2.js';

// Values computed with a Kafka client's own murmur2 (its default partitioner), one per tail length.
const VECTORS: Array<[string, number]> = [
  ['', 275646681],
  ['21', -973932308],
  ['abc', 479470107],
  ['foobar', -790332482],
  ['k999', -1058834708],
  ['k0000', -2077814501],
  ['k0001', -1877058003],
  ['a-little-bit-long-string', -985981536],
];

describe('murmur2', () => {
  it('matches the Kafka default partitioner on known keys', () => {
    for (const [key, hash] of VECTORS) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });
  it('hashes a slice of a larger buffer like the key alone', () => {
    const buf = Buffer.from('xxfoobaryy');
    expect(murmur2(buf, 2, 8)).toBe(-790332482);
  });
  it('gives the partition (hash & 0x7fffffff) % partitions', () => {
    expect(keyPartition(Buffer.from('21'), 10)).toBe(0);
    expect(keyPartition(Buffer.from('foobar'), 10)).toBe(6);
    expect(keyPartition(Buffer.from('abc'), 10)).toBe(7);
    expect(keyPartition(Buffer.from('k0001'), 10)).toBe(5);
  });
});
