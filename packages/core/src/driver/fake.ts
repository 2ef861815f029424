// A driver that moves only when a test moves it: calls wait in a list until the test answers them. With a
// FakeClock (clock.ts), Producer and Consumer tests get exact counts.
import type {
  ConnectOptions,
  Driver,
  DriverFailure,
  FetchCallback,
  FetchRequest,
  OffsetCommit,
  PendingCall,
  ProduceBatch,
  ProduceCallback,
} from './types.js';

export interface FakeProduce {
  topic: string;
  partition: number;
  /** Copies of the record values, as a real driver would send them. */
  values: Uint8Array[];
  cancelled: boolean;
  settled: boolean;
  ack(baseOffset?: number): void;
  fail(failure: DriverFailure): void;
}

export interface FakeFetch {
  request: FetchRequest;
  cancelled: boolean;
  settled: boolean;
  answer(records: Array<{ offset: number; value: Uint8Array }>, highWatermark: number): void;
  fail(failure: DriverFailure): void;
}

/** Calls are held until the test answers them; an answer to a cancelled call is not delivered. */
export class FakeDriver implements Driver {
  readonly target = 'fake:0';
  readonly produced: FakeProduce[] = [];
  readonly fetches: FakeFetch[] = [];
  readonly commits: OffsetCommit[] = [];
  closed = false;

  connect(_options: ConnectOptions): Promise<void> {
    return Promise.resolve();
  }
  describeTopic(_topic: string): Promise<{ partitions: number } | undefined> {
    return Promise.resolve({ partitions: 1 });
  }
  createTopic(): Promise<'created' | 'exists'> {
    return Promise.resolve('exists');
  }

  produce(batch: ProduceBatch, callback: ProduceCallback): PendingCall {
    const call: FakeProduce = {
      topic: batch.topic,
      partition: batch.partition,
      values: batch.records.map((r) => Uint8Array.from(r.value)),
      cancelled: false,
      settled: false,
      ack: (baseOffset = 0) => {
        if (call.settled || call.cancelled) return;
        call.settled = true;
        callback(null, baseOffset);
      },
      fail: (failure) => {
        if (call.settled || call.cancelled) return;
        call.settled = true;
        callback(failure, -1);
      },
    };
    this.produced.push(call);
    return { cancel: () => (call.cancelled = true) };
  }

  fetch(request: FetchRequest, callback: FetchCallback): PendingCall {
    const call: FakeFetch = {
      request: { ...request },
      cancelled: false,
      settled: false,
      answer: (records, highWatermark) => {
        if (call.settled || call.cancelled) return;
        call.settled = true;
        callback(null, { records, highWatermark });
      },
      fail: (failure) => {
        if (call.settled || call.cancelled) return;
        call.settled = true;
        callback(failure, undefined);
      },
    };
    this.fetches.push(call);
    return { cancel: () => (call.cancelled = true) };
  }

  commitOffset(commit: OffsetCommit, callback: (failure: DriverFailure | null) => void): void {
    this.commits.push({ ...commit });
    queueMicrotask(() => callback(null));
  }
  committedOffset(): Promise<number> {
    return Promise.resolve(0);
  }
  latestOffset(): Promise<number> {
    return Promise.resolve(0);
  }
  close(): void {
    this.closed = true;
  }

  /** Produce calls neither answered nor cancelled. */
  open(): FakeProduce[] {
    return this.produced.filter((c) => !c.cancelled && !c.settled);
  }

  /** Acks every open produce call (not those its acks start); returns how many records that acked. */
  ackAll(): number {
    let n = 0;
    for (const c of this.open()) {
      n += c.values.length;
      c.ack();
    }
    return n;
  }
}
