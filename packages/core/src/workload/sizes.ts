// Record sizes: one fixed size (the fast path: frames laid out once) or a distribution drawn per record from a
// producer's seeded stream. Sizes count the whole value, the loadhouse header included, so no size may be smaller
// than the header when records are instrumented. A `file:` list is read here, on the main thread, when the
// options are validated, and travels to the workers as numbers.
import { readFileSync } from 'node:fs';
import { LoadhouseError } from '../errors.js';

/** The largest size a distribution draws: a lognormal's tail is cut here (a record of 1 MiB is already rare). */
export const MAX_DRAWN_SIZE = 1024 * 1024;

export type SizeDistribution =
  | { kind: 'fixed'; size: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'lognormal'; median: number; sigma: number; min: number; max: number }
  | { kind: 'list'; sizes: number[]; source: string };

const SIZE_RULE = "a size in bytes, 'uniform:MIN-MAX', 'lognormal:MEDIAN:SIGMA' or 'file:PATH' (one size a line)";

function bad(name: string, spec: unknown, why: string): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `${name} must be ${SIZE_RULE}; ${why}, got ${JSON.stringify(spec)}`, {
    details: { option: name, value: typeof spec === 'string' || typeof spec === 'number' ? spec : undefined },
  });
}

function bytes(name: string, spec: unknown, text: string, what: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw bad(name, spec, `${what} must be a whole number of bytes`);
  if (n < min) throw bad(name, spec, `${what} must be at least ${min} bytes (the loadhouse record header is ${min})`);
  return n;
}

/**
 * Parses a size spec; `minSize` is the smallest size allowed (the record header's size when records carry one).
 * Throws LH_INVALID_OPTION naming `name`.
 */
export function parseSizes(name: string, spec: unknown, minSize: number): SizeDistribution {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) throw bad(name, spec, 'a size must be a positive integer');
    if (spec < minSize) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `${name} must be at least ${minSize} bytes (the loadhouse record header), got ${spec}`,
        {
          details: { option: name, value: spec },
        },
      );
    }
    return { kind: 'fixed', size: spec };
  }
  if (typeof spec !== 'string') throw bad(name, spec, 'not a number or a string');
  if (/^\d+$/.test(spec)) return parseSizes(name, Number(spec), minSize);
  const floor = Math.max(1, minSize);
  if (spec.startsWith('uniform:')) {
    const m = /^uniform:(\d+)-(\d+)$/.exec(spec);
    if (!m) throw bad(name, spec, "write the range as 'uniform:512-1536'");
    const min = bytes(name, spec, m[1]!, 'MIN', floor);
    const max = bytes(name, spec, m[2]!, 'MAX', floor);
    if (max < min) throw bad(name, spec, 'MAX must not be below MIN');
    return { kind: 'uniform', min, max };
  }
  if (spec.startsWith('lognormal:')) {
    const m = /^lognormal:(\d+):([0-9.]+)$/.exec(spec);
    if (!m) throw bad(name, spec, "write it as 'lognormal:1024:0.5' (median bytes, sigma)");
    const median = bytes(name, spec, m[1]!, 'MEDIAN', floor);
    const sigma = Number(m[2]);
    if (!Number.isFinite(sigma) || sigma <= 0 || sigma > 4) throw bad(name, spec, 'SIGMA must be a number above 0 and at most 4');
    if (median > MAX_DRAWN_SIZE) throw bad(name, spec, `MEDIAN must be at most ${MAX_DRAWN_SIZE} bytes`);
    return { kind: 'lognormal', median, sigma, min: floor, max: MAX_DRAWN_SIZE };
  }
  if (spec.startsWith('file:')) {
    const path = spec.slice('file:'.length);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new LoadhouseError(
        'LH_INVALID_OPTION',
        `${name}: cannot read the sizes file ${JSON.stringify(path)}: ${(err as Error).message}`,
        {
          cause: err,
          details: { option: name, value: spec },
        },
      );
    }
    const sizes: number[] = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      sizes.push(bytes(name, spec, line, `line ${i + 1} of ${path} (${JSON.stringify(line.slice(0, 20))})`, floor));
    }
    if (sizes.length === 0) throw bad(name, spec, `${path} lists no sizes`);
    return { kind: 'list', sizes, source: path };
  }
  throw bad(name, spec, 'unknown form');
}

/** The canonical spec (what a result's config records): a number for a fixed size. */
export function formatSizes(d: SizeDistribution): number | string {
  switch (d.kind) {
    case 'fixed':
      return d.size;
    case 'uniform':
      return `uniform:${d.min}-${d.max}`;
    case 'lognormal':
      return `lognormal:${d.median}:${d.sigma}`;
    case 'list':
      return `file:${d.source}`;
  }
}

/** The largest size the distribution can draw: what request buffers and the request limit are sized for. */
export function maxSize(d: SizeDistribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.size;
    case 'uniform':
    case 'lognormal':
      return d.max;
    case 'list':
      return d.sizes.reduce((a, b) => Math.max(a, b), 0);
  }
}

/** A producer's size draws from its own seeded stream. */
export class SizeStream {
  private spare = Number.NaN;

  constructor(
    private readonly dist: SizeDistribution,
    private readonly random: () => number,
  ) {}

  next(): number {
    const d = this.dist;
    switch (d.kind) {
      case 'fixed':
        return d.size;
      case 'uniform':
        return d.min + Math.floor(this.random() * (d.max - d.min + 1));
      case 'list':
        return d.sizes[Math.floor(this.random() * d.sizes.length)]!;
      case 'lognormal': {
        // Truncated rather than clamped: a draw outside [min, max] is drawn again, so no size piles up at a
        // bound; after 8 misses (a median at a bound with a huge sigma) the bound is used.
        for (let i = 0; i < 8; i++) {
          const s = Math.round(d.median * Math.exp(d.sigma * this.normal()));
          if (s >= d.min && s <= d.max) return s;
        }
        return Math.min(d.max, Math.max(d.min, d.median));
      }
    }
  }

  /** A standard normal draw (Box-Muller, both values used). */
  private normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    const u = 1 - this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
