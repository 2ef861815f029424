// The checks every option is made of: each throws LH_INVALID_OPTION naming the option and what it must be,
// showing the value given (never a metadata value: it may be a secret).
import { LoadhouseError } from './errors.js';
import { MAX_TIMEOUT_SECONDS, MAX_TIMER_MS } from './timers.js';

/**
 * True when `pid` is a process on this machine. Signal 0 checks without sending anything; EPERM means the
 * process exists but belongs to another user, which is still measurable from /proc.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function fmt(v: unknown): string {
  // A 5000-character value would bury the message: its start and its length say enough.
  if (typeof v === 'string') return v.length > 80 ? `${JSON.stringify(v.slice(0, 40))}... (${v.length} characters)` : JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

export function invalid(name: string, rule: string, v: unknown): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `${name} must be ${rule}, got ${fmt(v)}`, {
    details: { option: name, value: typeof v === 'object' ? undefined : v },
  });
}

/**
 * gRPC sends metadata values as HTTP/2 header values: printable ASCII only (grpc-js throws, printing the value,
 * at the first call otherwise). The value is often a credential, so the error names the position, never the value.
 */
export function checkMetadataValue(name: string, value: string): void {
  const at = value.search(/[^\x20-\x7e]/);
  if (at < 0) return;
  const code = value.codePointAt(at)!;
  const what =
    code === 0x0a || code === 0x0d ? 'a line break' : code < 0x20 || code === 0x7f ? 'a control character' : 'a non-ASCII character';
  throw new LoadhouseError(
    'LH_INVALID_OPTION',
    `${name} has ${what} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at position ${at + 1} of ${value.length}: ` +
      'gRPC metadata values must be printable ASCII. The value is not shown, as it may be a secret.',
    { details: { option: name } },
  );
}

/** Metadata keys as gRPC accepts them (letters, digits, `-`, `_`, `.`; grpc-js lower-cases them before sending). */
export function checkMetadataKey(name: string, key: string): void {
  if (!/^[0-9a-z_.-]+$/.test(key.toLowerCase())) throw invalid(name, 'a metadata key of letters, digits, "-", "_" or "."', key);
}

export function positiveNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalid(name, 'a positive number', v);
  return v;
}
export function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(name, 'a number >= 0', v);
  return v;
}
export function positiveInt(name: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw invalid(name, 'a positive integer', v);
  if (v > max) throw invalid(name, `an integer no greater than ${max}`, v);
  return v;
}
/**
 * A timeout or period in ms that a single timer holds: weeks-long timeouts are mistakes (seconds given as
 * ms, a unit slip), and a longer setTimeout would fire at once.
 */
export function timerMs(name: string, v: unknown, allowZero = false): number {
  const ms = allowZero ? nonNegative(name, v) : positiveNumber(name, v);
  if (ms > MAX_TIMER_MS) throw invalid(name, `at most ${MAX_TIMER_MS} ms (24.8 days; a timer cannot wait longer)`, v);
  return ms;
}
export function timerSeconds(name: string, v: unknown): number {
  const seconds = positiveNumber(name, v);
  if (seconds > MAX_TIMEOUT_SECONDS) throw invalid(name, `at most ${MAX_TIMEOUT_SECONDS} s (24.8 days; a timer cannot wait longer)`, v);
  return seconds;
}
export function optional<T>(v: T | undefined, f: (v: T) => T, dflt: T): T {
  return v === undefined ? dflt : f(v);
}

export function checkKeys(name: string, obj: object, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new LoadhouseError('LH_INVALID_OPTION', `${name}.${k} is not an option loadhouse knows (known: ${allowed.join(', ')})`, {
        details: { option: `${name}.${k}` },
      });
    }
  }
}

/** `options.arrivals`: evenly spaced (the default) or Poisson. */
export function resolveArrivals(v: unknown): 'uniform' | 'poisson' {
  if (v === undefined) return 'uniform';
  if (v !== 'uniform' && v !== 'poisson') throw invalid('options.arrivals', "'uniform' or 'poisson'", v);
  return v;
}
