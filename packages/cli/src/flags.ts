// The CLI's flags as data: parsed, validated and documented (help text and docs/cli.md) from this one table.
import { isValidTopicName, LoadhouseError, MAX_PRODUCE_RATE, MAX_TIMEOUT_SECONDS, TOPIC_NAME_RULE } from '@loadhouse/core';

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

const MiB = 1024 * 1024;

/** `--no-color`: cac reads it as `color: false` (see rawFlag). */
export const NO_COLOR_FLAG: FlagSpec = {
  name: 'no-color',
  kind: 'boolean',
  group: 'output',
  description: 'No colour in the output (also NO_COLOR=1; FORCE_COLOR=1 forces it where there is no terminal)',
};

export const SCENARIO_FLAGS: FlagSpec[] = [
  {
    name: 'duration',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    description: 'How long the scenario runs (consumer-lag: both phases together)',
  },
  {
    name: 'target-rate',
    kind: 'number',
    value: '<rate>',
    unit: 'rate',
    min: 0,
    exclusiveMin: true,
    max: MAX_PRODUCE_RATE,
    group: 'scenario',
    description: 'Records per second to produce, across all producers (at most 1G: beyond it counts lose precision)',
  },
  { name: 'partitions', kind: 'integer', value: '<n>', min: 1, max: 10000, group: 'scenario', description: 'Partitions of the test topic' },
  {
    name: 'message-size',
    kind: 'integer',
    value: '<bytes>',
    min: 1,
    max: 64 * MiB,
    group: 'scenario',
    description: 'Size of each record value in bytes, the loadhouse record header included',
  },
  {
    name: 'producer-count',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'scenario',
    description: 'many-producers: number of concurrent producers',
  },
  {
    name: 'messages-per-producer',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'scenario',
    description: 'many-producers: records each producer sends before it completes',
  },
  {
    name: 'p99-ms',
    kind: 'number',
    value: '<ms>',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    description: "P99 latency criterion, your SLO in place of the plan's",
  },
  {
    name: 'produce-rate',
    kind: 'number',
    value: '<rate>',
    unit: 'rate',
    min: 0,
    exclusiveMin: true,
    max: MAX_PRODUCE_RATE,
    group: 'scenario',
    description: 'consumer-lag: produce rate of phase 1, records per second',
  },
  {
    name: 'consume-rate',
    kind: 'number',
    value: '<rate>',
    unit: 'rate',
    min: 0,
    exclusiveMin: true,
    group: 'scenario',
    description: 'consumer-lag: consume rate of phase 1, records per second',
  },
];

export const RUN_FLAGS: FlagSpec[] = [
  {
    name: 'config',
    kind: 'string',
    value: '<file>',
    group: 'run',
    description: 'A loadhouse.config.ts (defineConfig): target, plugins, scenario and engine options; flags override it',
  },
  {
    name: 'target',
    kind: 'string',
    value: '<host:port>',
    group: 'target',
    description: 'gRPC address of the StreamHouse server or agent; without it loadhouse starts the embedded reference agent',
  },
  {
    name: 'http-target',
    kind: 'string',
    value: '<url>',
    group: 'target',
    description: 'HTTP base address of the --target (/health, /ready, /metrics), e.g. http://host:8080; the embedded agent serves its own',
  },
  {
    name: 'org',
    kind: 'string',
    value: '<id>',
    group: 'target',
    description: 'Organization id sent as x-organization-id (printable ASCII)',
  },
  {
    name: 'target-pid',
    kind: 'integer',
    value: '<pid>',
    min: 1,
    group: 'target',
    description: 'PID of the --target process on this machine, for its RSS and CPU (automatic for the embedded agent)',
  },
  {
    name: 'connect-timeout',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    max: MAX_TIMEOUT_SECONDS,
    group: 'target',
    description: 'Seconds to wait for the target to accept a connection',
    default: 5,
  },
  {
    name: 'ready-timeout',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    max: MAX_TIMEOUT_SECONDS,
    group: 'target',
    description: 'Seconds to wait for /ready to answer 200 before the run',
    default: 30,
  },
  { name: 'tls-ca', kind: 'string', value: '<file>', group: 'target', description: 'PEM CA file: connect with TLS' },
  { name: 'tls-cert', kind: 'string', value: '<file>', group: 'target', description: 'PEM client certificate for mutual TLS' },
  { name: 'tls-key', kind: 'string', value: '<file>', group: 'target', description: 'PEM client key for mutual TLS' },
  {
    name: 'auth-token',
    kind: 'string',
    value: '<token>',
    group: 'target',
    description: 'Bearer token sent as authorization metadata (or LOADHOUSE_AUTH_TOKEN): printable ASCII, a trailing line break is dropped',
  },
  {
    name: 'topic',
    kind: 'string',
    value: '<name>',
    rule: { valid: isValidTopicName, text: TOPIC_NAME_RULE },
    group: 'run',
    description: `Topic to use, ${TOPIC_NAME_RULE} (default loadhouse-<scenario>)`,
  },
  {
    name: 'ack-mode',
    kind: 'string',
    value: '<mode>',
    choices: ['buffered', 'durable', 'none'],
    group: 'producer',
    description: 'ProduceBatch ack mode',
    default: 'buffered',
  },
  {
    name: 'batch-size',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'producer',
    description: 'Records per ProduceBatch call; a full batch must fit the 4 MiB request a StreamHouse server accepts',
    default: 100,
  },
  {
    name: 'linger-ms',
    kind: 'number',
    value: '<ms>',
    min: 0,
    group: 'producer',
    description: 'Longest a record waits for its batch to fill',
    default: 5,
  },
  {
    name: 'max-in-flight',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'producer',
    description: 'Batches in flight per producer',
    default: 16,
  },
  {
    name: 'producers',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'producer',
    description: 'Producers sharing the rate (default: one per partition)',
  },
  {
    name: 'consumers',
    kind: 'integer',
    value: '<n>',
    min: 0,
    group: 'consumer',
    description: 'Consumers (high-throughput: 0; consumer-lag and stability: one per partition)',
  },
  {
    name: 'workers',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'run',
    description:
      'Worker threads generating load (default: one per core, at most the producer count; one core fewer with the embedded agent, which needs its own)',
  },
  {
    name: 'connections',
    kind: 'integer',
    value: '<n>',
    min: 1,
    max: 64,
    group: 'run',
    description: 'gRPC connections per worker (max_connections_per_agent)',
    default: 2,
  },
  {
    name: 'warmup',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    group: 'run',
    description:
      'Seconds at the start excluded from the results (default: 3, at most a fifth of the run: the cold start measured in docs/measuring.md; 0 counts every record)',
  },
  {
    name: 'abort-on-fail',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    group: 'run',
    description: 'Abort when a live criterion fails for this many seconds (0 = never)',
    default: 0,
  },
  {
    name: 'shard',
    kind: 'string',
    value: '<i/n>',
    group: 'run',
    description: 'Run shard i of n (0-based): rate, producers, consumers and partitions are split deterministically',
  },
  {
    name: 'shards',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'run',
    description: 'Number of shards; the index comes from LOADHOUSE_SHARD_INDEX or JOB_COMPLETION_INDEX (Kubernetes Indexed Job)',
  },
  {
    name: 'run-id',
    kind: 'string',
    value: '<id>',
    group: 'run',
    description: 'Label stored in the result; shards of one run must share it for loadhouse merge',
  },
  {
    name: 'start-at',
    kind: 'string',
    value: '<ISO time>',
    group: 'run',
    description:
      'Set up and connect, then wait until this instant (ISO 8601 with a zone, e.g. 2026-12-02T14:00:00Z; at most 5 s past, 24 h ahead) ' +
      'to start: shards given the same time run the same window',
  },
  { name: 'results-dir', kind: 'string', value: '<dir>', group: 'output', description: 'Folder for the result JSON', default: 'results' },
  { name: 'html', kind: 'boolean', group: 'output', description: 'Also write a single-file HTML report next to the result JSON' },
  { name: 'json', kind: 'boolean', group: 'output', description: 'Print the result JSON to stdout instead of the summary' },
  { name: 'quiet', kind: 'boolean', group: 'output', description: 'No progress lines' },
  NO_COLOR_FLAG,
  {
    name: 'prometheus-port',
    kind: 'integer',
    value: '<port>',
    min: 0,
    max: 65535,
    group: 'plugins',
    description: "Expose loadhouse's metrics for Prometheus on this port (0 = a free one)",
  },
  {
    name: 'prometheus-host',
    kind: 'string',
    value: '<host>',
    group: 'plugins',
    description: 'Interface the Prometheus endpoint binds (0.0.0.0 lets a remote Prometheus scrape; needs --prometheus-port)',
    default: '127.0.0.1',
  },
  {
    name: 'prometheus-linger',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    max: MAX_TIMEOUT_SECONDS,
    group: 'plugins',
    description:
      'Keep the Prometheus endpoint open this long after the summary, so a scrape takes the last interval (needs --prometheus-port)',
    default: 15,
  },
  {
    name: 'label',
    kind: 'string',
    value: '<name=value>',
    repeatable: true,
    group: 'run',
    description: 'Label of the run, stored in the result and put on every Prometheus series (repeatable: --label env=ci --label team=perf)',
  },
  {
    name: 'skip-scrape',
    kind: 'boolean',
    group: 'plugins',
    description: "Do not scrape the target's /metrics (cache hit rate, S3 latency, memory)",
  },
  {
    name: 's3-endpoint',
    kind: 'string',
    value: '<url>',
    group: 'plugins',
    description: 'Probe this S3 endpoint (PUT/GET/LIST latency, throttling, segment growth)',
  },
  {
    name: 's3-bucket',
    kind: 'string',
    value: '<name>',
    group: 'plugins',
    description: 'Bucket the target writes segments to',
    default: 'streamhouse',
  },
  {
    name: 's3-prefix',
    kind: 'string',
    value: '<prefix>',
    group: 'plugins',
    description: 'Segment key prefix (default data/, or org-<id>/data/)',
  },
  { name: 's3-region', kind: 'string', value: '<region>', group: 'plugins', description: 'S3 region', default: 'us-east-1' },
  {
    name: 's3-probe-interval',
    kind: 'number',
    value: '<duration>',
    unit: 'duration',
    min: 0,
    exclusiveMin: true,
    group: 'plugins',
    description: 'Seconds between S3 probes',
    default: 5,
  },
  {
    name: 'agent-storage',
    kind: 'string',
    value: '<dir>',
    group: 'agent',
    description: 'Embedded agent: keep segments in this folder (default: a temporary one, removed after the run)',
  },
  {
    name: 'agent-s3-endpoint',
    kind: 'string',
    value: '<url>',
    group: 'agent',
    description:
      'Embedded agent: store segments in this S3-compatible endpoint (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); the S3 probe follows it',
  },
  {
    name: 'agent-s3-bucket',
    kind: 'string',
    value: '<name>',
    group: 'agent',
    description: 'Embedded agent: bucket for --agent-s3-endpoint',
    default: 'streamhouse-data',
  },
  {
    name: 'agent-retention-ms',
    kind: 'integer',
    value: '<ms>',
    min: 1,
    group: 'agent',
    description:
      'Embedded agent: delete stored segments this long after they were stored (default: keep everything; a long run writes target rate x message size to disk)',
  },
  {
    name: 'agent-produce-latency-ms',
    kind: 'string',
    value: '<ms|min-max>',
    group: 'agent',
    description: 'Embedded agent fault: added latency per ProduceBatch',
  },
  {
    name: 'agent-stall',
    kind: 'string',
    value: '<from-to>',
    group: 'agent',
    description: 'Embedded agent fault: hold produce calls between these seconds (from the first produce)',
  },
  {
    name: 'agent-drop-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description: 'Embedded agent fault: silently lose every Nth record per partition',
  },
];

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
export function readFlags(specs: FlagSpec[], raw: Record<string, unknown>): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = {};
  for (const spec of specs) {
    const key = camel(spec.name);
    // cac camel-cases only letter-dash-letter (`s3-endpoint` stays as is): accept both spellings.
    out[key] = coerceFlag(spec, rawFlag(raw, spec));
  }
  return out;
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
