// Parser for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text, as scraped from a target's /metrics.
// Written here because the npm parsers are unmaintained and do not read OpenMetrics; a malformed line is skipped and counted, never thrown.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'gaugehistogram' | 'stateset' | 'info';

const METRIC_TYPES = new Set<string>([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'gaugehistogram',
  'stateset',
  'info',
]);

/** One sample line: `name{labels} value [timestamp]`. Exemplars are dropped. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** As written: milliseconds in the Prometheus format, seconds in OpenMetrics. */
  timestamp?: number;
}

export interface MetricFamily {
  /** The family name from `# TYPE` (OpenMetrics counters: without `_total`), or the sample name when undeclared. */
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
  samples: PromSample[];
}

export interface ParseError {
  /** 1-based line number. */
  line: number;
  reason: string;
  /** The line, cut to 200 characters. */
  text: string;
}

export interface ParsedMetrics {
  format: 'openmetrics' | 'prometheus';
  families: Map<string, MetricFamily>;
  /** Every sample in document order (OpenMetrics `_created` samples excluded). */
  samples: PromSample[];
  /** Lines skipped because they could not be read. */
  malformed: number;
  /** The first `maxErrors` malformed lines, for diagnostics. */
  errors: ParseError[];
  /** True when the document ended with OpenMetrics' `# EOF`. */
  eof: boolean;
}

export interface ParseOptions {
  /** How many malformed lines to keep in `errors` (all are counted). Default 20. */
  maxErrors?: number;
  /** The response's Content-Type, if known; `application/openmetrics-text` selects OpenMetrics. */
  contentType?: string | null;
}

// Suffixes a sample may carry beyond its family name, by family type.
const SUFFIXES: Record<string, readonly string[]> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
};

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Reads a sample value the way Prometheus does: decimal floats, `NaN`, `+Inf`, `-Inf` (case-insensitive). */
export function parseValue(token: string): number | undefined {
  if (FLOAT.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

class LineError extends Error {}

/** Parses a /metrics document. Never throws on content; bad lines are counted in `malformed`. */
export function parseMetricsText(text: string, options: ParseOptions = {}): ParsedMetrics {
  const maxErrors = options.maxErrors ?? 20;
  const openMetricsHeader = /application\/openmetrics-text/i.test(options.contentType ?? '');
  const families = new Map<string, MetricFamily>();
  const samples: PromSample[] = [];
  const errors: ParseError[] = [];
  let malformed = 0;
  let eof = false;
  let afterEof = false;

  const fail = (line: number, raw: string, reason: string): void => {
    malformed++;
    if (errors.length < maxErrors) errors.push({ line, reason, text: raw.length > 200 ? `${raw.slice(0, 200)}…` : raw });
  };

  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '') continue;
    if (eof) {
      if (!afterEof) fail(i + 1, raw, 'content after # EOF');
      afterEof = true;
      continue;
    }
    try {
      if (raw.startsWith('#')) {
        const comment = readComment(raw);
        if (!comment) continue; // a plain comment
        if (comment.kind === 'EOF') {
          eof = true;
          continue;
        }
        const f = family(comment.name);
        if (comment.kind === 'TYPE') {
          if (!METRIC_TYPES.has(comment.value)) throw new LineError(`unknown metric type "${comment.value}"`);
          if (f.type !== 'untyped' && f.type !== comment.value) throw new LineError(`second TYPE for ${comment.name}`);
          f.type = comment.value as MetricType;
        } else if (comment.kind === 'HELP') {
          f.help = unescapeHelp(comment.value);
        } else {
          f.unit = comment.value;
        }
        continue;
      }
      const sample = readSample(raw);
      const owner = ownerFamily(families, sample.name);
      if (owner && sample.name === `${owner.name}_created` && owner.type !== 'gauge' && owner.type !== 'untyped') {
        continue; // OpenMetrics creation timestamps are not values
      }
      (owner ?? family(sample.name)).samples.push(sample);
      samples.push(sample);
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      fail(i + 1, raw, err.message);
    }
  }

  return { format: eof || openMetricsHeader ? 'openmetrics' : 'prometheus', families, samples, malformed, errors, eof };
}

function ownerFamily(families: Map<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  const exact = families.get(sampleName);
  if (exact && exact.type !== 'untyped') return exact;
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!sampleName.endsWith(suffix)) continue;
      const f = families.get(sampleName.slice(0, -suffix.length));
      if (f && f.type === type) return f;
    }
  }
  return exact;
}

type Comment = { kind: 'EOF' } | { kind: 'TYPE' | 'HELP' | 'UNIT'; name: string; value: string };

function readComment(raw: string): Comment | undefined {
  const m = /^#\s*(HELP|TYPE|UNIT|EOF)(?:\s+(.*))?$/.exec(raw);
  if (!m) return undefined;
  const kind = m[1] as 'HELP' | 'TYPE' | 'UNIT' | 'EOF';
  if (kind === 'EOF') {
    if (m[2] && m[2].trim() !== '') throw new LineError('text after # EOF');
    return { kind };
  }
  const rest = m[2] ?? '';
  const nm = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*)|\s*)$/.exec(rest);
  if (!nm) throw new LineError(`# ${kind} without a valid metric name`);
  const value = nm[2] ?? '';
  if (kind === 'TYPE') return { kind, name: nm[1]!, value: value.trim() };
  return { kind, name: nm[1]!, value };
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n|")/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** A character scanner over one sample line. */
function readSample(line: string): PromSample {
  let pos = 0;
  const n = line.length;
  const skipSpace = (): void => {
    while (pos < n && (line[pos] === ' ' || line[pos] === '\t')) pos++;
  };
  const readName = (): string => {
    const start = pos;
    if (pos >= n || !NAME_START.test(line[pos]!)) throw new LineError('expected a metric or label name');
    pos++;
    while (pos < n && NAME_CHAR.test(line[pos]!)) pos++;
    return line.slice(start, pos);
  };
  const readQuoted = (): string => {
    if (line[pos] !== '"') throw new LineError('expected a quoted string');
    pos++;
    let out = '';
    while (pos < n) {
      const c = line[pos]!;
      if (c === '"') {
        pos++;
        return out;
      }
      if (c === '\\') {
        const next = line[pos + 1];
        if (next === undefined) break;
        out += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : `\\${next}`;
        pos += 2;
        continue;
      }
      out += c;
      pos++;
    }
    throw new LineError('unterminated label value');
  };

  let name: string | undefined;
  if (line[pos] !== '{') name = readName();
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      skipSpace();
      if (line[pos] === '}') {
        pos++;
        break;
      }
      // Prometheus 3 / OpenMetrics 2 allow a quoted metric name or label name inside the braces.
      const quoted = line[pos] === '"';
      const key = quoted ? readQuoted() : readName();
      skipSpace();
      if (quoted && name === undefined && (line[pos] === ',' || line[pos] === '}')) {
        name = key;
      } else {
        if (line[pos] !== '=') throw new LineError(`expected "=" after label ${key}`);
        pos++;
        skipSpace();
        if (Object.hasOwn(labels, key)) throw new LineError(`duplicate label ${key}`);
        labels[key] = readQuoted();
        skipSpace();
      }
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] === '}') {
        pos++;
        break;
      }
      throw new LineError('expected "," or "}" in label set');
    }
  }
  if (name === undefined) throw new LineError('sample without a metric name');
  if (line[pos] !== ' ' && line[pos] !== '\t') throw new LineError('expected a space before the value');
  skipSpace();
  const rest = line.slice(pos);
  // An OpenMetrics exemplar starts at " # "; it is ignored.
  const hash = rest.indexOf('#');
  const fields = (hash >= 0 ? rest.slice(0, hash) : rest).trim().split(/[ \t]+/);
  if (hash >= 0 && !/^#\s*\{/.test(rest.slice(hash))) throw new LineError('unexpected text after the value');
  if (fields.length === 0 || fields[0] === '' || fields.length > 2) throw new LineError('expected a value and an optional timestamp');
  const value = parseValue(fields[0]!);
  if (value === undefined) throw new LineError(`invalid value "${fields[0]}"`);
  const sample: PromSample = { name, labels, value };
  if (fields.length === 2) {
    const ts = parseValue(fields[1]!);
    if (ts === undefined || !Number.isFinite(ts)) throw new LineError(`invalid timestamp "${fields[1]}"`);
    sample.timestamp = ts;
  }
  return sample;
}

/** The samples named `name` whose labels include every pair of `match`. */
export function selectSamples(parsed: ParsedMetrics, name: string, match: Record<string, string> = {}): PromSample[] {
  const keys = Object.keys(match);
  return parsed.samples.filter((s) => s.name === name && keys.every((k) => s.labels[k] === match[k]));
}
