// Record building for workloads beyond the uniform one: keys (with the partition Kafka's partitioner gives
// them) and sizes drawn per record. The uniform keyless workload never comes here: its frames are laid out
// once (producer-slot.ts) and a batch only rewrites headers. Here each batch is laid out anew: every record's
// key, size and payload slice are written and its payload checksummed (docs/workload.md, "Sizes").
import { type LaidOutFrame, LaidOutFramePool } from '../proto/produce-frame-laid.js';
import { MAX_PRODUCER_ID_BYTES, MAX_TRANSACTION_ID_BYTES } from './producer-delivery.js';
import { producerHeadroom } from '../proto/produce-frame.js';
import { payloadChecksum, RECORD_HEADER_SIZE, writeRecordHeader } from '../record-header.js';
import { deriveSeed, mulberry32 } from '../util.js';
import { KeyStream, KeyTable, writeKey } from '../workload/keys.js';
import { maxSize, SizeStream } from '../workload/sizes.js';
import type { PayloadPool } from './payload.js';
import type { ProducerGroupSpec } from './protocol.js';

/** Purpose tags of the producers' key and size streams (deriveSeed). */
const KEY_STREAM = 0x4b455953; // 'KEYS'
const SIZE_STREAM = 0x53495a45; // 'SIZE'
/** Bytes of a sequential key at most: a producer id, '-', a schedule position below 2^53. */
const SEQUENTIAL_KEY_BYTES = 10 + 1 + 16;

/** Whether a group needs the per-batch layout (keys or drawn sizes). */
export function needsLayout(group: ProducerGroupSpec): boolean {
  return (group.keys !== undefined && group.keys.kind !== 'none') || (group.sizes !== undefined && group.sizes.kind !== 'fixed');
}

/** What a worker builds once per group for its producers: the key table and the request buffers. */
export interface GroupRecords {
  table: KeyTable | undefined;
  frames: LaidOutFramePool;
}

export function groupRecords(group: ProducerGroupSpec): GroupRecords {
  const keys = group.keys;
  const table =
    keys && 'count' in keys
      ? new KeyTable(keys, group.partitionCount ?? 1 + Math.max(0, ...group.producers.flatMap((p) => p.partitions)))
      : undefined;
  const maxKeyBytes = table ? table.width : keys?.kind === 'sequential' ? SEQUENTIAL_KEY_BYTES : 0;
  const headroom = group.delivery?.idempotent ? producerHeadroom(MAX_PRODUCER_ID_BYTES, MAX_TRANSACTION_ID_BYTES) : 0;
  const maxValueBytes = group.sizes ? maxSize(group.sizes) : group.messageSize;
  return {
    table,
    frames: new LaidOutFramePool({
      topic: group.topic,
      ackMode: group.ackMode,
      batchSize: group.batchSize,
      maxValueBytes,
      maxKeyBytes,
      headroom,
    }),
  };
}

/** One producer's record builder: its key and size streams over the group's shared table and buffers. */
export class ProducerRecords {
  private readonly keys: KeyStream | undefined;
  private readonly sizes: SizeStream;
  private readonly sequential: boolean;
  /** Keys choose the batch's partition (false: the producer's own partitions, round-robin). */
  readonly routesByKey: boolean;
  /** Value bytes of the last laid-out batch, in all and of its measured records. */
  bytes = 0;
  measuredBytes = 0;

  constructor(
    private readonly producerId: number,
    group: ProducerGroupSpec,
    private readonly shared: GroupRecords,
    private readonly payload: PayloadPool,
    private readonly instrument: boolean,
  ) {
    this.keys = shared.table ? new KeyStream(shared.table, mulberry32(deriveSeed(group.seed, KEY_STREAM, producerId))) : undefined;
    this.sizes = new SizeStream(
      group.sizes ?? { kind: 'fixed', size: group.messageSize },
      mulberry32(deriveSeed(group.seed, SIZE_STREAM, producerId)),
    );
    this.sequential = group.keys?.kind === 'sequential';
    this.routesByKey = this.keys !== undefined && group.keyRouting !== 'pinned';
  }

  /** The partition of the next batch when keys choose it. */
  nextPartition(): number {
    return this.keys!.nextPartition();
  }

  take(): LaidOutFrame {
    return this.shared.frames.take();
  }

  give(frame: LaidOutFrame): void {
    this.shared.frames.give(frame);
  }

  /**
   * Lays out a batch of `n` records for `partition` in `frame`: record j has schedule position `first + j`,
   * header sequence `firstSequence + j` and intended time `intended[j]`.
   */
  layOut(
    frame: LaidOutFrame,
    n: number,
    partition: number,
    first: number,
    firstSequence: number,
    intended: Float64Array,
    warmupEnd: number,
  ): void {
    frame.begin();
    const b = frame.bytes;
    const keys = this.keys;
    const width = keys ? keys.table.width : 0;
    let bytes = 0;
    let measured = 0;
    for (let j = 0; j < n; j++) {
      const size = this.sizes.next();
      if (keys) {
        const k = this.routesByKey ? keys.keyIn(partition) : keys.anyKey();
        writeKey(b, frame.add(width, size), k, width);
      } else if (this.sequential) {
        // `<producer id>-<schedule position>`: unique per record, so hashing it would only spread records evenly.
        const key = `${this.producerId}-${first + j}`;
        b.write(key, frame.add(key.length, size), 'latin1');
      } else frame.add(0, size);
      const at = frame.valueOffset(j);
      let crc = frame.payloadCrc(j);
      if (this.instrument) {
        if (crc < 0) {
          this.payload.copyInto(b, at + RECORD_HEADER_SIZE, size - RECORD_HEADER_SIZE);
          crc = payloadChecksum(b, at, size);
          frame.filled(j, crc);
        }
        writeRecordHeader(b, at, this.producerId, firstSequence + j, intended[j]!, partition, size, crc);
      } else if (crc < 0) {
        this.payload.copyInto(b, at, size);
        frame.filled(j, 0);
      }
      bytes += size;
      if (intended[j]! >= warmupEnd) measured += size;
    }
    this.bytes = bytes;
    this.measuredBytes = measured;
  }
}
