import { describe, expect, it } from 'vitest';
import { IntegrityCounter, MAX_OPEN_GAPS, SequenceStream } from './integrity.js';

function run(sequences: number[], fromStart = true): IntegrityCounter {
  const counter = new IntegrityCounter();
  const s = new SequenceStream(7, 3, fromStart, counter);
  for (const [offset, seq] of sequences.entries()) s.check(seq, offset);
  return counter;
}

describe('sequence checks of one (producer, partition) stream', () => {
  it('counts nothing for an in-order stream, every record checked', () => {
    const t = run([0, 1, 2, 3, 4]).tally;
    expect(t).toMatchObject({ checked: 5, missing: 0, duplicates: 0, reordered: 0, examples: [] });
  });

  it('counts a gap as missing, with examples, and a stream that does not start at 0 when read from the start', () => {
    const t = run([2, 3, 6, 7]).tally;
    expect(t.missing).toBe(4); // 0, 1, 4, 5
    expect(t.examples.map((e) => [e.kind, e.sequence])).toEqual([
      ['missing', 0],
      ['missing', 1],
      ['missing', 4],
      ['missing', 5],
    ]);
    expect(t.examples[0]).toEqual({ kind: 'missing', producer: 7, partition: 3, sequence: 0 });
  });

  it('turns a late arrival inside a gap into reordered (splitting the gap), and a repeat into a duplicate', () => {
    const t = run([0, 5, 2, 2, 1, 4, 3, 5, 0]).tally;
    expect(t.missing).toBe(0);
    expect(t.reordered).toBe(4); // 2, 1, 4, 3 filled the gap 1..4
    expect(t.duplicates).toBe(3); // the second 2, then 5 and 0
    expect(t.examples.filter((e) => e.kind === 'missing')).toEqual([]); // filled gaps leave no missing example
    expect(t.examples.find((e) => e.kind === 'duplicate')).toEqual({
      kind: 'duplicate',
      producer: 7,
      partition: 3,
      sequence: 2,
      offset: 3,
    });
  });

  it('does not count the unread tail: only gaps below the highest sequence seen are missing', () => {
    expect(run([0, 1, 2]).tally.missing).toBe(0); // the producer may have sent 3..999: not reached, not missing
  });

  it('starts mid-stream (latest or committed start) at the first record it sees; earlier ones after it are reordered', () => {
    const t = run([100, 101, 99, 103], false).tally;
    expect(t).toMatchObject({ missing: 1, duplicates: 0, reordered: 1 }); // 102 missing; 99 arrived after 100
  });

  it('keeps examples bounded and reordering from crowding out losses', () => {
    const counter = new IntegrityCounter();
    const s = new SequenceStream(1, 0, true, counter);
    s.check(0, 0);
    s.check(50, 1);
    for (let q = 1; q < 40; q++) s.check(q, 1 + q); // 39 reordered, gap 40..49 left open (10 missing)
    s.check(0, 100); // duplicate
    const t = counter.tally;
    expect(t).toMatchObject({ missing: 10, reordered: 39, duplicates: 1 });
    expect(t.examples.length).toBeLessThanOrEqual(20);
    expect(t.examples.filter((e) => e.kind === 'reordered').length).toBeLessThanOrEqual(5);
  });

  it('bounds the open gaps per stream by merging the oldest, keeping the missing count exact', () => {
    const counter = new IntegrityCounter();
    const s = new SequenceStream(1, 0, true, counter);
    // Every other sequence lost: one open gap per record.
    const n = MAX_OPEN_GAPS + 500;
    for (let i = 0; i < n; i++) s.check(2 * i + 1, i);
    expect(s.openGaps).toBeLessThanOrEqual(MAX_OPEN_GAPS);
    expect(counter.tally.missing).toBe(n);
    expect(counter.tally.mergedGaps).toBeGreaterThan(0);
    // A late arrival inside a merged gap still reduces missing by one.
    s.check(0, n);
    expect(counter.tally).toMatchObject({ missing: n - 1, reordered: 1 });
    // One in an exact (recent) gap too.
    s.check(2 * (n - 1), n + 1);
    expect(counter.tally).toMatchObject({ missing: n - 2, reordered: 2 });
  });

  it('flags changes for the next report', () => {
    const counter = new IntegrityCounter();
    const s = new SequenceStream(1, 0, true, counter);
    expect(counter.dirty).toBe(false);
    s.check(0, 0);
    expect(counter.dirty).toBe(true);
  });
});
