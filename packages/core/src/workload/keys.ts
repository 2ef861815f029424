// Record keys: which key each record carries and so which partition it goes to. A distribution is parsed once
// on the main thread (parseKeys); each worker builds its table once per producer group (KeyTable: every key's
// partition by Kafka's partitioner and the keys' weights grouped by partition), and each producer draws from it
// with its own seeded stream.
//
// A batch goes to one partition. A keyed producer picks the batch's partition with the probability that a key
// drawn from the distribution lands there, then draws the batch's keys from that partition's keys only: every
// record's key still follows the distribution exactly, and each batch is what a Kafka client's per-partition
// accumulator would send. The partition picks follow a low-discrepancy sequence, so the records each
// partition gets stay close to its share even in a short run (docs/workload.md, "Keys").
import { LoadhouseError } from '../errors.js';
import { keyPartition } from './murmur2.js';

/** A key distribution, resolved. `count` keys are `k` followed by the key's index, zero-padded to one width. */
export type KeyDistribution =
  | { kind: 'none' }
  | { kind: 'sequential' }
  | { kind: 'uniform'; count: number }
  | { kind: 'zipf'; count: number; exponent: number }
  | { kind: 'hot'; count: number; share: number };

/** The most keys a distribution may have: a worker keeps a table of them (about 20 bytes a key). */
export const MAX_KEYS = 1_000_000;

const KEYS_RULE = "'none', 'sequential', 'uniform:N', 'zipf:N:S' or 'hot:N:SHARE' (N keys from 1 to 1000000)";

function bad(name: string, spec: unknown, why: string): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `${name} must be ${KEYS_RULE}; ${why}, got ${JSON.stringify(spec)}`, {
    details: { option: name, value: typeof spec === 'string' ? spec : undefined },
  });
}

function count(name: string, spec: string, text: string | undefined): number {
  const n = Number(text);
  if (!/^\d+$/.test(text ?? '') || !Number.isInteger(n) || n < 1 || n > MAX_KEYS)
    throw bad(name, spec, 'N must be an integer from 1 to 1000000');
  return n;
}

/** Parses a key spec (`'hot:1000:0.5'`); throws LH_INVALID_OPTION naming `name` before any load. */
export function parseKeys(name: string, spec: unknown): KeyDistribution {
  if (typeof spec !== 'string') throw bad(name, spec, 'not a string');
  const parts = spec.split(':');
  const kind = parts[0];
  if (kind === 'none' && parts.length === 1) return { kind };
  if (kind === 'sequential' && parts.length === 1) return { kind };
  if (kind === 'uniform' && parts.length === 2) return { kind, count: count(name, spec, parts[1]) };
  if (kind === 'zipf' && parts.length === 3) {
    const exponent = Number(parts[2]);
    if (parts[2] === '' || !Number.isFinite(exponent) || exponent <= 0 || exponent > 10)
      throw bad(name, spec, 'the zipf exponent S must be a number above 0 and at most 10');
    return { kind, count: count(name, spec, parts[1]), exponent };
  }
  if (kind === 'hot' && parts.length === 3) {
    const share = Number(parts[2]);
    if (parts[2] === '' || !Number.isFinite(share) || share <= 0 || share > 1)
      throw bad(name, spec, 'the hot key SHARE must be a fraction above 0 and at most 1');
    const n = count(name, spec, parts[1]);
    if (n < 2 && share < 1) throw bad(name, spec, 'a hot key needs other keys to share the rest (N at least 2)');
    return { kind, count: n, share };
  }
  throw bad(name, spec, 'unknown form');
}

/** The canonical spec of a distribution (what a result's config records). */
export function formatKeys(d: KeyDistribution): string {
  switch (d.kind) {
    case 'none':
    case 'sequential':
      return d.kind;
    case 'uniform':
      return `uniform:${d.count}`;
    case 'zipf':
      return `zipf:${d.count}:${d.exponent}`;
    case 'hot':
      return `hot:${d.count}:${d.share}`;
  }
}

/** Bytes of every key of a distribution of `count` keys: `k` and the index's decimal digits. */
export function keyWidth(count: number): number {
  return 1 + String(Math.max(0, count - 1)).length;
}

/** Writes key `index` (`k` + zero-padded decimal) at `offset`; `width` from keyWidth(). */
export function writeKey(target: Uint8Array, offset: number, index: number, width: number): void {
  target[offset] = 0x6b; // 'k'
  let v = index;
  for (let i = offset + width - 1; i > offset; i--) {
    target[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
}

/** Key `index` as a string ('k0042'): what a consumer sees. */
export function keyText(index: number, count: number): string {
  const b = Buffer.alloc(keyWidth(count));
  writeKey(b, 0, index, b.length);
  return b.toString('latin1');
}

function weight(d: KeyDistribution & { count: number }, k: number): number {
  if (d.kind === 'zipf') return 1 / (k + 1) ** d.exponent;
  if (d.kind === 'hot') return k === 0 ? d.share : (1 - d.share) / (d.count - 1);
  return 1;
}

/** Lowest index i in [lo, hi) with cum[i] > u (cum ascending); hi - 1 when none. */
function search(cum: Float64Array, u: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (cum[mid]! > u) b = mid;
    else a = mid + 1;
  }
  return a;
}

/**
 * The keys of a distribution with their partitions, built once per worker and group and shared by its
 * producers. Keys are grouped by partition: `order` lists key indices partition by partition, `cum` is the running
 * weight within each partition's run, `partitionCum` the running weight of whole partitions.
 */
export class KeyTable {
  readonly width: number;
  readonly count: number;
  private readonly order: Int32Array;
  private readonly cum: Float64Array;
  private readonly starts: Int32Array;
  private readonly partitionCum: Float64Array;
  /** Partitions that hold at least one key (the others never get a keyed record). */
  readonly partitions: number;

  constructor(
    readonly dist: KeyDistribution & { count: number },
    partitionCount: number,
  ) {
    const n = dist.count;
    this.count = n;
    this.width = keyWidth(n);
    const part = new Int32Array(n);
    const perPartition = new Int32Array(partitionCount + 1);
    const scratch = Buffer.alloc(this.width);
    for (let k = 0; k < n; k++) {
      writeKey(scratch, 0, k, this.width);
      const p = keyPartition(scratch, partitionCount);
      part[k] = p;
      perPartition[p + 1]!++;
    }
    this.starts = new Int32Array(partitionCount + 1);
    for (let p = 0; p < partitionCount; p++) this.starts[p + 1] = this.starts[p]! + perPartition[p + 1]!;
    const fill = this.starts.slice(0, partitionCount);
    this.order = new Int32Array(n);
    for (let k = 0; k < n; k++) this.order[fill[part[k]!]!++] = k;
    this.cum = new Float64Array(n);
    this.partitionCum = new Float64Array(partitionCount);
    let total = 0;
    let used = 0;
    for (let p = 0; p < partitionCount; p++) {
      let run = 0;
      for (let i = this.starts[p]!; i < this.starts[p + 1]!; i++) {
        run += weight(dist, this.order[i]!);
        this.cum[i] = run;
      }
      if (run > 0) used++;
      total += run;
      this.partitionCum[p] = total;
    }
    this.partitions = used;
  }

  /** The partition whose share of the weight covers `u` in [0, 1). */
  partitionAt(u: number): number {
    const total = this.partitionCum[this.partitionCum.length - 1]!;
    return search(this.partitionCum, u * total, 0, this.partitionCum.length);
  }

  /** A key of partition `p` (which must hold keys), drawn by its weight with `u` in [0, 1). */
  keyIn(p: number, u: number): number {
    const lo = this.starts[p]!;
    const hi = this.starts[p + 1]!;
    return this.order[search(this.cum, u * this.cum[hi - 1]!, lo, hi)]!;
  }

  /** A key drawn from the whole distribution with u in [0, 1), wherever it hashes (a pinned producer's draw). */
  keyAnywhere(u: number, v: number): number {
    return this.keyIn(this.partitionAt(u), v);
  }

  /** The fraction of records partition `p` should get. */
  share(p: number): number {
    const total = this.partitionCum[this.partitionCum.length - 1]!;
    return (this.partitionCum[p]! - (p > 0 ? this.partitionCum[p - 1]! : 0)) / total;
  }
}

const GOLDEN = 0.6180339887498949;

/**
 * One producer's key draws: the partition of each batch (a golden-ratio sequence through the partitions' shares,
 * from a seeded start) and the key of each record.
 */
export class KeyStream {
  private u: number;

  constructor(
    readonly table: KeyTable,
    private readonly random: () => number,
  ) {
    this.u = random();
  }

  /** The partition of the next batch. */
  nextPartition(): number {
    this.u += GOLDEN;
    if (this.u >= 1) this.u -= 1;
    return this.table.partitionAt(this.u);
  }

  /** A key of partition `p`. */
  keyIn(p: number): number {
    return this.table.keyIn(p, this.random());
  }

  /** A key from the whole distribution (a pinned producer's record). */
  anyKey(): number {
    return this.table.keyAnywhere(this.random(), this.random());
  }
}
