// A batch's outcome in a worker's counters and histograms, split between warm-up and measured records by each
// record's intended time (the slot keeps them): what a completion or a drain timeout adds.
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

/** Records of the slot's batch intended at or after `warmupEnd`. */
function measuredIn(slot: Slot, warmupEnd: number): number {
  let measured = 0;
  for (let j = 0; j < slot.count; j++) if (slot.intended[j]! >= warmupEnd) measured++;
  return measured;
}

export function countFailed(m: ProducerRecorder, slot: Slot, code: string, warmupEnd: number): void {
  const n = slot.count;
  const measured = measuredIn(slot, warmupEnd);
  if (measured > 0) m.fail(true, code, measured);
  if (measured < n) m.fail(false, code, n - measured);
}

/** Counts the acked batch; with instrumentation, each record's response time and the batch's service time. */
export function countAcked(m: ProducerRecorder, slot: Slot, now: number, warmupEnd: number): void {
  const n = slot.count;
  const service = now - slot.sendTime;
  let measured = 0;
  if (m.instrument) {
    for (let j = 0; j < n; j++) {
      const intended = slot.intended[j]!;
      const isMeasured = intended >= warmupEnd;
      if (isMeasured) measured++;
      m.response(isMeasured, now - intended);
    }
  } else measured = measuredIn(slot, warmupEnd);
  if (m.firstAckEpochMs === 0) m.firstAckEpochMs = now;
  if (measured > 0 && now < warmupEnd + 1000) m.firstSecondAcked += measured;
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
