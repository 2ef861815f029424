// The smallest host a plugin can run in: the PluginContext contract and nothing of the engine. A test sets the
// plugin up, fires its hooks, emits samples to it, reads what it registered, then ends it as a run would.
import type {
  Criterion,
  LoadhouseEvents,
  LoadhouseHooks,
  LoadhousePlugin,
  LogEntry,
  MetricSource,
  PluginContext,
  Sample,
  Teardown,
  TestInfo,
} from '../types.js';

/** What `test:before` receives: these defaults, overridden field by field. */
export function testInfo(over: Partial<TestInfo> & { httpAddress?: string } = {}): TestInfo {
  const { httpAddress, ...rest } = over;
  return {
    scenario: 'high-throughput',
    topic: 'loadhouse-test',
    config: {},
    ...rest,
    target: rest.target ?? { address: '127.0.0.1:50051', ...(httpAddress ? { httpAddress } : {}) },
  };
}

type Listener = (...args: never[]) => unknown;

/** Runs one plugin (or several) against a fake PluginContext; `config` is what `ctx.config` holds. */
export class PluginHarness {
  /** Metric sources, criteria and log lines the plugin registered, in order. */
  readonly sources: MetricSource[] = [];
  readonly criteria: Criterion[] = [];
  readonly logs: LogEntry[] = [];
  readonly ctx: PluginContext;
  private readonly controller = new AbortController();
  private readonly hooks = new Map<string, Listener[]>();
  private readonly listeners = new Map<string, Listener[]>();
  private readonly emits = new Map<string, unknown[]>();
  private readonly teardowns: Teardown[] = [];

  constructor(config: Record<string, unknown> = {}) {
    const log = (level: LogEntry['level']) => (message: string) => {
      this.logs.push({ level, message, time: new Date().toISOString() });
    };
    const subscribe = (map: Map<string, Listener[]>, name: string, fn: Listener) => {
      const list = this.list(map, name);
      list.push(fn);
      return () => {
        const i = list.indexOf(fn);
        if (i >= 0) list.splice(i, 1);
      };
    };
    this.ctx = {
      hooks: { hook: (name, fn) => subscribe(this.hooks, name, fn as Listener) },
      events: {
        on: (event, listener) => subscribe(this.listeners, event, listener as Listener),
        // Plugins' own events (declared by declaration merging) are kept for the test to read, by name.
        emit: (event, ...args) => {
          this.emitted(event).push(args[0]);
          for (const l of [...this.list(this.listeners, event)]) (l as (...a: unknown[]) => unknown)(...args);
        },
      },
      config: Object.freeze({ ...config }),
      addCriterion: (c) => this.criteria.push(c),
      addMetricSource: (s) => this.sources.push(s),
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      signal: this.controller.signal,
    };
  }

  /** Runs the plugin's setup against this context and keeps its teardown for `end()`. */
  async setup(plugin: LoadhousePlugin): Promise<void> {
    const teardown = await plugin.setup(this.ctx);
    if (teardown) this.teardowns.push(teardown);
  }

  /** Calls every handler of a hook in registration order, awaiting each, as the engine does. */
  async fire<K extends keyof LoadhouseHooks>(name: K, ...args: Parameters<LoadhouseHooks[K]>): Promise<void> {
    for (const fn of [...this.list(this.hooks, name)]) await (fn as (...a: unknown[]) => unknown)(...args);
  }

  testBefore(info: Partial<TestInfo> & { httpAddress?: string } = {}): Promise<void> {
    return this.fire('test:before', testInfo(info));
  }

  phaseStart(name: string, elapsedSeconds = 0): Promise<void> {
    return this.fire('phase:start', { name, elapsedSeconds });
  }

  /** Delivers a sample to the plugin's `sample` listeners. */
  emitSample(sample: Sample): void {
    for (const l of [...this.list(this.listeners, 'sample')]) (l as (s: Sample) => void)(sample);
  }

  /** The live list of the first argument of every `events.emit(event, ...)` the plugin made. */
  emitted<K extends keyof LoadhouseEvents>(event: K): Array<Parameters<LoadhouseEvents[K]>[0]> {
    let list = this.emits.get(event);
    if (!list) this.emits.set(event, (list = []));
    return list as Array<Parameters<LoadhouseEvents[K]>[0]>;
  }

  /** The live list of the plugin's listeners of an event (unsubscribing removes them from it). */
  listenersOf(event: keyof LoadhouseEvents): readonly unknown[] {
    return this.list(this.listeners, event);
  }

  listenerCount(event: keyof LoadhouseEvents): number {
    return this.list(this.listeners, event).length;
  }

  /** Calls every metric source's collect() and merges the values, as the engine does for a sample. */
  async collect(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of this.sources) Object.assign(out, await s.collect());
    return out;
  }

  /** The values the engine puts in `result.metrics`: summarize() where a source has one, else collect(). */
  async summarize(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of this.sources) Object.assign(out, await (s.summarize ? s.summarize() : s.collect()));
    return out;
  }

  /** What the engine does at the end of a run: abort the run signal, summarize, run the teardowns. */
  async finish(): Promise<Record<string, number>> {
    this.controller.abort();
    const out = await this.summarize();
    await this.end();
    return out;
  }

  /** Aborts the run signal, then runs the teardowns in reverse order. */
  async end(): Promise<void> {
    this.controller.abort();
    for (const teardown of this.teardowns.reverse()) await teardown();
    this.teardowns.length = 0;
  }

  private list(map: Map<string, Listener[]>, name: string): Listener[] {
    let list = map.get(name);
    if (!list) map.set(name, (list = []));
    return list;
  }
}
