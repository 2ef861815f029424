// A synchronised start (`startAt`, `--start-at`): every shard of a run waits, connected and ready, for one
// wall-clock instant and starts its schedule then, so the shards' windows line up when they are merged.
import { LoadhouseError } from './errors.js';

/** A start this far in the past still starts at once: launching a shard takes a moment. Older is a stale command line. */
export const START_AT_PAST_TOLERANCE_MS = 5_000;
/** Further ahead is a typo (a wrong day or time zone), not a plan: the process would sit idle for days. */
export const START_AT_MAX_AHEAD_MS = 24 * 3_600_000;
/** Longest single timer: Node fires a timer over 2^31-1 ms at once, and a log line per chunk shows the wait goes on. */
const WAIT_CHUNK_MS = 10 * 60_000;

/** An explicit zone is required: a local time means a different instant on each machine. */
const ISO_WITH_ZONE = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i;

export function formatWait(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * The instant (epoch ms) of a start time given as a Date or an ISO 8601 string with a zone. Throws
 * LH_INVALID_OPTION, naming `name`, when it is malformed, more than START_AT_PAST_TOLERANCE_MS in the past
 * or more than START_AT_MAX_AHEAD_MS ahead.
 */
export function resolveStartAt(name: string, value: unknown, nowMs: number = Date.now()): number {
  const example = new Date(Math.ceil((nowMs + 120_000) / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');
  const fail = (why: string) =>
    new LoadhouseError('LH_INVALID_OPTION', `${name} ${why}; give the same coming instant to every shard, e.g. ${example}`, {
      details: { option: name, value: typeof value === 'string' ? value : undefined },
    });
  let epoch: number;
  if (value instanceof Date) epoch = value.getTime();
  else if (typeof value === 'string' && ISO_WITH_ZONE.test(value.trim())) epoch = Date.parse(value.trim());
  else throw fail(`must be an ISO 8601 time with a zone (Z or +hh:mm), got ${JSON.stringify(value)}`);
  if (!Number.isFinite(epoch)) throw fail(`is not a valid time, got ${value instanceof Date ? 'an Invalid Date' : JSON.stringify(value)}`);
  if (epoch < nowMs - START_AT_PAST_TOLERANCE_MS) {
    const allowed = `at most ${START_AT_PAST_TOLERANCE_MS / 1000} s is allowed`;
    throw fail(`${new Date(epoch).toISOString()} is ${formatWait(nowMs - epoch)} in the past (${allowed})`);
  }
  if (epoch > nowMs + START_AT_MAX_AHEAD_MS) {
    const allowed = `at most ${START_AT_MAX_AHEAD_MS / 3_600_000} h is allowed`;
    throw fail(`${new Date(epoch).toISOString()} is ${formatWait(epoch - nowMs)} ahead (${allowed})`);
  }
  return epoch;
}

/**
 * Waits until `epochMs` on the wall clock, in chunks (timers cannot be longer than 2^31-1 ms, and each
 * chunk logs that the wait goes on). Resolves early when `signal` aborts: the caller then ends the run.
 */
export async function waitUntil(
  epochMs: number,
  signal: AbortSignal,
  log: (message: string) => void,
  now: () => number = Date.now,
): Promise<void> {
  const at = new Date(epochMs).toISOString();
  const late = now() - epochMs;
  if (late > 0) {
    log(
      `started ${formatWait(late)} after the synchronised start time ${at} (setting up took that long): other shards may have started sooner`,
    );
    return;
  }
  log(`waiting ${formatWait(epochMs - now())} for the synchronised start time ${at}`);
  while (!signal.aborted) {
    const left = epochMs - now();
    if (left <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(left, WAIT_CHUNK_MS));
      signal.addEventListener('abort', done, { once: true });
    });
    const still = epochMs - now();
    if (!signal.aborted && still > 0) log(`still waiting ${formatWait(still)} for the synchronised start time ${at}`);
  }
}
