// Metric sources contributed by plugins: collected concurrently once per interval with a timeout, so a
// slow or failing source costs one interval's values, never the sampling itself.
import type { MetricSource } from '../types.js';
import { orTimeout } from '../util.js';

interface Entry {
  source: MetricSource;
  owner: string | undefined;
  last: Record<string, number>;
  pending: boolean;
}

function finiteOnly(values: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof values !== 'object' || values === null) return out;
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

const TIMED_OUT = Symbol('timed out');

export class MetricSources {
  private readonly entries: Entry[] = [];

  constructor(private readonly onFailure: (owner: string | undefined, where: string, error: unknown) => void) {}

  add(source: MetricSource, owner?: string): void {
    if (typeof source !== 'object' || source === null || typeof source.collect !== 'function' || typeof source.name !== 'string') {
      throw new TypeError('addMetricSource(source): a source needs a string name and a collect() function');
    }
    this.entries.push({ source, owner, last: {}, pending: false });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Collects every source (skipping one still busy from a previous interval); values of late sources are left out. */
  async collect(defaultTimeoutMs: number): Promise<Record<string, number>> {
    await Promise.all(
      this.entries.map(async (e) => {
        if (e.pending) return;
        e.pending = true;
        const run = Promise.resolve()
          .then(() => e.source.collect())
          .then(
            (values) => {
              e.last = finiteOnly(values);
            },
            (err: unknown) => this.onFailure(e.owner, `metric source '${e.source.name}'`, err),
          )
          .finally(() => {
            e.pending = false;
          });
        const r = await orTimeout(run, e.source.timeoutMs ?? defaultTimeoutMs, TIMED_OUT);
        if (r === TIMED_OUT) e.last = {};
      }),
    );
    return this.latest();
  }

  /** The most recent values of every source, merged. */
  latest(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries) Object.assign(out, e.last);
    return out;
  }

  /** Final values: each source's summarize(), or its last values. */
  async summarize(timeoutMs: number): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const e of this.entries) {
      let values = e.last;
      if (typeof e.source.summarize === 'function') {
        try {
          const r = await orTimeout(
            Promise.resolve().then(() => e.source.summarize!()),
            timeoutMs,
            TIMED_OUT,
          );
          if (r !== TIMED_OUT) values = finiteOnly(r);
        } catch (err) {
          this.onFailure(e.owner, `metric source '${e.source.name}' summarize`, err);
        }
      }
      Object.assign(out, values);
    }
    return out;
  }

  /** Each source's notes on its final values (call after summarize); a failing notes() only loses the notes. */
  notes(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.entries) {
      if (typeof e.source.notes !== 'function') continue;
      try {
        for (const [k, v] of Object.entries(e.source.notes() ?? {})) if (typeof v === 'string' && v !== '') out[k] = v;
      } catch (err) {
        this.onFailure(e.owner, `metric source '${e.source.name}' notes`, err);
      }
    }
    return out;
  }
}
