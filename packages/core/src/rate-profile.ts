// Rate profiles: a produce rate that changes over time (`ramp:0-100k@60s, hold@300s, spike:3x@10s,
// step:+10k@30s x5`), parsed and checked before any load, expanded to one segment per phase, and the
// rate each segment asks for at each instant.
import { LoadhouseError } from './errors.js';
import { MAX_PRODUCE_RATE } from './options.js';

export type RateSegmentKind = 'ramp' | 'hold' | 'step' | 'spike';

/** One segment of an expanded profile: it becomes a phase named `<kind>-<n>` (n counts from 1 over the profile). */
export interface RateSegment {
  kind: RateSegmentKind;
  /** The phase name: `ramp-1`, `hold-2`, ... */
  name: string;
  /** Records per second at the segment's start and at its end (equal except for a ramp). */
  fromRate: number;
  toRate: number;
  durationSeconds: number;
  /** The segment as written (one repetition of `x<n>`), for messages. */
  text: string;
}

/** A parsed profile: its segments in order, from the rate it starts at. */
export interface RateProfile {
  /** The rate before the first segment (a scenario's own rate), which relative segments start from. */
  baseRate: number;
  segments: RateSegment[];
  /** The sum of the segments' durations. */
  durationSeconds: number;
}

const WHAT = 'rateProfile';
const SYNTAX =
  'ramp:<from>-<to>@<time> | ramp:<to>@<time> | hold@<time> | hold:<rate>@<time> | step:+<rate>@<time> | step:-<rate>@<time> | ' +
  'step:<rate>@<time> | spike:<n>x@<time> | spike:+<rate>@<time> | spike:<rate>@<time>, each optionally followed by x<count>';
const TIME = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const RATE = /^(\d+(?:\.\d+)?)([km])?$/i;

function invalid(segment: string, why: string): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `${WHAT}: "${segment}" ${why}. A segment is ${SYNTAX} (docs/workload-traffic.md)`, {
    details: { option: WHAT, value: segment },
  });
}

/** `50000`, `50k`, `1.5m` records per second. */
function parseRate(text: string): number | undefined {
  const m = RATE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]?.toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1);
}

function rateOf(segment: string, text: string): number {
  const r = parseRate(text);
  if (r === undefined) throw invalid(segment, `has "${text}" where a rate goes (records per second: 5000, 50k, 1.5m)`);
  return r;
}

function checkRate(segment: string, rate: number): number {
  if (!(rate >= 0 && rate <= MAX_PRODUCE_RATE))
    throw invalid(segment, `asks for ${rate} records per second; a rate goes from 0 to ${MAX_PRODUCE_RATE}`);
  return rate;
}

/** Applies one segment to the rate before it: the rates it runs at, and the rate the next segment starts from. */
function applySegment(
  kind: RateSegmentKind,
  arg: string | undefined,
  segment: string,
  prev: number,
): { from: number; to: number; after: number } {
  switch (kind) {
    case 'ramp': {
      if (arg === undefined) throw invalid(segment, 'needs the rate to ramp to: ramp:0-100k@60s or ramp:100k@60s');
      const dash = arg.indexOf('-');
      const from = dash >= 0 ? checkRate(segment, rateOf(segment, arg.slice(0, dash))) : prev;
      const to = checkRate(segment, rateOf(segment, dash >= 0 ? arg.slice(dash + 1) : arg));
      return { from, to, after: to };
    }
    case 'hold': {
      const r = arg === undefined ? prev : checkRate(segment, rateOf(segment, arg));
      return { from: r, to: r, after: r };
    }
    case 'step': {
      if (arg === undefined) throw invalid(segment, 'needs the change or the new rate: step:+10k@30s, step:-5k@30s or step:20k@30s');
      const sign = arg[0] === '+' ? 1 : arg[0] === '-' ? -1 : 0;
      const r = checkRate(segment, sign === 0 ? rateOf(segment, arg) : prev + sign * rateOf(segment, arg.slice(1)));
      return { from: r, to: r, after: r };
    }
    case 'spike': {
      if (arg === undefined) throw invalid(segment, 'needs its height: spike:3x@10s, spike:+50k@10s or spike:200k@10s');
      let r: number;
      if (/x$/i.test(arg)) {
        const factor = Number(arg.slice(0, -1));
        if (!(factor >= 0 && Number.isFinite(factor))) throw invalid(segment, `has "${arg}" where a factor goes (3x, 1.5x)`);
        r = prev * factor;
      } else r = arg[0] === '+' ? prev + rateOf(segment, arg.slice(1)) : rateOf(segment, arg);
      checkRate(segment, r);
      return { from: r, to: r, after: prev };
    }
  }
}

/**
 * Parses a rate profile: comma-separated segments `kind[:argument]@duration[ x<count>]` (docs/workload-traffic.md).
 * Relative segments (`hold@60s`, `step:+10k@30s`, `spike:3x@10s`, `ramp:100k@60s`) start from the rate the
 * segment before ended at, the first one from `baseRate`; a spike returns to the rate before it. Errors are
 * LH_INVALID_OPTION naming the segment and what is expected.
 */
export function parseRateProfile(text: string, baseRate: number): RateProfile {
  if (typeof text !== 'string' || text.trim() === '') throw invalid(String(text), 'is empty: give at least one segment');
  const segments: RateSegment[] = [];
  let rate = baseRate;
  for (const raw of text.split(',')) {
    const segment = raw.trim();
    if (segment === '') throw invalid(text, 'has an empty segment (two commas in a row, or one at the end)');
    const m = /^([a-z]+)(?::([^@]+))?@(\S+)(?:\s+x\s*(\S+))?$/i.exec(segment);
    if (!m) throw invalid(segment, 'is not kind[:argument]@duration[ x<count>]');
    const kind = m[1]!.toLowerCase() as RateSegmentKind;
    if (!['ramp', 'hold', 'step', 'spike'].includes(kind))
      throw invalid(segment, `has an unknown kind "${m[1]}"; use ramp, hold, step or spike`);
    const t = TIME.exec(m[3]!);
    const seconds = t ? Number(t[1]) * UNIT_S[t[2] ?? 's']! : Number.NaN;
    if (!(seconds > 0))
      throw invalid(segment, `has "${m[3]}" where a positive duration goes (30s, 500ms, 5m, 1h; a bare number is seconds)`);
    const count = m[4] === undefined ? 1 : Number(m[4]);
    if (!(Number.isInteger(count) && count >= 1 && count <= 10_000))
      throw invalid(segment, `repeats "${m[4]}" times; x<count> takes a whole number from 1 to 10000`);
    const arg = m[2]?.trim();
    for (let k = 0; k < count; k++) {
      const { from, to, after } = applySegment(kind, arg, segment, rate);
      segments.push({ kind, name: `${kind}-${segments.length + 1}`, fromRate: from, toRate: to, durationSeconds: seconds, text: segment });
      rate = after;
    }
  }
  if (segments.length > 100_000) throw invalid(text, 'expands to more than 100000 segments');
  const first = segments[0]!;
  if (first.fromRate === 0 && first.toRate === 0)
    throw invalid(first.text, 'starts the profile at rate 0: the producers need a rate above 0 to start (ramp up from 0 instead)');
  return { baseRate, segments, durationSeconds: segments.reduce((a, s) => a + s.durationSeconds, 0) };
}

/** The mean rate a segment asks for between `a` and `b` seconds into it (a ramp is linear). */
export function segmentMeanRate(s: RateSegment, a: number, b: number): number {
  const d = s.durationSeconds;
  const mid = (Math.max(0, a) + Math.min(d, b)) / 2;
  return s.fromRate + ((s.toRate - s.fromRate) * mid) / d;
}

/** A segment's mean rate over its whole duration: the rate its phase is judged against. */
export function segmentTargetRate(s: RateSegment): number {
  return (s.fromRate + s.toRate) / 2;
}

/** Records the whole profile asks for. */
export function profileRecords(profile: RateProfile): number {
  return profile.segments.reduce((a, s) => a + segmentTargetRate(s) * s.durationSeconds, 0);
}
