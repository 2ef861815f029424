// The request buffers of a producer group, sized by the batches actually cut. A buffer's capacity is a power
// of two up to the batch size (the last class is the batch size itself), so a group of many slow producers,
// whose batches hold a record or two, holds a few KiB per call in flight instead of a full batch buffer each.
// Buffers are made on demand (their payload copied in once, then) and reused: what the group holds follows the
// calls in flight and their sizes, never the producer count.
import type { ProduceFrame, ProduceFramePool } from '../proto/produce-frame.js';

export class BatchFrames {
  /** Capacities in increasing order; the last is the batch size. */
  private readonly classes: number[] = [];
  private readonly pools: ProduceFramePool[] = [];
  private made = 0;
  private madeBytes = 0;

  constructor(
    batchSize: number,
    /** A pool of buffers holding `capacity` records each. */
    pool: (capacity: number) => ProduceFramePool,
  ) {
    for (let c = 1; c < batchSize; c *= 2) this.classes.push(c);
    this.classes.push(batchSize);
    for (const c of this.classes) this.pools.push(pool(c));
  }

  /** Buffers made so far (at most as many as were ever in use at once). */
  get size(): number {
    return this.made;
  }

  /** Bytes of the buffers made so far. */
  get bytes(): number {
    return this.madeBytes;
  }

  /**
   * A buffer for `count` records: a free one of the smallest class that fits, else a free larger one (already
   * paid for), else a new one of the smallest class that fits.
   */
  take(count: number): ProduceFrame {
    const classes = this.classes;
    let first = 0;
    while (first < classes.length - 1 && classes[first]! < count) first++;
    for (let k = first; k < classes.length; k++) {
      const f = this.pools[k]!.takeFree();
      if (f) return f;
    }
    const frame = this.pools[first]!.take();
    this.made++;
    this.madeBytes += frame.bytes.length;
    return frame;
  }

  give(frame: ProduceFrame): void {
    const capacity = frame.records.length;
    const k = this.classes.indexOf(capacity);
    this.pools[k < 0 ? this.pools.length - 1 : k]!.give(frame);
  }
}
