// Idempotent producers: per producer and partition, the sequence numbers of the last batches. A batch sent
// again (the client retries after a lost answer) gets the first answer's offset instead of a second append;
// a gap in the sequence is refused. Checked when the request arrives, in the order the client sent it,
// because produce faults may delay the appends themselves out of order.

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const INVALID_PRODUCER_EPOCH = 47;
/** Batches remembered per producer and partition: librdkafka keeps at most 5 in flight. */
const RECENT = 5;
/** Producer-partitions remembered; the oldest are forgotten first (their next batch is then taken as new). */
const MAX_STATES = 100_000;

interface Sent {
  first: number;
  last: number;
  offset: Promise<number>;
}

interface State {
  epoch: number;
  /** Sequence of the last record accepted. */
  last: number;
  recent: Sent[];
}

export type SequenceCheck =
  | { kind: 'new'; settle: (offset: number | undefined) => void }
  | { kind: 'duplicate'; offset: Promise<number> }
  | { kind: 'refused'; error: number };

export class ProducerSequences {
  private readonly states = new Map<string, State>();

  /**
   * Classifies a batch of `count` records. A new batch must be settled with its first offset once appended,
   * or with undefined when the append failed (the client may then send the same sequence again).
   */
  check(key: string, producerId: number, epoch: number, baseSequence: number, count: number): SequenceCheck {
    const id = `${key}\u0000${producerId}`;
    let s = this.states.get(id);
    if (s && epoch < s.epoch) return { kind: 'refused', error: INVALID_PRODUCER_EPOCH };
    if (s && epoch === s.epoch) {
      const dup = s.recent.find((b) => b.first === baseSequence && b.last === baseSequence + count - 1);
      if (dup) return { kind: 'duplicate', offset: dup.offset };
      if (baseSequence !== s.last + 1) return { kind: 'refused', error: OUT_OF_ORDER_SEQUENCE_NUMBER };
    } else {
      // A producer not seen (or forgotten), or a new epoch: its sequence starts where it says.
      if (this.states.size >= MAX_STATES) this.states.delete(this.states.keys().next().value!);
      s = { epoch, last: baseSequence - 1, recent: [] };
      this.states.set(id, s);
    }
    const state = s;
    let settle!: (offset: number | undefined) => void;
    const sent: Sent = {
      first: baseSequence,
      last: baseSequence + count - 1,
      offset: new Promise<number>((resolve, reject) => {
        settle = (offset) => (offset === undefined ? reject(new Error('not appended')) : resolve(offset));
      }),
    };
    sent.offset.catch(() => {});
    state.last = sent.last;
    state.recent.push(sent);
    if (state.recent.length > RECENT) state.recent.shift();
    return {
      kind: 'new',
      settle: (offset) => {
        if (offset === undefined) {
          // Not appended: forget it, so the client's retry of the same sequence is a new batch again.
          state.recent = state.recent.filter((b) => b !== sent);
          if (state.last === sent.last) state.last = sent.first - 1;
        }
        settle(offset);
      },
    };
  }
}
