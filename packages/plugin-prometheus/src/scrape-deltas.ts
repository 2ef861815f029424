// What changed between two scrapes of /metrics: counter increases (resets included) and histogram bucket
// increases, summed over series, and the quantile of accumulated buckets.
import { histogramQuantile } from './buckets.js';
import type { ParsedMetrics, PromSample } from './parse.js';

/** Latency buckets accumulated as `le` (seconds) -> count, summed over series. */
export type BucketMap = Map<number, number>;

export function seriesKey(s: PromSample, omit?: string): string {
  return `${s.name}{${Object.keys(s.labels)
    .filter((k) => k !== omit)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',')}}`;
}

export function hasAny(parsed: ParsedMetrics, names: readonly string[]): boolean {
  return parsed.samples.some((s) => names.includes(s.name));
}

/** The first name of `names` the document has, so a target exporting both spellings is not counted twice. */
export function pickName(parsed: ParsedMetrics, names: readonly string[], suffix = ''): string | undefined {
  return names.map((n) => n + suffix).find((n) => parsed.samples.some((s) => s.name === n));
}

export function sumOf(parsed: ParsedMetrics, names: readonly string[]): number | undefined {
  const name = pickName(parsed, names);
  if (!name) return undefined;
  let sum = 0;
  for (const s of parsed.samples) if (s.name === name && Number.isFinite(s.value)) sum += s.value;
  return sum;
}

/**
 * Sum over series of the counter increase between two scrapes. A series that went down was reset (the
 * target restarted): its new value is the increase. A series that is new since the previous scrape started
 * from zero after it.
 */
export function counterDelta(
  previous: ParsedMetrics,
  current: ParsedMetrics,
  names: readonly string[],
  filter: (s: PromSample) => boolean = () => true,
): number {
  const name = pickName(current, names);
  if (!name) return 0;
  const before = new Map<string, number>();
  for (const s of previous.samples) if (s.name === name && filter(s)) before.set(seriesKey(s), s.value);
  let delta = 0;
  for (const s of current.samples) {
    if (s.name !== name || !filter(s) || !Number.isFinite(s.value)) continue;
    const prev = before.get(seriesKey(s));
    delta += prev === undefined || !Number.isFinite(prev) ? s.value : s.value >= prev ? s.value - prev : s.value;
  }
  return delta;
}

export function sameOp(s: PromSample, op: string): boolean {
  return (s.labels['operation'] ?? '').toUpperCase() === op;
}

/**
 * Bucket increases of one histogram between two scrapes, summed over the series whose `operation` is `op`.
 * A series whose `_count` went down was reset, and its current buckets are the increase.
 */
export function histogramDelta(
  previous: ParsedMetrics,
  current: ParsedMetrics,
  bases: readonly string[],
  op: string,
): BucketMap | undefined {
  const base = bases.find((b) => current.samples.some((s) => s.name === `${b}_bucket`));
  if (!base) return undefined;
  const bucket = `${base}_bucket`;
  const countName = `${base}_count`;
  const prevCounts = new Map<string, number>();
  const prevBuckets = new Map<string, number>();
  for (const s of previous.samples) {
    if (!sameOp(s, op)) continue;
    if (s.name === countName) prevCounts.set(seriesKey({ ...s, name: base }), s.value);
    else if (s.name === bucket) prevBuckets.set(seriesKey(s), s.value);
  }
  const reset = new Set<string>();
  for (const s of current.samples) {
    if (s.name !== countName || !sameOp(s, op)) continue;
    const key = seriesKey({ ...s, name: base });
    const prev = prevCounts.get(key);
    if (prev !== undefined && s.value < prev) reset.add(key);
  }
  const out: BucketMap = new Map();
  for (const s of current.samples) {
    if (s.name !== bucket || !sameOp(s, op)) continue;
    const le = s.labels['le'] === undefined ? Number.NaN : Number(s.labels['le'] === '+Inf' ? Infinity : s.labels['le']);
    if (Number.isNaN(le) || !Number.isFinite(s.value)) continue;
    const prev = prevBuckets.get(seriesKey(s));
    const wasReset = reset.has(seriesKey({ ...s, name: base }, 'le'));
    const d = prev === undefined || wasReset ? s.value : Math.max(0, s.value - prev);
    out.set(le, (out.get(le) ?? 0) + d);
  }
  return out;
}

export function mergeBuckets(into: BucketMap, from: BucketMap): void {
  for (const [le, n] of from) into.set(le, (into.get(le) ?? 0) + n);
}

export function quantileOf(q: number, buckets: BucketMap): number {
  const les = [...buckets.keys()].sort((a, b) => a - b);
  const finite = les.filter((le) => Number.isFinite(le));
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? (les.length ? buckets.get(les[les.length - 1]!)! : 0);
  return histogramQuantile(
    q,
    finite,
    finite.map((le) => buckets.get(le)!),
    total,
  );
}
