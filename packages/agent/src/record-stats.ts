// What a topic received, for checking a workload's shape on the target side: how many records each key and
// each partition got, and the spread of value sizes. Memory is bounded: keys are counted exactly up to
// MAX_TRACKED distinct keys, after which new keys are only counted as "untracked" (the answer says so), and
// sizes are counted exactly up to MAX_TRACKED distinct sizes likewise. Served as JSON on the HTTP port
// (GET /stats/records?topic=NAME), see the agent's README.

/** Distinct keys (and distinct sizes) counted exactly. */
export const MAX_TRACKED = 100_000;

interface KeyCount {
  count: number;
  /** The partition of its first record. */
  partition: number;
  /** Seen on more than one partition. */
  spread: boolean;
}

export interface RecordStatsJson {
  records: number;
  partitions: Record<string, number>;
  keys: {
    /** Records with a non-empty key. */
    keyed: number;
    distinct: number;
    /** False once more than MAX_TRACKED distinct keys arrived: counts of later new keys are in `untracked`. */
    exact: boolean;
    untracked: number;
    /** The most frequent keys, most first: their count, partition and whether another partition got them too. */
    top: Array<{ key: string; count: number; partition: number; spread: boolean }>;
  };
  sizes: { min: number; mean: number; p50: number; p99: number; max: number; exact: boolean } | null;
}

export class RecordStats {
  private records = 0;
  private readonly perPartition = new Map<number, number>();
  private readonly keys = new Map<string, KeyCount>();
  private keyed = 0;
  private untracked = 0;
  private readonly sizes = new Map<number, number>();
  private sizesExact = true;
  private sizeSum = 0;
  private minSize = Number.POSITIVE_INFINITY;
  private maxSize = 0;

  add(partition: number, records: ReadonlyArray<{ key?: Uint8Array | null; value: Uint8Array }>): void {
    const n = records.length;
    this.records += n;
    this.perPartition.set(partition, (this.perPartition.get(partition) ?? 0) + n);
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const size = r.value.length;
      this.sizeSum += size;
      if (size < this.minSize) this.minSize = size;
      if (size > this.maxSize) this.maxSize = size;
      const c = this.sizes.get(size);
      if (c !== undefined) this.sizes.set(size, c + 1);
      else if (this.sizes.size < MAX_TRACKED) this.sizes.set(size, 1);
      else this.sizesExact = false;
      const key = r.key;
      if (!key || key.length === 0) continue;
      this.keyed++;
      const text = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
      const k = this.keys.get(text);
      if (k) {
        k.count++;
        if (k.partition !== partition) k.spread = true;
      } else if (this.keys.size < MAX_TRACKED) this.keys.set(text, { count: 1, partition, spread: false });
      else this.untracked++;
    }
  }

  toJSON(top = 20): RecordStatsJson {
    const best = [...this.keys.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, top);
    return {
      records: this.records,
      partitions: Object.fromEntries([...this.perPartition.entries()].sort((a, b) => a[0] - b[0]).map(([p, c]) => [String(p), c])),
      keys: {
        keyed: this.keyed,
        distinct: this.keys.size,
        exact: this.untracked === 0,
        untracked: this.untracked,
        top: best.map(([key, c]) => ({ key, count: c.count, partition: c.partition, spread: c.spread })),
      },
      sizes: this.records === 0 ? null : this.sizeSummary(),
    };
  }

  private sizeSummary(): NonNullable<RecordStatsJson['sizes']> {
    const sorted = [...this.sizes.entries()].sort((a, b) => a[0] - b[0]);
    const counted = sorted.reduce((s, [, c]) => s + c, 0);
    const at = (q: number): number => {
      const rank = Math.ceil(q * counted);
      let seen = 0;
      for (const [size, c] of sorted) {
        seen += c;
        if (seen >= rank) return size;
      }
      return this.maxSize;
    };
    return {
      min: this.minSize,
      mean: this.sizeSum / this.records,
      p50: at(0.5),
      p99: at(0.99),
      max: this.maxSize,
      exact: this.sizesExact,
    };
  }
}
