// A producer's batch slots (one per batch in flight), made when a batch first needs one and reused after: a
// producer that never has more than one call out holds one slot, whatever its maxInFlight allows.
import type { DriverFailure } from '../driver/types.js';
import type { Slot } from './producer-slot.js';

export class SlotPool {
  private readonly free: Slot[] = [];
  /** Slots whose batch is out (sent, or waiting to be sent again). */
  readonly busy = new Set<Slot>();
  private made = 0;

  constructor(
    private readonly batchSize: number,
    private readonly onComplete: (slot: Slot, failure: DriverFailure | null, baseOffset: number, duplicate: boolean) => void,
    /** The driver has written the slot's request bytes. */
    private readonly onWritten: (slot: Slot) => void,
  ) {}

  /** Slots made so far (the most ever out at once). */
  get size(): number {
    return this.made;
  }

  take(): Slot {
    const slot = this.free.pop() ?? this.make();
    this.busy.add(slot);
    return slot;
  }

  give(slot: Slot): void {
    this.busy.delete(slot);
    this.free.push(slot);
  }

  private make(): Slot {
    this.made++;
    const slot: Slot = {
      count: 0,
      partition: 0,
      firstSequence: 0,
      sendTime: 0,
      intended: new Float64Array(this.batchSize),
      call: null,
      callback: (failure, baseOffset, duplicate) => this.onComplete(slot, failure, baseOffset, duplicate === true),
      frame: null,
      written: () => this.onWritten(slot),
      attempts: 0,
      framed: null,
      batch: null,
      bytes: 0,
      measuredBytes: 0,
    };
    return slot;
  }
}
