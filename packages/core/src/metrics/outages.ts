// Target outages as the producers see them: windows in which records were due and not one was acknowledged
// (a stalled, stopped or restarted target). Averages over a run hide them (the backlog is caught up
// afterwards), so they are named in the result, judged by the windowed criteria, and never taken for the
// generator falling behind.
import type { OutageReport, ProducerStats } from '../types.js';

/** Spans kept in the result; beyond them only the counts grow. */
const MAX_SPANS = 100;

/**
 * Whether a window is an outage: records were due, none was acknowledged, the load was already running when
 * the window began (a first ack still in flight is no outage), and the window is not a sliver at a phase cut.
 */
export function isOutageWindow(
  p: Pick<ProducerStats, 'scheduled' | 'acked'>,
  w: { seconds: number; intervalMs: number; loadRunning: boolean },
): boolean {
  return w.loadRunning && p.scheduled > 0 && p.acked === 0 && w.seconds * 1000 >= w.intervalMs / 2;
}

export class OutageLog {
  private windows = 0;
  private seconds = 0;
  private readonly spans: OutageReport['spans'] = [];

  /** An outage window [fromSeconds, toSeconds] of elapsed time; adjacent windows join one span. */
  add(fromSeconds: number, toSeconds: number): void {
    this.windows++;
    this.seconds += toSeconds - fromSeconds;
    const last = this.spans.at(-1);
    if (last && fromSeconds - last.toSeconds < 0.01) last.toSeconds = toSeconds;
    else if (this.spans.length < MAX_SPANS) this.spans.push({ fromSeconds, toSeconds });
  }

  report(): OutageReport {
    return { windows: this.windows, seconds: Math.round(this.seconds * 1000) / 1000, spans: this.spans.map((s) => ({ ...s })) };
  }
}
