// A batch's outcome in a worker's counters and histograms, split between warm-up and measured records by each
// record's intended time (the slot keeps them): what a completion or a drain timeout adds.
import type { ProduceFrame } from '../proto/produce-frame.js';
import { HeaderBatch, timeWords } from '../record-header.js';
import type { ArrivalSchedule } from './poisson-schedule.js';
import type { ProducerRecorder } from './producer-metrics.js';
import type { Slot } from './producer-slot.js';

/** A batch of `n` records went out, `measured` of them intended after warm-up (a batch holding any measured record is a measured batch). */
export function countSent(m: ProducerRecorder, measured: number, n: number): void {
  if (measured > 0) {
    m.measured.sent += measured;
    m.measured.batches++;
  }
  if (measured < n) {
    const w = m.counters(false);
    w.sent += n - measured;
    if (measured === 0) w.batches++;
  }
}

/** Records of the slot's batch (its first `n`: all of it by default) intended at or after `warmupEnd`. */
function measuredIn(slot: Slot, warmupEnd: number, n = slot.count): number {
  let measured = 0;
  for (let j = 0; j < n; j++) if (slot.intended[j]! >= warmupEnd) measured++;
  return measured;
}

export function countFailed(m: ProducerRecorder, slot: Slot, code: string, warmupEnd: number): void {
  const n = slot.count;
  const measured = measuredIn(slot, warmupEnd);
  if (measured > 0) m.fail(true, code, measured);
  if (measured < n) m.fail(false, code, n - measured);
}

/**
 * Counts the acked batch; with instrumentation, each record's response time and the batch's service time.
 * `firstSecondEnd`: the end of the first measured second (a second after warm-up, or after the schedule's start
 * when that is later), whose measured acks make the start-up figure.
 */
export function countAcked(m: ProducerRecorder, slot: Slot, now: number, warmupEnd: number, firstSecondEnd: number): void {
  const n = slot.count;
  const service = now - slot.sendTime;
  const measured = m.instrument ? m.responses(slot.intended, n, now, warmupEnd) : measuredIn(slot, warmupEnd);
  if (m.firstAckEpochMs === 0) m.firstAckEpochMs = now;
  if (measured > 0 && now < firstSecondEnd) m.firstSecondAcked += measured;
  if (measured > 0) {
    m.measured.acked += measured;
    m.measured.bytes += slot.measuredBytes;
    if (m.instrument) m.service(true, service, measured);
  }
  if (measured < n) {
    const w = m.counters(false);
    w.acked += n - measured;
    w.bytes += slot.bytes - slot.measuredBytes;
    if (m.instrument) m.service(false, service, n - measured);
  }
}

/** Adds the schedule positions [from, to) to a counter, split between warm-up and measured by intended time. */
export function countRange(
  m: ProducerRecorder,
  schedule: ArrivalSchedule,
  warmupEnd: number,
  from: number,
  to: number,
  field: 'scheduled' | 'dropped',
): void {
  if (schedule.intended(from) >= warmupEnd) {
    m.measured[field] += to - from;
  } else if (schedule.intended(to - 1) < warmupEnd) {
    m.counters(false)[field] += to - from;
  } else {
    const split = schedule.firstNotBefore(warmupEnd, from, to);
    m.counters(false)[field] += split - from;
    m.counters(true)[field] += to - split;
  }
}

/** Counts by partition (same index as `partitions`) as partition -> count, zeros left out. */
export function partitionCounts(partitions: readonly number[], counts: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) out[partitions[i]!] = counts[i]!;
  return out;
}

/** Where a uniform batch's record headers go (absent: the records were laid out with theirs, producer-records.ts). */
export interface HeaderTarget {
  frame: ProduceFrame;
  producer: number;
  partition: number;
  size: number;
}

/** The worker's header writer (one thread, one batch at a time). */
const headers = new HeaderBatch();

/**
 * Stamps the `n` records from schedule position `first` into the slot: each one's intended time, with
 * instrumentation its schedule lag and (uniform batches) its record header. Returns how many are measured.
 */
export function stampBatch(
  m: ProducerRecorder,
  schedule: ArrivalSchedule,
  warmupEnd: number,
  slot: Slot,
  n: number,
  first: number,
  firstSequence: number,
  now: number,
  header: HeaderTarget | undefined,
): number {
  const times = slot.intended;
  schedule.intendedInto(times, first, n);
  if (!m.instrument) return measuredIn(slot, warmupEnd, n);
  const measured = m.scheduleLags(times, n, now, warmupEnd);
  if (header) {
    const f = header.frame;
    const view = f.view;
    const terms = f.payloadTerms();
    const { f64, i32 } = timeWords;
    headers.begin(header.producer, firstSequence, header.partition, header.size);
    for (let j = 0; j < n; j++) {
      f64[0] = times[j]!;
      headers.write(view, f.valueOffset(j), firstSequence + j, i32[1]!, i32[0]!, terms[j]!);
    }
  }
  return measured;
}
