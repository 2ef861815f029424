// The two channels plugins and scripts listen on: typed events (synchronous, fire-and-forget, on
// eventemitter3) and lifecycle hooks (awaited in registration order). Every listener and hook is guarded:
// a throw or a rejection is reported, attributed to its owner, and never reaches the run.
import { EventEmitter } from 'eventemitter3';
import type { LoadhouseEvents, LoadhouseHooks, Unregister } from '../types.js';

export interface GuardedFailure {
  /** Plugin name, or undefined for listeners registered by the script itself. */
  owner: string | undefined;
  /** `event 'sample'` or `hook 'test:before'`. */
  where: string;
  /** The event whose listener failed (failures in `error` listeners must not be re-emitted). */
  event?: string;
  error: unknown;
}

type AnyFn = (...args: never[]) => unknown;
type Args<F> = F extends (...args: infer A) => unknown ? A : never;

interface HookEntry {
  fn: AnyFn;
  owner: string | undefined;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** What callHook does when a hook throws: report it and go on, or stop and refuse. */
export type HookErrorPolicy = 'report' | 'refuse';

/** A hook run with the 'refuse' policy threw: who, where, and what. */
export class HookRefusal extends Error {
  constructor(
    readonly owner: string | undefined,
    readonly where: string,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = 'HookRefusal';
  }
}

export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly hooks = new Map<string, HookEntry[]>();

  constructor(private readonly onFailure: (failure: GuardedFailure) => void) {}

  on<K extends keyof LoadhouseEvents>(event: K, listener: LoadhouseEvents[K], owner?: string): Unregister {
    if (typeof listener !== 'function') throw new TypeError(`listener of '${String(event)}' must be a function`);
    const fn = listener as unknown as (...args: unknown[]) => unknown;
    const guarded = (...args: unknown[]) => {
      try {
        const r = fn(...args);
        if (isThenable(r)) {
          r.then(undefined, (error: unknown) => this.onFailure({ owner, where: `event '${String(event)}'`, event: String(event), error }));
        }
      } catch (error) {
        this.onFailure({ owner, where: `event '${String(event)}'`, event: String(event), error });
      }
    };
    this.emitter.on(event as string, guarded);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.emitter.off(event as string, guarded);
    };
  }

  emit<K extends keyof LoadhouseEvents>(event: K, ...args: Args<LoadhouseEvents[K]>): void {
    this.emitter.emit(event as string, ...(args as unknown[]));
  }

  listenerCount(event: keyof LoadhouseEvents): number {
    return this.emitter.listenerCount(event as string);
  }

  hook<K extends keyof LoadhouseHooks>(name: K, fn: LoadhouseHooks[K], owner?: string): Unregister {
    if (typeof fn !== 'function') throw new TypeError(`hook '${String(name)}' must be a function`);
    let list = this.hooks.get(name as string);
    if (!list) this.hooks.set(name as string, (list = []));
    const entry: HookEntry = { fn: fn as unknown as AnyFn, owner };
    list.push(entry);
    return () => {
      const l = this.hooks.get(name as string);
      const i = l ? l.indexOf(entry) : -1;
      if (i >= 0) l!.splice(i, 1);
    };
  }

  /**
   * Runs the hooks of `name` one after the other, awaiting each. A hook that throws is, by `onError`: 'report',
   * handed to onFailure and the next runs; 'refuse', rethrown as a HookRefusal and the rest skipped (test:before
   * may refuse the run).
   */
  async callHook<K extends keyof LoadhouseHooks>(name: K, onError: HookErrorPolicy, ...args: Args<LoadhouseHooks[K]>): Promise<void> {
    const where = `hook '${String(name)}'`;
    for (const entry of [...(this.hooks.get(name as string) ?? [])]) {
      try {
        await (entry.fn as unknown as (...a: unknown[]) => unknown)(...(args as unknown[]));
      } catch (error) {
        if (onError === 'refuse') throw new HookRefusal(entry.owner, where, error);
        this.onFailure({ owner: entry.owner, where, error });
      }
    }
  }

  removeAll(): void {
    this.emitter.removeAllListeners();
    this.hooks.clear();
  }
}
