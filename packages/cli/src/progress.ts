// Live progress: a line rewritten every second on a terminal, a plain line every 10 s otherwise.
import type { Sample } from '@loadhouse/core';

export interface ProgressOptions {
  write: (text: string) => void;
  isTTY: boolean;
  plannedSeconds?: number;
  /** Seconds between lines when not a terminal (default 10). */
  plainEverySeconds?: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatProgressLine(s: Sample, plannedSeconds?: number): string {
  const total = plannedSeconds ? `/${Math.round(plannedSeconds)}s` : 's';
  const p = s.producer;
  const parts = [
    `[${s.elapsedSeconds.toFixed(0)}${total}]`,
    s.phase,
    `${int(p.msgsPerSec)} msgs/s (target ${int(p.targetRate)})`,
    `p99 ${p.latency.response.count ? p.latency.response.p99.toFixed(1) : '-'} ms`,
    `errors ${int(p.failed)}`,
  ];
  if (p.dropped) parts.push(`dropped ${int(p.dropped)}`);
  if (s.consumer.polls > 0) parts.push(`consumed ${int(s.consumer.msgsPerSec)} msgs/s, lag ${int(s.consumer.lag)}`);
  if (s.warmup) parts.push('(warm-up)');
  if (s.generator.saturated) parts.push('! generator saturated');
  return parts.join('  ');
}

export class Progress {
  private lastPlain = -Infinity;
  private hasLine = false;

  constructor(private readonly options: ProgressOptions) {}

  onSample(sample: Sample): void {
    const line = formatProgressLine(sample, this.options.plannedSeconds);
    if (this.options.isTTY) {
      this.options.write(`\r\u001b[2K${line}`);
      this.hasLine = true;
      return;
    }
    const every = this.options.plainEverySeconds ?? 10;
    if (sample.elapsedSeconds - this.lastPlain >= every - 0.001) {
      this.lastPlain = sample.elapsedSeconds;
      this.options.write(`${line}\n`);
    }
  }

  /** Ends the live line so the summary starts on a fresh line. */
  finish(): void {
    if (this.hasLine) this.options.write('\n');
    this.hasLine = false;
  }
}
