// How the target came back from each fault, read off the run's sample windows: the first ack after the fault,
// the p99 back within 10% of its level before the fault, the backlog built and drained, the outage time.
import type { FaultReport, FaultSpec } from '../types/faults.js';
import type { Sample } from '../types/samples.js';
import { round3 } from '../util.js';

/** Windows before a fault whose p99 makes the baseline. */
const BASELINE_WINDOWS = 10;
/** The p99 counts as recovered within this factor of the baseline (the 10%). */
const P99_RECOVERED = 1.1;

export interface RecoveryInput {
  faults: readonly FaultSpec[];
  /** The schedule's start, ms after the run's start (the series' clock). */
  offsetMs: number;
  series: readonly Sample[];
  /** `integrity.lostAcked` when the run measured it. */
  lostAcked?: number;
}

/** Records due and not yet settled at the end of a window (totals are cumulative since the end of warm-up). */
function outstanding(s: Sample): number {
  const t = s.totals;
  return Math.max(0, t.scheduled - t.acked - t.failed - t.dropped);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Window {
  s: Sample;
  from: number;
  to: number;
}

/**
 * Seconds without an ack while records were due, in the runs of such windows that touch the fault: the outage as
 * the fault made it. Unlike `result.outages` it keeps the slivers of windows cut short (a warm-up or phase cut, a
 * late timer), which the run's detector leaves out to avoid false alarms. A window only partly silent holds acks,
 * so counting it whole or not at all would be a window off; where it holds the fault's start (end), the silence
 * is taken to start (end) with the fault: the fault is what stopped (released) the acks.
 */
function silence(windows: readonly Window[], from: number, to: number): number {
  let total = 0;
  let run: { first: number; last: number } | undefined;
  const close = () => {
    if (run === undefined) return;
    const before = windows[run.first - 1];
    const after = windows[run.last + 1];
    let start = windows[run.first]!.from;
    let end = windows[run.last]!.to;
    if (before && before.from <= from && from < start) start = from;
    if (after && after.to >= to && to > end) end = to;
    if (end > from && start < to) total += end - start;
    run = undefined;
  };
  windows.forEach((w, i) => {
    if (w.s.producer.acked === 0 && w.s.producer.scheduled > 0) {
      if (run) run.last = i;
      else run = { first: i, last: i };
    } else close();
  });
  close();
  return total;
}

export function faultReports(i: RecoveryInput): FaultReport[] {
  const windows: Window[] = i.series.map((s) => ({ s, from: s.elapsedSeconds - s.intervalSeconds, to: s.elapsedSeconds }));
  const endSeconds = i.series.at(-1)?.elapsedSeconds ?? 0;
  // A fault the run ended before is not one it saw.
  return i.faults
    .filter((f) => (i.offsetMs + f.startMs) / 1000 < endSeconds)
    .map((f) => {
      const from = (i.offsetMs + f.startMs) / 1000;
      const to = from + f.durationMs / 1000;
      const before = windows.filter((w) => w.to <= from && !w.s.warmup && w.s.producer.acked > 0);
      const after = windows.filter((w) => w.to > to);
      const ms = (t: number) => Math.round(Math.max(0, t - to) * 1000);

      const firstAck = after.find((w) => w.s.producer.acked > 0);
      const baseline = median(before.slice(-BASELINE_WINDOWS).map((w) => w.s.producer.latency.response.p99));
      const recovered =
        baseline === null
          ? undefined
          : after.find((w) => w.s.producer.acked > 0 && w.s.producer.latency.response.p99 <= baseline * P99_RECOVERED);

      const levelBefore = Math.max(
        0,
        ...windows
          .filter((w) => w.to <= from && !w.s.warmup)
          .slice(-3)
          .map((w) => outstanding(w.s)),
      );
      const during = windows.filter((w) => w.to > from && !w.s.warmup);
      const peak = Math.max(levelBefore, ...during.map((w) => outstanding(w.s)));
      // Back at the level before the fault, or within 1% of the peak's rise (a rate that never quite settles).
      const drained = after.find((w) => outstanding(w.s) <= levelBefore + (peak - levelBefore) * 0.01);

      const outageSeconds = silence(windows, from, to);
      return {
        kind: f.kind,
        fromSeconds: round3(from),
        toSeconds: round3(to),
        ...(f.parameter === undefined ? {} : { parameter: f.parameter }),
        outageSeconds: round3(outageSeconds),
        firstAckAfterEndMs: firstAck ? ms(firstAck.to) : null,
        p99RecoveredAfterMs: recovered ? ms(recovered.to) : null,
        baselineP99Ms: baseline,
        backlogBuilt: peak - levelBefore,
        backlogDrainedAfterMs: drained ? ms(drained.to) : null,
        lostAcked: i.lostAcked ?? null,
      };
    });
}

/**
 * `faults.maxRecoverySeconds`: the longest recovery of the run's faults, the later of the first ack and the p99
 * back at its baseline; null (unmeasured) when a fault never recovered or there were no faults.
 */
export function maxRecoverySeconds(faults: unknown): number | null {
  if (!Array.isArray(faults) || faults.length === 0) return null;
  let max = 0;
  for (const f of faults as FaultReport[]) {
    if (f.firstAckAfterEndMs === null || f.p99RecoveredAfterMs === null) return null;
    max = Math.max(max, f.firstAckAfterEndMs, f.p99RecoveredAfterMs);
  }
  return round3(max / 1000);
}
