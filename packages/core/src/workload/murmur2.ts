// The partitioner of Kafka's default producer: murmur2 (32-bit, seed 0x9747b28c) of the key bytes, its sign
// bit cleared, modulo the partition count. StreamHouse's Kafka-compatible door keeps that default, so a keyed
// loadhouse record lands where a Kafka client would have put it.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of `bytes` (`start` to `end`), as a signed 32-bit integer like Kafka's Java `int`. */
export function murmur2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const length = end - start;
  let h = (SEED ^ length) | 0;
  const whole = start + (length & ~3);
  for (let i = start; i < whole; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Kafka's switch falls through: three tail bytes mix in all three, then one multiply.
  const tail = length & 3;
  if (tail >= 3) h ^= bytes[whole + 2]! << 16;
  if (tail >= 2) h ^= bytes[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= bytes[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a record with this key: `(murmur2(key) & 0x7fffffff) % partitions`. */
export function keyPartition(key: Uint8Array, partitions: number, start = 0, end = key.length): number {
  return (murmur2(key, start, end) & 0x7fffffff) % partitions;
}
