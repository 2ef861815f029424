// The fault timeline: its text form (`blackhole@30s+10s, latency@60s+20s=50ms, reset@90s`) parsed into specs,
// checked before any load, and the schedule that turns the specs into what is active at each instant.
import { LoadhouseError } from '../errors.js';
import type { FaultKind, FaultSpec } from '../types/faults.js';

export const FAULT_KINDS: readonly FaultKind[] = ['blackhole', 'latency', 'reset', 's3-throttle', 's3-latency', 's3-blackhole'];
/** Kinds the TCP proxy in front of the gRPC port applies; the others belong to the S3 proxy. */
export const TCP_FAULT_KINDS: ReadonlySet<FaultKind> = new Set(['blackhole', 'latency', 'reset']);

/** What each kind's parameter is: required, or not taken at all. */
const PARAMETER: Record<FaultKind, 'delay' | 'fraction' | 'none'> = {
  blackhole: 'none',
  latency: 'delay',
  reset: 'none',
  's3-throttle': 'fraction',
  's3-latency': 'delay',
  's3-blackhole': 'none',
};

const TIME = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function invalid(what: string, segment: string, why: string): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `${what}: "${segment}" ${why}`, { details: { option: what, value: segment } });
}

/** `30s`, `500ms`, `2m`; a bare number is in `bareUnit`. */
function parseTime(text: string, bareUnit: 'ms' | 's'): number | undefined {
  const m = TIME.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] ?? bareUnit]!;
}

function parseSegment(segment: string, what: string): FaultSpec {
  const m = /^([a-z0-9-]+)@([^+=]+)(?:\+([^=]+))?(?:=(.+))?$/.exec(segment);
  if (!m) throw invalid(what, segment, 'is not kind@start[+duration][=parameter] (e.g. blackhole@30s+10s, latency@60s+20s=50ms)');
  const kind = m[1] as FaultKind;
  if (!FAULT_KINDS.includes(kind)) throw invalid(what, segment, `has an unknown fault kind; use one of ${FAULT_KINDS.join(', ')}`);
  const startMs = parseTime(m[2]!, 's');
  if (startMs === undefined) throw invalid(what, segment, 'has a start that is not a time (30s, 1500ms, 2m; a bare number is seconds)');
  const durationMs = m[3] === undefined ? undefined : parseTime(m[3], 's');
  if (m[3] !== undefined && !(durationMs !== undefined && durationMs > 0)) {
    throw invalid(what, segment, 'has a duration that is not a positive time (10s, 500ms)');
  }
  if (durationMs === undefined && kind !== 'reset') throw invalid(what, segment, `needs a duration: ${kind}@start+duration`);
  const spec: FaultSpec = { kind, startMs, durationMs: durationMs ?? 0 };
  const kindOfParameter = PARAMETER[kind];
  if (kindOfParameter === 'none') {
    if (m[4] !== undefined) throw invalid(what, segment, `takes no parameter: ${kind} has nothing to set`);
    return spec;
  }
  if (m[4] === undefined) {
    throw invalid(
      what,
      segment,
      kindOfParameter === 'delay' ? 'needs a delay: =50ms' : 'needs the fraction of requests to refuse: =0.3 or =30%',
    );
  }
  if (kindOfParameter === 'delay') {
    const delay = parseTime(m[4], 'ms');
    if (delay === undefined || delay <= 0 || delay > 60_000) throw invalid(what, segment, 'has a delay that is not a time from 1ms to 60s');
    spec.parameter = delay;
  } else {
    const p = m[4].trim();
    const fraction = p.endsWith('%') ? Number(p.slice(0, -1)) / 100 : Number(p);
    if (!(fraction > 0 && fraction <= 1)) throw invalid(what, segment, 'has a fraction that is not in (0, 1] (0.3 or 30%)');
    spec.parameter = fraction;
  }
  return spec;
}

/**
 * Parses a timeline (`kind@start+duration=parameter`, comma separated, times from the start of the schedule) or
 * checks a list of specs; errors (LH_INVALID_OPTION) name the bad segment. Two faults of the same kind may not
 * overlap (which one's parameter would hold?).
 */
export function parseFaultTimeline(input: string | readonly (string | FaultSpec)[], what = 'faults'): FaultSpec[] {
  const items = typeof input === 'string' ? input.split(',') : input;
  const specs: FaultSpec[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      const segment = item.trim();
      if (segment === '') {
        if (typeof input === 'string' && input.trim() === '') throw invalid(what, input, 'is empty: give at least one fault');
        continue;
      }
      specs.push(parseSegment(segment, what));
    } else specs.push(checkSpec(item, what));
  }
  if (specs.length === 0) throw invalid(what, String(input), 'is empty: give at least one fault');
  specs.sort((a, b) => a.startMs - b.startMs);
  for (const [i, a] of specs.entries()) {
    const b = specs.slice(i + 1).find((s) => s.kind === a.kind && s.startMs < a.startMs + a.durationMs);
    if (b) throw invalid(what, describeFault(b), `overlaps ${describeFault(a)}: faults of one kind may not overlap`);
  }
  return specs;
}

function checkSpec(spec: FaultSpec, what: string): FaultSpec {
  if (typeof spec !== 'object' || spec === null)
    throw invalid(what, String(spec), 'is neither a timeline segment nor { kind, startMs, durationMs }');
  const text = `${spec.kind}@${spec.startMs}ms${spec.durationMs ? `+${spec.durationMs}ms` : ''}${
    spec.parameter === undefined ? '' : `=${PARAMETER[spec.kind] === 'delay' ? `${spec.parameter}ms` : spec.parameter}`
  }`;
  if (!(Number.isFinite(spec.startMs) && spec.startMs >= 0 && Number.isFinite(spec.durationMs ?? 0))) {
    throw invalid(what, text, 'needs startMs >= 0 and a finite durationMs');
  }
  return parseSegment(text, what);
}

/** The spec in the timeline's own syntax. */
export function describeFault(f: FaultSpec): string {
  const t = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  const param = f.parameter === undefined ? '' : PARAMETER[f.kind] === 'delay' ? `=${t(f.parameter)}` : `=${f.parameter}`;
  return `${f.kind}@${t(f.startMs)}${f.durationMs > 0 ? `+${t(f.durationMs)}` : ''}${param}`;
}

export interface FaultEvent {
  type: 'start' | 'end';
  fault: FaultSpec;
  /** Milliseconds since the schedule started. */
  atMs: number;
}

/**
 * The timeline running: timers fire each fault's start and end, and `active(kind)` answers what holds now.
 * Listeners run in the order added (the proxies first: they act on the event, then others report it).
 */
export class FaultSchedule {
  private readonly active_ = new Map<FaultKind, FaultSpec>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly listeners: Array<(e: FaultEvent) => void> = [];
  private startedAt: number | undefined;

  constructor(readonly faults: readonly FaultSpec[]) {}

  onEvent(listener: (e: FaultEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Starts the clock of the timeline (once); `now` is performance.now() at the start. */
  start(now = performance.now()): void {
    if (this.startedAt !== undefined) return;
    this.startedAt = now;
    for (const f of this.faults) {
      this.at(f.startMs, () => {
        if (f.durationMs > 0) this.active_.set(f.kind, f);
        this.emit({ type: 'start', fault: f, atMs: f.startMs });
      });
      this.at(f.startMs + f.durationMs, () => {
        if (this.active_.get(f.kind) === f) this.active_.delete(f.kind);
        this.emit({ type: 'end', fault: f, atMs: f.startMs + f.durationMs });
      });
    }
  }

  get started(): boolean {
    return this.startedAt !== undefined;
  }

  /** The fault of this kind in force now, if any. */
  active(kind: FaultKind): FaultSpec | undefined {
    return this.active_.get(kind);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    this.active_.clear();
  }

  private at(ms: number, fn: () => void): void {
    const t = setTimeout(fn, Math.max(0, this.startedAt! + ms - performance.now()));
    t.unref();
    this.timers.push(t);
  }

  private emit(e: FaultEvent): void {
    for (const l of this.listeners) l(e);
  }
}
