import { describe, expect, it } from 'vitest';
import { codec, requestCodec, responseCodec } from './codec.js';
import { AckMode, type ConsumeResponse, type ProduceBatchRequest } from './messages.js';
import { ProduceFrame, producerHeadroom } from './produce-frame.js';

// Expected bytes are derived by hand from the protobuf wire format: each field is a tag byte
// (field_number << 3 | wire_type; 0 = varint, 2 = length-delimited) followed by a varint or a length and bytes.
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('StreamHouse wire contract (golden bytes)', () => {
  it('encodes a ProduceBatchRequest field by field', () => {
    const req: ProduceBatchRequest = {
      topic: 't',
      partition: 2,
      records: [{ key: Uint8Array.of(0x01), value: Uint8Array.of(0x41, 0x42), timestamp: 5 }],
      producerId: 'p',
      producerEpoch: 7,
      baseSequence: 300,
      ackMode: AckMode.ACK_DURABLE,
    };
    const expected = [
      '0a0174', // 1 topic: tag 0x0a (1<<3|2), len 1, 't'
      '1002', // 2 partition: tag 0x10 (2<<3|0), 2
      '1a09', // 3 records: tag 0x1a (3<<3|2), len 9 — a Record:
      '0a0101', //   1 key: len 1, 0x01
      '12024142', //   2 value: tag 0x12, len 2, 'AB'
      '2005', //   4 timestamp: tag 0x20 (4<<3|0), 5
      '220170', // 4 producer_id: tag 0x22 (4<<3|2), len 1, 'p'
      '2807', // 5 producer_epoch: tag 0x28 (5<<3|0), 7
      '30ac02', // 6 base_sequence: tag 0x30 (6<<3|0), varint 300 = 0xac 0x02
      '4001', // 8 ack_mode: tag 0x40 (8<<3|0), ACK_DURABLE = 1
    ].join('');
    expect(hex(requestCodec('ProduceBatch').encode(req))).toBe(expected);
  });

  it('lays out the raw-HTTP/2 ProduceBatch bytes field by field, gRPC prefix included', () => {
    const frame = new ProduceFrame({ topic: 't', ackMode: AckMode.ACK_DURABLE, batchSize: 3, messageSize: 2 });
    frame.records[0]!.value.set([0x41, 0x42]);
    frame.records[1]!.value.set([0x43, 0x44]);
    const expected = [
      '00', // gRPC flag: uncompressed
      '00000014', // message length 20, big-endian
      '0a0174', // 1 topic: len 1, 't'
      '4001', // 8 ack_mode: ACK_DURABLE (before the records: decoders take fields in any order)
      '10ac02', // 2 partition: varint 300
      '1a04', // 3 records: len 4 — a Record:
      '12024142', //   2 value: len 2, 'AB'
      '1a04', // 3 records: the second Record
      '12024344', //   2 value: 'CD'
    ].join('');
    expect(hex(frame.frame(300, 2))).toBe(expected);
  });

  it('the raw-HTTP/2 ProduceBatch bytes decode to the request grpc-js encodes, for any partition, count and ack mode', () => {
    const c = requestCodec('ProduceBatch');
    for (const ackMode of [AckMode.ACK_BUFFERED, AckMode.ACK_DURABLE]) {
      const frame = new ProduceFrame({ topic: 'orders-é', ackMode, batchSize: 4, messageSize: 200 });
      for (const [j, r] of frame.records.entries()) r.value.fill(j + 1);
      // One frame reused: a longer head, then a shorter one, then a short final batch.
      for (const [partition, count] of [
        [70_000, 4],
        [0, 4],
        [127, 1],
        [128, 3],
      ] as const) {
        const bytes = frame.frame(partition, count);
        expect(bytes[0]).toBe(0);
        expect(bytes.readUInt32BE(1)).toBe(bytes.length - 5);
        const request: ProduceBatchRequest = { topic: 'orders-é', partition, records: frame.records.slice(0, count), ackMode };
        const asGrpcJs = c.decode(c.encode(request));
        expect(c.decode(bytes.subarray(5))).toEqual(asGrpcJs);
        expect(asGrpcJs.records).toHaveLength(count);
      }
    }
  });

  it("the raw-HTTP/2 bytes carry the idempotent producer's fields as grpc-js encodes them", () => {
    const c = requestCodec('ProduceBatch');
    const frame = new ProduceFrame({
      topic: 't',
      ackMode: AckMode.ACK_BUFFERED,
      batchSize: 2,
      messageSize: 20,
      headroom: producerHeadroom(16, 32),
    });
    for (const [producerId, epoch, baseSequence, transactionId] of [
      ['p-1', 0, 0, ''],
      ['p-123456789', 70_000, 2 ** 40, 'p-123456789-e7-t12345'],
      ['p-2', 1, 5, ''],
    ] as const) {
      const fields = { producerId: Buffer.from(producerId), epoch, baseSequence, transactionId: Buffer.from(transactionId) };
      const bytes = frame.frame(300, 2, fields);
      const request: ProduceBatchRequest = {
        topic: 't',
        partition: 300,
        records: frame.records.slice(0, 2),
        ackMode: AckMode.ACK_BUFFERED,
        producerId,
        producerEpoch: epoch,
        baseSequence,
      };
      if (transactionId) request.transactionId = transactionId;
      expect(c.decode(bytes.subarray(5))).toEqual(c.decode(c.encode(request)));
    }
    expect(() => frame.frame(0, 1, { producerId: Buffer.alloc(100), epoch: 0, baseSequence: 0, transactionId: Buffer.alloc(0) })).toThrow(
      RangeError,
    );
  });

  it('encodes a ConsumeRequest field by field', () => {
    const bytes = requestCodec('Consume').encode({
      topic: 'ab',
      partition: 1,
      offset: 1000,
      maxRecords: 100,
      consumerGroup: 'g',
    });
    const expected = [
      '0a026162', // 1 topic: len 2, 'ab'
      '1001', // 2 partition: 1
      '18e807', // 3 offset: tag 0x18 (3<<3|0), varint 1000 = 0xe8 0x07
      '2064', // 4 max_records: tag 0x20, 100
      '2a0167', // 5 consumer_group: tag 0x2a (5<<3|2), len 1, 'g'
    ].join('');
    expect(hex(bytes)).toBe(expected);
  });

  it('encodes a ConsumeResponse field by field and decodes it back', () => {
    const res: ConsumeResponse = {
      records: [{ offset: 5, timestamp: 300, key: undefined as never, value: Uint8Array.of(0xff), headers: {} }],
      highWatermark: 6,
      hasMore: true,
    };
    delete (res.records[0] as { key?: unknown }).key;
    const expected = [
      '0a08', // 1 records: tag 0x0a, len 8 — a ConsumedRecord:
      '0805', //   1 offset: 5
      '10ac02', //   2 timestamp: tag 0x10, varint 300
      '2201ff', //   4 value: tag 0x22 (4<<3|2), len 1, 0xff
      '1006', // 2 high_watermark: tag 0x10, 6
      '1801', // 3 has_more: tag 0x18, true
    ].join('');
    const c = responseCodec('Consume');
    const bytes = c.encode(res);
    expect(hex(bytes)).toBe(expected);
    const back = c.decode(Buffer.from(expected, 'hex'));
    expect(back.highWatermark).toBe(6);
    expect(back.hasMore).toBe(true);
    expect(back.records).toHaveLength(1);
    expect(back.records[0]!.offset).toBe(5);
    expect(back.records[0]!.timestamp).toBe(300);
    expect(Array.from(back.records[0]!.value)).toEqual([0xff]);
    expect(back.records[0]!.key.length).toBe(0);
  });

  it('decodes 64-bit fields as plain numbers', () => {
    const c = codec<{ offset: number; timestamp: number }>('ProduceResponse');
    const big = 2 ** 45 + 3;
    const back = c.decode(c.encode({ offset: big, timestamp: 1_700_000_000_123 }));
    expect(typeof back.offset).toBe('number');
    expect(back.offset).toBe(big);
    expect(back.timestamp).toBe(1_700_000_000_123);
  });
});
