// Write-behind for small metadata objects (topics, committed offsets): the newest value of a key wins,
// one write per key is in flight, failures are retried with backoff until stored or closed.
import { sleep } from '../faults.js';
import type { ObjectStore } from './object-store.js';

interface Entry {
  /** undefined: delete the key. */
  body: Buffer | undefined;
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

export class MetaWriter {
  private readonly queued = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly log: (line: string) => void,
  ) {}

  /** Queues `body` for `key` (undefined deletes it); resolves once this value, or a newer one, is stored. */
  write(key: string, body: Buffer | undefined): Promise<void> {
    if (this.closed) return Promise.reject(new Error('metadata writer closed'));
    let entry = this.queued.get(key);
    if (!entry) {
      entry = { body, waiters: [] };
      this.queued.set(key, entry);
    }
    entry.body = body;
    const e = entry;
    const done = new Promise<void>((resolve, reject) => e.waiters.push({ resolve, reject }));
    if (!this.running.has(key)) {
      const run = this.drain(key).finally(() => this.running.delete(key));
      this.running.set(key, run);
    }
    return done;
  }

  private async drain(key: string): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      const entry = this.queued.get(key);
      if (!entry) return;
      this.queued.delete(key);
      for (;;) {
        try {
          if (entry.body === undefined) await this.store.delete([key]);
          else await this.store.put(key, [entry.body]);
          for (const w of entry.waiters) w.resolve();
          attempt = 0;
          break;
        } catch (err) {
          attempt++;
          if (attempt === 1 || attempt % 20 === 0)
            this.log(`metadata ${key}: store failed (attempt ${attempt}), retrying: ${(err as Error).message}`);
          if (this.closed) {
            for (const w of entry.waiters) w.reject(err);
            return;
          }
          // A newer value replaces this one: retry with it, keeping these waiters.
          const newer = this.queued.get(key);
          if (newer) {
            this.queued.delete(key);
            newer.waiters.push(...entry.waiters);
            entry.body = newer.body;
            entry.waiters = newer.waiters;
          }
          await sleep(Math.min(2_000, 25 * 2 ** Math.min(attempt, 10)));
        }
      }
    }
  }

  /** Resolves when everything queued so far is stored. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Stops retrying; pending writes are failed. */
  close(): void {
    this.closed = true;
    for (const entry of this.queued.values()) for (const w of entry.waiters) w.reject(new Error('metadata writer closed'));
    this.queued.clear();
  }
}
