// A producer's open-model schedule: record i's intended send time, as segments of evenly spaced records (one
// per rate; a pause is a segment of infinite interval). Lookups mostly hit the segment used last.
import type { ArrivalSchedule } from './poisson-schedule.js';

interface Segment {
  /** First schedule position of the segment. */
  index: number;
  /** Intended time of that record (epoch ms). */
  time: number;
  /** Milliseconds between records (Infinity while paused). */
  interval: number;
}

export class Schedule implements ArrivalSchedule {
  private readonly segments: Segment[] = [];
  /** Index into `segments` of the segment `intended` used last. */
  private cursor = 0;

  constructor(startMs: number, rate: number, phase: number) {
    const interval = rate > 0 ? 1000 / rate : Infinity;
    this.segments.push({ index: 0, time: startMs + (Number.isFinite(interval) ? phase * interval : 0), interval });
  }

  /** The intended send time of schedule position `seq` (epoch ms). */
  intended(seq: number): number {
    const seg = this.segments[this.segmentAt(seq)]!;
    return seg.time + (seq - seg.index) * seg.interval;
  }

  intendedInto(out: Float64Array, first: number, n: number): void {
    for (let j = 0; j < n; j++) out[j] = this.intended(first + j);
  }

  /** How many positions are due by `now` (their intended time is at or before it); undefined while paused. */
  dueBy(now: number): number | undefined {
    const seg = this.segments[this.segments.length - 1]!;
    if (!Number.isFinite(seg.interval)) return undefined;
    return seg.index + Math.floor((now - seg.time) / seg.interval) + 1;
  }

  get meanIntervalMs(): number {
    return this.segments[this.segments.length - 1]!.interval;
  }

  /**
   * Re-anchors at position `next`: it is due one new interval after `now`, or at its old intended time if that
   * is earlier (it is already due). `continuous` (rate profiles): it is due after the rest of its old gap,
   * rescaled to the new interval, counted from `now` or from the last record scheduled if that is later.
   */
  setRate(rate: number, next: number, now: number, continuous = false): void {
    const interval = rate > 0 ? 1000 / rate : Infinity;
    const last = this.segments[this.segments.length - 1]!;
    const nextOld = Number.isFinite(last.interval) ? this.intended(next) : Infinity;
    let time = Math.min(nextOld, now + (Number.isFinite(interval) ? interval : 0));
    if (continuous && Number.isFinite(nextOld) && Number.isFinite(interval)) {
      const anchor = next > this.segments[0]!.index ? Math.max(now, this.intended(next - 1)) : now;
      time = nextOld <= anchor ? nextOld : anchor + ((nextOld - anchor) * interval) / last.interval;
    }
    const seg: Segment = { index: next, time, interval };
    if (last.index === next) this.segments[this.segments.length - 1] = seg;
    else this.segments.push(seg);
  }

  /**
   * The first position in [from, to) whose intended time is at or after `cutoff` (`to` if none): per
   * segment by arithmetic (records are evenly spaced), checked against `intended`'s own formula so the
   * boundary is exactly the one a record-by-record walk finds.
   */
  firstNotBefore(cutoff: number, from: number, to: number): number {
    const segs = this.segments;
    let i = from;
    for (let s = this.segmentAt(from); i < to; s++) {
      const seg = segs[s]!;
      const end = s + 1 < segs.length ? Math.min(segs[s + 1]!.index, to) : to;
      const at = (k: number) => seg.time + (k - seg.index) * seg.interval;
      let k = seg.index + Math.ceil((cutoff - seg.time) / seg.interval);
      if (!(k > i)) k = i;
      if (k > end) k = end;
      while (k > i && at(k - 1) >= cutoff) k--;
      while (k < end && at(k) < cutoff) k++;
      if (k < end) return k;
      i = end;
    }
    return to;
  }

  /** Forgets the segments wholly before position `from` (nothing before it is looked up again). */
  prune(from: number): void {
    const segs = this.segments;
    while (segs.length > 1 && segs[1]!.index <= from) {
      segs.shift();
      this.cursor = 0;
    }
  }

  /** The segment holding schedule position `seq` (the first one for positions before it). */
  private segmentAt(seq: number): number {
    const segs = this.segments;
    let s = Math.min(this.cursor, segs.length - 1);
    while (s > 0 && seq < segs[s]!.index) s--;
    while (s + 1 < segs.length && seq >= segs[s + 1]!.index) s++;
    this.cursor = s;
    return s;
  }
}
