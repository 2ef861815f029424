// Batches laid out per record (keys, drawn sizes): what goes on the wire decodes as protobuf with the keys,
// sizes and a valid checksum in every record, when payloads are reused in place (one layout) and when the
// layout changes from batch to batch.
import { describe, expect, it } from 'vitest';
import { requestCodec } from '../proto/codec.js';
import { decodeRecordHeader, verifyRecordChecksum } from '../record-header.js';
import { keyPartition } from '../workload/murmur2.js';
import { PayloadPool } from './payload.js';
import { groupRecords, ProducerRecords } from './producer-records.js';
import type { ProducerGroupSpec } from './protocol.js';

function group(extra: Partial<ProducerGroupSpec>): ProducerGroupSpec {
  return {
    groupId: 1,
    topic: 'laid',
    producers: [{ id: 3, rate: 1, partitions: [0, 1, 2, 3, 4], phase: 0 }],
    messageSize: 200,
    batchSize: 20,
    lingerMs: 5,
    maxInFlight: 4,
    messagesPerProducer: 0,
    payload: 'random',
    ackMode: 1,
    dropAfterMs: 10_000,
    warmupEndEpochMs: 0,
    startEpochMs: 0,
    seed: 5,
    partitionCount: 5,
    ...extra,
  };
}

function batches(spec: ProducerGroupSpec, count: number, n: number) {
  const shared = groupRecords(spec);
  const records = new ProducerRecords(3, spec, shared, new PayloadPool(spec.payload, 4096, spec.seed), true);
  const frame = shared.frames.take();
  const intended = new Float64Array(spec.batchSize).fill(1000);
  const out = [];
  for (let b = 0; b < count; b++) {
    const partition = records.routesByKey ? records.nextPartition() : 0;
    records.layOut(frame, n, partition, b * n, b * n, intended, 0);
    const bytes = frame.frame(partition);
    const req = requestCodec('ProduceBatch').decode(Buffer.from(bytes.subarray(5)));
    out.push({ partition, req, bytes: records.bytes });
  }
  return out;
}

describe('records laid out per batch', () => {
  it('keys of one width and one size: keys on their murmur2 partition, payloads reused, every checksum valid', () => {
    for (const { partition, req, bytes } of batches(group({ keys: { kind: 'uniform', count: 100 } }), 6, 20)) {
      expect(req.partition).toBe(partition);
      expect(req.records).toHaveLength(20);
      expect(bytes).toBe(20 * 200);
      req.records.forEach((r, j) => {
        const key = Buffer.from(r.key!);
        expect(key.toString()).toMatch(/^k\d\d$/);
        expect(keyPartition(key, 5)).toBe(partition);
        const value = Buffer.from(r.value);
        expect(value.length).toBe(200);
        expect(verifyRecordChecksum(value)).toBe(true);
        expect(decodeRecordHeader(value)).toMatchObject({ producerId: 3, partition, length: 200 });
        expect(decodeRecordHeader(value)!.sequence % 20).toBe(j);
      });
    }
  });

  it('sizes that change the layout every batch, with short batches: values and checksums still right', () => {
    const spec = group({ sizes: { kind: 'uniform', min: 36, max: 300 }, keys: { kind: 'sequential' } });
    let total = 0;
    for (const { req, bytes } of batches(spec, 8, 7)) {
      expect(req.records).toHaveLength(7);
      let sum = 0;
      for (const r of req.records) {
        const value = Buffer.from(r.value);
        sum += value.length;
        expect(value.length).toBeGreaterThanOrEqual(36);
        expect(value.length).toBeLessThanOrEqual(300);
        expect(verifyRecordChecksum(value)).toBe(true);
        expect(decodeRecordHeader(value)!.length).toBe(value.length);
        expect(Buffer.from(r.key!).toString()).toMatch(/^3-\d+$/);
      }
      expect(bytes).toBe(sum);
      total += sum;
    }
    expect(total).toBeGreaterThan(8 * 7 * 36);
  });
});
