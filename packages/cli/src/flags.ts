// The CLI's flags as data: each command's table (in its own module) is parsed, validated and documented (help
// text and docs/cli.md) by the functions here, and its values are typed from the table itself.
import { LoadhouseError } from '@loadhouse/core';

export type FlagKind = 'number' | 'integer' | 'string' | 'boolean';

export interface FlagSpec {
  /** kebab-case name without dashes (`target-rate`). */
  name: string;
  /** One-letter alias (`o` for `-o`). */
  alias?: string;
  kind: FlagKind;
  description: string;
  /** Default shown in --help and used when the flag is absent. */
  default?: string | number | boolean;
  /** Placeholder in help (`<n>`, `<host:port>`). */
  value?: string;
  /** Smallest accepted value for numbers. */
  min?: number;
  /** Strictly greater than `min` (e.g. rates). */
  exclusiveMin?: boolean;
  max?: number;
  /** Accepted values for strings. */
  choices?: readonly string[];
  /** A string's rule: what it must be when `valid` refuses it. */
  rule?: { valid: (value: string) => boolean; text: string };
  /** Numbers that take units: durations (`30s`, `5m`, `1h`, `7d`; plain = seconds) or rates (`10k`, `1.5M`). */
  unit?: 'duration' | 'rate';
  /** May be given several times; the value is then the list of texts given (strings only). */
  repeatable?: boolean;
  /** Help section. */
  group: 'scenario' | 'target' | 'producer' | 'consumer' | 'run' | 'output' | 'plugins' | 'agent';
}

/** A flag table with its literal names and kinds kept, so that readFlags can type its values. */
export function defineFlags<const F extends readonly FlagSpec[]>(flags: F): F {
  return flags;
}

/** The flags of `flags` named in `names`, in table order, their types kept. */
export function pickFlags<const F extends readonly FlagSpec[], const N extends F[number]['name']>(
  flags: F,
  names: readonly N[],
): Array<Extract<F[number], { name: N }>> {
  return flags.filter((f): f is Extract<F[number], { name: N }> => (names as readonly string[]).includes(f.name));
}

/** The flags of `flags` not named in `names`, in table order, their types kept. */
export function omitFlags<const F extends readonly FlagSpec[], const N extends F[number]['name']>(
  flags: F,
  names: readonly N[],
): Array<Exclude<F[number], { name: N }>> {
  return flags.filter((f): f is Exclude<F[number], { name: N }> => !(names as readonly string[]).includes(f.name));
}

/** The one flag of `flags` called `name`. */
export function flagNamed<const F extends readonly FlagSpec[], const N extends F[number]['name']>(
  flags: F,
  name: N,
): Extract<F[number], { name: N }> {
  return pickFlags(flags, [name])[0]!;
}

/** `--no-color`: cac reads it as `color: false` (see rawFlag). */
export const NO_COLOR_FLAG = {
  name: 'no-color',
  kind: 'boolean',
  group: 'output',
  description: 'No colour in the output (also NO_COLOR=1; FORCE_COLOR=1 forces it where there is no terminal)',
} as const satisfies FlagSpec;

/** `target-rate` -> `targetRate`, as camel() does at run time. */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type KindValue<K, Repeatable> = K extends 'boolean'
  ? boolean
  : K extends 'string'
    ? Repeatable extends true
      ? readonly string[]
      : string
    : number;
type SpecValue<S> = S extends { kind: infer K } ? KindValue<K, S extends { repeatable: true } ? true : false> : never;

/** The values readFlags gives for a table: camelCase keys, typed by kind, undefined where a flag has no default. */
export type FlagValuesOf<F extends readonly FlagSpec[]> = {
  [S in F[number] as Camel<S['name']>]: S extends { default: string | number | boolean } ? SpecValue<S> : SpecValue<S> | undefined;
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** How `<duration>` and `<rate>` values are written: in --help and docs/cli.md. */
export const UNITS_HELP =
  '<duration>: seconds, or with units: 500ms, 30s, 5m, 1h, 7d, 1h30m. <rate>: records per second, or with k, M, G: 10k, 1.5M.';

const SECONDS_PER: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ms|s|m|h|d))+$/;
const RATE = /^(\d+(?:\.\d*)?|\.\d+)([kMG])(?:\/s)?$/;
const PER_RATE_UNIT: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9 };

const UNIT_TEXT = {
  none: 'a number',
  duration: 'a number of seconds or a duration like 30s, 5m, 1h, 7d',
  rate: 'a number or a rate like 10k, 1.5M',
};

/** `5m`, `1h30m`, `500ms` in seconds; `10k`, `1.5M` as a number; NaN for anything else. */
function withUnit(unit: FlagSpec['unit'], text: string): number {
  if (unit === 'duration' && DURATION.test(text)) {
    let seconds = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)/g)) seconds += Number(m[1]) * SECONDS_PER[m[2]!]!;
    return seconds;
  }
  const rate = unit === 'rate' ? RATE.exec(text) : null;
  return rate ? Number(rate[1]) * PER_RATE_UNIT[rate[2]!]! : NaN;
}

/** A long value shown by its start and length, so one bad flag does not flood the terminal. */
function shown(value: string): string {
  return value.length > 80 ? `${JSON.stringify(value.slice(0, 40))}... (${value.length} characters)` : JSON.stringify(value);
}

function fail(flag: string, message: string): never {
  throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} ${message}`, { details: { flag } });
}

export type FlagValue = string | number | boolean | readonly string[] | undefined;

/** Converts one raw flag value to its typed form, or throws LH_INVALID_OPTION naming the flag. */
export function coerceFlag(spec: FlagSpec, raw: unknown): FlagValue {
  if (raw === undefined) return spec.default;
  if (spec.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    fail(spec.name, `takes no value, got ${JSON.stringify(raw)}`);
  }
  if (spec.repeatable && spec.kind === 'string')
    return (Array.isArray(raw) ? raw : [raw]).map((r) => coerceFlag({ ...spec, repeatable: false }, r) as string);
  if (Array.isArray(raw)) fail(spec.name, 'was given more than once');
  if (raw === true || raw === '') fail(spec.name, `needs a value ${spec.value ?? ''}`.trim());
  if (spec.kind === 'string') {
    const s = String(raw);
    if (spec.choices && !spec.choices.includes(s)) fail(spec.name, `must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(s)}`);
    if (spec.rule && !spec.rule.valid(s)) fail(spec.name, `must be ${spec.rule.text}, got ${shown(s)}`);
    return s;
  }
  // Decimal numbers only (underscores may group digits), with the flag's units: `0x10`, `1e` and `Infinity` are mistakes.
  const text = String(raw).replace(/_/g, '');
  const n = typeof raw === 'number' ? raw : DECIMAL.test(text) ? Number(text) : withUnit(spec.unit, text);
  if (!Number.isFinite(n)) fail(spec.name, `must be ${UNIT_TEXT[spec.unit ?? 'none']}, got ${JSON.stringify(raw)}`);
  if (spec.kind === 'integer' && !Number.isInteger(n)) fail(spec.name, `must be a whole number, got ${n}`);
  if (spec.min !== undefined) {
    if (spec.exclusiveMin ? n <= spec.min : n < spec.min)
      fail(spec.name, `must be ${spec.exclusiveMin ? '>' : '>='} ${spec.min}, got ${n}`);
  }
  if (spec.max !== undefined && n > spec.max) fail(spec.name, `must be <= ${spec.max}, got ${n}`);
  return n;
}

export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The key cac gives a flag: it camel-cases only letter-dash-letter (`s3-endpoint` stays as is). */
export function cacKey(name: string): string {
  return name.replace(/([a-z])-([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase());
}

/** A flag's parsed value under either key cac may have used (undefined when the flag was not given). */
export function rawFlag(raw: Record<string, unknown>, spec: FlagSpec): unknown {
  // cac turns `--no-x` into `x: false` (and defaults `x` to true): the flag was given when x is false.
  if (spec.name.startsWith('no-')) return raw[camel(spec.name.slice(3))] === false ? true : undefined;
  return raw[camel(spec.name)] ?? raw[cacKey(spec.name)];
}

/** The text the command line gave a flag (`--name v`, `--name=v`, `-a v`, `-a=v`; the last one wins). */
function rawValue(argv: readonly string[], spec: FlagSpec): string | undefined {
  const names = [`--${spec.name}`, ...(spec.alias ? [`-${spec.alias}`] : [])];
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    for (const n of names) {
      if (a === n && i + 1 < argv.length) found = argv[i + 1];
      else if (a.startsWith(`${n}=`)) found = a.slice(n.length + 1);
    }
  }
  return found;
}

/**
 * cac (through mri) turns number-like values into numbers, so `--org 0123` would arrive as 123 and `--partitions
 * 0x10` as 16. A valued flag given once whose value became a number takes its text from the command line
 * instead: strings stay as typed, and numbers are parsed by coerceFlag's rules.
 */
export function restoreRawValues(options: Record<string, unknown>, specs: readonly FlagSpec[], argv: readonly string[]): void {
  for (const spec of specs) {
    if (spec.kind === 'boolean') continue;
    for (const key of new Set([camel(spec.name), cacKey(spec.name)])) {
      // Only values cac turned into numbers: `true` means the flag had no value, which coerceFlag reports.
      if (typeof options[key] !== 'number') continue;
      const raw = rawValue(argv, spec);
      if (raw !== undefined) options[key] = raw;
    }
  }
}

/** Typed values of every flag in `specs`, keyed by camelCase name, defaults applied. */
export function readFlags<const F extends readonly FlagSpec[]>(specs: F, raw: Record<string, unknown>): FlagValuesOf<F> {
  const out: Record<string, FlagValue> = {};
  for (const spec of specs) {
    const key = camel(spec.name);
    // cac camel-cases only letter-dash-letter (`s3-endpoint` stays as is): accept both spellings.
    out[key] = coerceFlag(spec, rawFlag(raw, spec));
  }
  return out as FlagValuesOf<F>;
}

/** The shard this process runs, from `--shard i/n`, or `--shards n` plus the index from the environment. */
export function shardFromFlags(v: Record<string, unknown>, env: NodeJS.ProcessEnv): { index: number; count: number } | undefined {
  if (typeof v.shard === 'string') {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard.trim());
    const index = m ? Number(m[1]) : NaN;
    const count = m ? Number(m[2]) : NaN;
    if (!m || count < 1 || index >= count) {
      throw new LoadhouseError('LH_INVALID_OPTION', `--shard must be i/n with 0 <= i < n (e.g. 0/4), got ${JSON.stringify(v.shard)}`, {
        details: { flag: 'shard' },
      });
    }
    if (typeof v.shards === 'number' && v.shards !== count) {
      throw new LoadhouseError('LH_INVALID_OPTION', `--shards ${v.shards} disagrees with --shard ${v.shard}`, {
        details: { flag: 'shards' },
      });
    }
    return { index, count };
  }
  if (typeof v.shards === 'number') {
    const raw = env.LOADHOUSE_SHARD_INDEX ?? env.JOB_COMPLETION_INDEX;
    const index = raw === undefined ? NaN : Number(raw);
    if (!Number.isInteger(index) || index < 0 || index >= v.shards) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `--shards ${v.shards} needs a shard index 0..${v.shards - 1}: --shard i/${v.shards}, or LOADHOUSE_SHARD_INDEX or JOB_COMPLETION_INDEX in the environment (got ${raw === undefined ? 'neither' : JSON.stringify(raw)})`,
        { details: { flag: 'shards' } },
      );
    }
    return { index, count: v.shards };
  }
  return undefined;
}

/** Edits (insert, delete, substitute) between two strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate a mistyped name most likely meant (`target-rat` -> `target-rate`, `targetRate` -> `target-rate`),
 * or undefined when none is close: a wrong guess would mislead more than no guess.
 */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const norm = (x: string) => x.toLowerCase().replace(/[-_]/g, '');
  let best: { name: string; distance: number } | undefined;
  for (const c of candidates) {
    const distance = norm(c) === norm(typed) ? 0 : editDistance(typed.toLowerCase(), c);
    if (distance <= Math.max(1, Math.floor(c.length / 4)) && (!best || distance < best.distance)) best = { name: c, distance };
  }
  return best?.name;
}
