// Spans of sequences a log holds, per (partition, producer): the run-length maps of the verifier put in the
// shape its checks compare (sorted, and merged where only coverage matters).

/** The runs of one topic by partition: flat, 4 numbers each (first offset, count, producer, first sequence). */
export type ByPartition = Map<number, number[]>;

/** Sequence interval [s, e) whose records sit (or were acked) at offsets off, off + 1, ... */
export interface Span {
  s: number;
  e: number;
  off: number;
}

/** Spans of each producer, sorted by first sequence; runs below `minOffset` trimmed off. */
export function byProducer(list: number[] | undefined, minOffset = -Infinity): Map<number, Span[]> {
  const out = new Map<number, Span[]>();
  if (!list) return out;
  for (let i = 0; i < list.length; i += 4) {
    let off = list[i]!;
    let s = list[i + 3]!;
    const e = s + list[i + 1]!;
    // An ack without an offset (-1) cannot be placed against a group's start: only a group from 0 counts it.
    if (off < 0 && minOffset > 0) continue;
    if (off >= 0 && off < minOffset) {
      const cut = Math.min(minOffset - off, e - s);
      s += cut;
      off += cut;
      if (s >= e) continue;
    }
    const producer = list[i + 2]!;
    let spans = out.get(producer);
    if (!spans) {
      spans = [];
      out.set(producer, spans);
    }
    spans.push({ s, e, off });
  }
  for (const spans of out.values()) spans.sort((a, b) => a.s - b.s);
  return out;
}

/** Index of the first span (sorted, disjoint) ending after `s`. */
export function firstEndingAfter(spans: readonly Span[], s: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.e <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Records of [s, e) that `spans` (sorted, disjoint) cover. */
export function covered(spans: readonly Span[] | undefined, s: number, e: number): number {
  if (!spans) return 0;
  let n = 0;
  for (let i = firstEndingAfter(spans, s); i < spans.length && spans[i]!.s < e; i++)
    n += Math.min(e, spans[i]!.e) - Math.max(s, spans[i]!.s);
  return n;
}

/** Sorted spans merged where they overlap or touch (offsets dropped): what was read at all. */
export function union(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const sp of spans) {
    const last = out.at(-1);
    if (last && sp.s <= last.e) last.e = Math.max(last.e, sp.e);
    else out.push({ s: sp.s, e: sp.e, off: -1 });
  }
  return out;
}
