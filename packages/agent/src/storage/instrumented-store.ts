// Wraps a store with the s3_* metrics and the injected storage faults (503 SlowDown, added latency).
import { performance } from 'node:perf_hooks';
import { sleep, type Faults } from '../faults.js';
import { DEFAULT_ORG_LABEL, type AgentMetrics } from '../metrics.js';
import { StorageError, type ObjectStore } from './object-store.js';

type Operation = 'PUT' | 'GET' | 'LIST' | 'DELETE' | 'HEAD';

/** The org label of a key: `org-{id}/...` keys belong to `{id}`. */
function orgOfKey(key: string): string {
  if (!key.startsWith('org-')) return DEFAULT_ORG_LABEL;
  const slash = key.indexOf('/');
  return slash < 0 ? DEFAULT_ORG_LABEL : key.slice(4, slash);
}

export class InstrumentedStore implements ObjectStore {
  readonly location: string;
  /** Faults apply once the agent serves: start-up loading is never failed on purpose. */
  faultsEnabled = false;

  constructor(
    private readonly inner: ObjectStore,
    private readonly metrics: AgentMetrics,
    private readonly faults: Faults,
  ) {
    this.location = inner.location;
  }

  private async run<T>(op: Operation, key: string, fn: () => Promise<T>): Promise<T> {
    const org = orgOfKey(key);
    const latency = this.faultsEnabled ? this.faults.current.s3LatencyMs : 0;
    const t0 = performance.now();
    this.metrics.s3Requests.inc({ org_id: org, operation: op });
    try {
      if (latency > 0) await sleep(latency);
      if (this.faultsEnabled && this.faults.storageFails()) {
        throw new StorageError('throttle', `${op} ${key}: 503 SlowDown: Please reduce your request rate (injected fault)`);
      }
      return await fn();
    } catch (err) {
      const type = err instanceof StorageError ? err.errorType : 'other';
      this.metrics.s3Errors.inc({ org_id: org, operation: op, error_type: type });
      throw err;
    } finally {
      this.metrics.s3Latency.observe({ org_id: org, operation: op }, (performance.now() - t0) / 1000);
    }
  }

  check(): Promise<void> {
    return this.run('HEAD', '', () => this.inner.check());
  }
  put(key: string, parts: readonly Buffer[]): Promise<void> {
    return this.run('PUT', key, () => this.inner.put(key, parts));
  }
  get(key: string): Promise<Buffer> {
    return this.run('GET', key, () => this.inner.get(key));
  }
  getRange(key: string, start: number, length: number): Promise<Buffer> {
    return this.run('GET', key, () => this.inner.getRange(key, start, length));
  }
  list(prefix: string): Promise<string[]> {
    return this.run('LIST', prefix, () => this.inner.list(prefix));
  }
  delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.run('DELETE', keys[0]!, () => this.inner.delete(keys));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
