// Live progress: a line rewritten every second on a terminal, a plain line every 10 s otherwise.
import type { Sample } from '@loadhouse/core';
import pc from 'picocolors';

export interface ProgressOptions {
  write: (text: string) => void;
  isTTY: boolean;
  plannedSeconds?: number;
  /** Seconds between lines when not a terminal (default 10). */
  plainEverySeconds?: number;
  /** Width of the terminal (read at each refresh): a live line that wraps leaves a new row at every refresh. */
  columns?: number | (() => number | undefined);
  /** Colour the warnings of the live line (decided for stderr, where it goes). */
  color?: boolean;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** 1234567 -> 1.23M: three significant digits where a terminal line is short. */
function short(n: number): string {
  const a = Math.abs(n);
  for (const [unit, size] of [
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ] as const) {
    if (a >= size) return `${Number((n / size).toPrecision(3))}${unit}`;
  }
  return int(n);
}

/**
 * One item of the line: its full text, a compact one for narrow terminals, and when it goes if even the
 * compact line does not fit (lower first; 0 = never dropped).
 */
interface Part {
  text: string;
  compact: string;
  dropOrder: number;
}

function parts(s: Sample, plannedSeconds?: number): Part[] {
  const total = plannedSeconds ? `/${Math.round(plannedSeconds)}s` : 's';
  const p = s.producer;
  const p99 = p.latency.response.count ? p.latency.response.p99.toFixed(1) : '-';
  const time = `[${s.elapsedSeconds.toFixed(0)}${total}]`;
  const out: Part[] = [
    { text: time, compact: time, dropOrder: 0 },
    { text: s.phase, compact: s.phase, dropOrder: 1 },
    {
      text: `${int(p.msgsPerSec)} msgs/s (target ${int(p.targetRate)})`,
      compact: `${short(p.msgsPerSec)}/s of ${short(p.targetRate)}`,
      dropOrder: 0,
    },
    { text: `p99 ${p99} ms`, compact: `p99 ${p99}ms`, dropOrder: 8 },
    { text: `errors ${int(p.failed)}`, compact: `err ${short(p.failed)}`, dropOrder: 7 },
  ];
  if (p.dropped) out.push({ text: `dropped ${int(p.dropped)}`, compact: `drop ${short(p.dropped)}`, dropOrder: 4 });
  if (s.consumer.polls > 0) {
    // One item in the full line, two in the compact one: the lag outlives the consumed rate.
    const consumed = `consumed ${int(s.consumer.msgsPerSec)} msgs/s, lag ${int(s.consumer.lag)}`;
    out.push({ text: consumed, compact: `in ${short(s.consumer.msgsPerSec)}/s`, dropOrder: 2 });
    out.push({ text: '', compact: `lag ${short(s.consumer.lag)}`, dropOrder: 5 });
  }
  if (s.warmup) out.push({ text: '(warm-up)', compact: '(warm-up)', dropOrder: 3 });
  if (s.generator.saturated) out.push({ text: '! generator saturated', compact: '! saturated', dropOrder: 6 });
  return out;
}

/** The progress line; with `width`, at most that many characters (compact, then without its least useful items). */
export function formatProgressLine(s: Sample, plannedSeconds?: number, width?: number): string {
  const all = parts(s, plannedSeconds);
  const full = all
    .map((p) => p.text)
    .filter((t) => t !== '')
    .join('  ');
  if (width === undefined || full.length <= width) return full;
  const kept = [...all];
  const line = () => kept.map((p) => p.compact).join(' ');
  const order = all.filter((p) => p.dropOrder > 0).sort((a, b) => a.dropOrder - b.dropOrder);
  while (line().length > width && order.length > 0) kept.splice(kept.indexOf(order.shift()!), 1);
  const compact = line();
  return compact.length <= width ? compact : `${compact.slice(0, Math.max(0, width - 1))}…`;
}

export class Progress {
  private lastPlain = -Infinity;
  private hasLine = false;

  constructor(private readonly options: ProgressOptions) {}

  onSample(sample: Sample): void {
    if (this.options.isTTY) {
      // One column short of the width: writing the last column makes some terminals wrap already.
      const columns = typeof this.options.columns === 'function' ? this.options.columns() : this.options.columns;
      let line = formatProgressLine(sample, this.options.plannedSeconds, columns && columns > 1 ? columns - 1 : undefined);
      if (this.options.color) line = line.replace(/! (generator )?saturated/, (w) => pc.createColors(true).yellow(w));
      this.options.write(`\r\u001b[2K${line}`);
      this.hasLine = true;
      return;
    }
    const every = this.options.plainEverySeconds ?? 10;
    if (sample.elapsedSeconds - this.lastPlain >= every - 0.001) {
      this.lastPlain = sample.elapsedSeconds;
      this.options.write(`${formatProgressLine(sample, this.options.plannedSeconds)}\n`);
    }
  }

  /** Ends the live line so the summary starts on a fresh line. */
  finish(): void {
    if (this.hasLine) this.options.write('\n');
    this.hasLine = false;
  }
}
