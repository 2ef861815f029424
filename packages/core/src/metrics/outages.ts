// Target outages as the producers see them: stretches in which records were due and not one was acknowledged
// (a stalled, stopped or restarted target). Averages over a run hide them (the backlog is caught up
// afterwards), so they are named in the result, judged by the windowed criteria, and never taken for the
// generator falling behind.
import type { OutageReport, ProducerStats } from '../types.js';
import { round3 } from '../util.js';

/** Spans kept in the result; beyond them only the counts grow. */
const MAX_SPANS = 100;
/** Windows with acks whose service p99 makes the target's usual answer time. */
const SERVICE_WINDOWS = 10;

interface WindowFacts {
  producer: Pick<ProducerStats, 'scheduled' | 'acked' | 'latency'>;
  /** Window bounds, ms on the run's clock. */
  start: number;
  end: number;
  intervalMs: number;
  /** The longest linger of the producers: a record may wait that long for its batch before it is even sent. */
  lingerMs?: number;
}

/**
 * Decides, window by window, whether the target was down. A window is an outage when records were due, none
 * was acknowledged, it is not a sliver at a phase cut, and the silence is longer than the target's answers
 * explain: since the last window with acks (the target had answered before: a slow first answer is a slow
 * start), at least half an interval, and the producers' linger plus twice the usual service p99 (at a low rate
 * a long linger leaves whole windows between batches). A slow target whose acks come in bursts
 * (every 1.5 s, say) leaves windows without acks that are no outage.
 */
export class OutageDetector {
  private loadStart: number | undefined;
  private lastAckEnd: number | undefined;
  private readonly serviceP99: number[] = [];

  /** The first load started at `t`. */
  loadStarted(t: number): void {
    this.loadStart ??= t;
  }

  window(w: WindowFacts): boolean {
    const p = w.producer;
    const running = this.loadStart !== undefined && this.loadStart <= w.start && this.lastAckEnd !== undefined;
    let outage = false;
    if (running && p.scheduled > 0 && p.acked === 0 && w.end - w.start >= w.intervalMs / 2) {
      const silenceMs = w.end - this.lastAckEnd!;
      outage = silenceMs >= Math.max(w.intervalMs / 2, (w.lingerMs ?? 0) + 2 * this.usualServiceMs());
    }
    if (p.acked > 0) {
      this.lastAckEnd = w.end;
      if (p.latency.service.count > 0) {
        this.serviceP99.push(p.latency.service.p99);
        if (this.serviceP99.length > SERVICE_WINDOWS) this.serviceP99.shift();
      }
    }
    return outage;
  }

  /** Median of the recent windows' service p99: one slow window (the release after a stall) does not move it. */
  private usualServiceMs(): number {
    if (this.serviceP99.length === 0) return 0;
    const sorted = [...this.serviceP99].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }
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
    return { windows: this.windows, seconds: round3(this.seconds), spans: this.spans.map((s) => ({ ...s })) };
  }
}
