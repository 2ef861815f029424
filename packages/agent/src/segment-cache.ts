// LRU cache of stored segments, bounded in bytes. A read served without a storage request of its own is a hit
// (including one that joins a fetch already under way, e.g. a prefetch); a read that fetches is a miss.
import type { AgentMetrics } from './metrics.js';
import type { Segment } from './segment.js';

export class SegmentCache {
  private readonly entries = new Map<string, Segment>();
  private readonly inflight = new Map<string, Promise<Segment>>();
  /** Keys dropped while their fetch was under way: the fetched segment is handed out but not kept. */
  private readonly droppedInflight = new Set<string>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly metrics: AgentMetrics,
    private readonly load: (key: string) => Promise<Segment>,
  ) {}

  get sizeBytes(): number {
    return this.bytes;
  }

  /** The segment stored under `key`: synchronously when cached, else a promise. Counts a hit or a miss for `org`. */
  get(key: string, org: string): Segment | Promise<Segment> {
    const seg = this.entries.get(key);
    if (seg) {
      // Re-inserting moves the key to the young end of the Map's insertion order.
      this.entries.delete(key);
      this.entries.set(key, seg);
      this.metrics.cacheHits.inc({ org_id: org });
      return seg;
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.metrics.cacheHits.inc({ org_id: org });
      return pending;
    }
    this.metrics.cacheMisses.inc({ org_id: org });
    return this.fetch(key);
  }

  /** Starts fetching `key` in the background unless it is cached or on its way. Errors are left to the next read. */
  prefetch(key: string): void {
    if (this.entries.has(key) || this.inflight.has(key) || this.maxBytes === 0) return;
    this.fetch(key).catch(() => {});
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  private fetch(key: string): Promise<Segment> {
    const p = this.load(key).then(
      (seg) => {
        this.inflight.delete(key);
        if (!this.droppedInflight.delete(key)) this.insert(key, seg);
        return seg;
      },
      (err: unknown) => {
        this.inflight.delete(key);
        this.droppedInflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  private insert(key: string, seg: Segment): void {
    const size = seg.memoryBytes;
    if (size > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.memoryBytes;
      this.entries.delete(key);
    }
    this.entries.set(key, seg);
    this.bytes += size;
    for (const [k, s] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= s.memoryBytes;
    }
    this.metrics.cacheSize.set(this.bytes);
  }

  /** Drops one segment (deleted by retention), also one still being fetched. */
  drop(key: string): void {
    if (this.inflight.has(key)) this.droppedInflight.add(key);
    const s = this.entries.get(key);
    if (!s) return;
    this.entries.delete(key);
    this.bytes -= s.memoryBytes;
    this.metrics.cacheSize.set(this.bytes);
  }

  /** Drops every segment whose key starts with `prefix` (a deleted topic). */
  dropPrefix(prefix: string): void {
    for (const [k, s] of this.entries) {
      if (k.startsWith(prefix)) {
        this.entries.delete(k);
        this.bytes -= s.memoryBytes;
      }
    }
    this.metrics.cacheSize.set(this.bytes);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.metrics.cacheSize.set(0);
  }
}
