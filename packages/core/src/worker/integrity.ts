// Sequence checks of the consumers: one stream per (producer, partition), whose record-header sequences must
// arrive as 0, 1, 2, ... A jump opens a gap (its sequences count as missing); a later arrival inside a gap is
// reordered, anything else below the expected sequence is a duplicate. Every partition has one consumer in a
// group, so a stream lives in exactly one worker and the counts add up across workers.
import type { IntegrityTally } from './protocol.js';

/** Open gaps kept per stream; beyond it the two oldest merge (bounded memory under heavy loss). */
export const MAX_OPEN_GAPS = 10_000;
export const MAX_EXAMPLES = 20;
/** Reordering is common with batches in flight on several channels: it may not crowd out losses and duplicates. */
export const MAX_REORDERED_EXAMPLES = 5;

type Kind = IntegrityTally['examples'][number]['kind'];

/** The counts of one consumer group in one worker, shared by the group's streams. */
export class IntegrityCounter {
  readonly tally: IntegrityTally = {
    checked: 0,
    missing: 0,
    duplicates: 0,
    reordered: 0,
    corrupted: 0,
    examples: [],
    mergedGaps: 0,
  };
  /** Changed since the last report (the report carries only changed tallies). */
  dirty = false;

  example(kind: Kind, producer: number, partition: number, sequence: number, offset?: number): void {
    const examples = this.tally.examples;
    if (examples.length >= MAX_EXAMPLES) return;
    if (kind === 'reordered') {
      let n = 0;
      for (const e of examples) if (e.kind === 'reordered') n++;
      if (n >= MAX_REORDERED_EXAMPLES) return;
    }
    examples.push(offset === undefined ? { kind, producer, partition, sequence } : { kind, producer, partition, sequence, offset });
  }

  /** A record whose checksum does not match its bytes; its header fields are as read (they may be the damaged part). */
  corrupt(producer: number, partition: number, sequence: number, offset: number): void {
    this.tally.corrupted++;
    this.dirty = true;
    this.example('corrupted', producer, partition, sequence, offset);
  }

  /** A missing sequence arrived after all: its example no longer describes a missing record. */
  unmiss(producer: number, partition: number, sequence: number): void {
    const examples = this.tally.examples;
    for (let i = 0; i < examples.length; i++) {
      const e = examples[i]!;
      if (e.kind === 'missing' && e.sequence === sequence && e.producer === producer && e.partition === partition) {
        examples.splice(i, 1);
        return;
      }
    }
  }
}

/** [start, end) with `missing` sequences not yet seen: end - start for an exact gap, fewer for a merged one. */
interface Gap {
  start: number;
  end: number;
  missing: number;
}

export class SequenceStream {
  /** Highest sequence seen + 1: the next one expected. */
  private next: number;
  /** Lowest sequence that belongs to what this consumer reads (0 when it reads the stream from its start). */
  private base: number;
  private started: boolean;
  /** Open gaps, ascending and disjoint. Empty almost always: the fast path checks only `next`. */
  private readonly gaps: Gap[] = [];

  /**
   * `fromStart`: the consumer reads the partition from its first offset, so the stream must begin at
   * sequence 0. Otherwise (a `latest` or `committed` start) it begins wherever the first record is.
   */
  constructor(
    readonly producer: number,
    readonly partition: number,
    fromStart: boolean,
    private readonly counter: IntegrityCounter,
  ) {
    this.started = fromStart;
    this.next = 0;
    this.base = 0;
  }

  get openGaps(): number {
    return this.gaps.length;
  }

  check(sequence: number, offset: number): void {
    const c = this.counter;
    const t = c.tally;
    t.checked++;
    c.dirty = true;
    if (sequence === this.next) {
      this.next = sequence + 1;
      return;
    }
    if (!this.started) {
      this.started = true;
      this.base = sequence;
      this.next = sequence + 1;
      return;
    }
    if (sequence > this.next) {
      this.openGap(this.next, sequence);
      this.next = sequence + 1;
      return;
    }
    if (sequence < this.base) {
      // Started mid-stream: an earlier record appended after the one we started from.
      t.reordered++;
      c.example('reordered', this.producer, this.partition, sequence, offset);
      return;
    }
    const i = this.findGap(sequence);
    if (i < 0) {
      t.duplicates++;
      c.example('duplicate', this.producer, this.partition, sequence, offset);
      return;
    }
    this.fill(i, sequence);
    t.missing--;
    t.reordered++;
    c.unmiss(this.producer, this.partition, sequence);
    c.example('reordered', this.producer, this.partition, sequence, offset);
  }

  private openGap(start: number, end: number): void {
    const c = this.counter;
    c.tally.missing += end - start;
    for (let s = start; s < end && c.tally.examples.length < MAX_EXAMPLES; s++) c.example('missing', this.producer, this.partition, s);
    const gaps = this.gaps;
    gaps.push({ start, end, missing: end - start });
    if (gaps.length > MAX_OPEN_GAPS) {
      const [a, b] = gaps;
      gaps.splice(0, 2, { start: a!.start, end: b!.end, missing: a!.missing + b!.missing });
      c.tally.mergedGaps++;
    }
  }

  /** Index of the gap holding `sequence`, or -1. */
  private findGap(sequence: number): number {
    const gaps = this.gaps;
    let lo = 0;
    let hi = gaps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const g = gaps[mid]!;
      if (sequence < g.start) hi = mid - 1;
      else if (sequence >= g.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  private fill(i: number, sequence: number): void {
    const gaps = this.gaps;
    const g = gaps[i]!;
    if (g.missing !== g.end - g.start) {
      // A merged gap no longer knows which of its sequences arrived: count one fewer missing.
      if (--g.missing === 0) gaps.splice(i, 1);
      return;
    }
    if (g.end - g.start === 1) {
      gaps.splice(i, 1);
    } else if (sequence === g.start) {
      g.start++;
      g.missing--;
    } else if (sequence === g.end - 1) {
      g.end--;
      g.missing--;
    } else {
      gaps.splice(i + 1, 0, { start: sequence + 1, end: g.end, missing: g.end - sequence - 1 });
      g.end = sequence;
      g.missing = sequence - g.start;
      if (gaps.length > MAX_OPEN_GAPS) {
        const [a, b] = gaps;
        gaps.splice(0, 2, { start: a!.start, end: b!.end, missing: a!.missing + b!.missing });
        this.counter.tally.mergedGaps++;
      }
    }
  }
}
