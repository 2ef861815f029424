// Registers plugins: checks their shape and API version up front, gives each a narrow context whose
// listeners, hooks and logger are attributed to it, and runs teardowns in reverse order.
import { errorCodeInfo, LoadhouseError, type ErrorCode } from '../errors.js';
import type { Criterion, LoadhousePlugin, Logger, MetricSource, PluginContext, Teardown } from '../types.js';
import { PLUGIN_API_VERSION } from '../types.js';
import type { EventBus } from './event-bus.js';

const ENGINE_EVENTS = ['sample', 'error', 'criterion', 'log'] as const;

export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [PLUGIN_API_VERSION];

/** Identity helper: gives a plugin object its type (`export default definePlugin({ ... })`). */
export function definePlugin<P extends LoadhousePlugin>(plugin: P): P {
  return plugin;
}

/** Throws LH_PLUGIN_INVALID or LH_PLUGIN_VERSION_MISMATCH for the first plugin that cannot be used. */
export function validatePlugins(plugins: unknown): LoadhousePlugin[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) {
    throw new LoadhouseError('LH_PLUGIN_INVALID', `options.plugins must be an array of plugin objects, got ${typeof plugins}`);
  }
  const names = new Set<string>();
  return plugins.map((p: unknown, i) => {
    if (typeof p !== 'object' || p === null) {
      throw new LoadhouseError(
        'LH_PLUGIN_INVALID',
        `options.plugins[${i}] must be a plugin object { name, apiVersion, setup }, got ${p === null ? 'null' : typeof p}. Did you forget to call the plugin factory?`,
      );
    }
    const plugin = p as Partial<LoadhousePlugin>;
    if (typeof plugin.name !== 'string' || plugin.name.length === 0) {
      throw new LoadhouseError('LH_PLUGIN_INVALID', `options.plugins[${i}] has no name: a plugin needs a non-empty string 'name'.`);
    }
    if (typeof plugin.setup !== 'function') {
      throw new LoadhouseError('LH_PLUGIN_INVALID', `Plugin "${plugin.name}" has no setup(ctx) function.`);
    }
    if (typeof plugin.apiVersion !== 'number' || !SUPPORTED_PLUGIN_API_VERSIONS.includes(plugin.apiVersion)) {
      throw new LoadhouseError(
        'LH_PLUGIN_VERSION_MISMATCH',
        `Plugin "${plugin.name}" needs plugin API version ${String(plugin.apiVersion)}, but this @loadhouse/core supports ` +
          `${SUPPORTED_PLUGIN_API_VERSIONS.join(', ')}. Install a version of the plugin built for this core, or upgrade @loadhouse/core.`,
        { details: { plugin: plugin.name, apiVersion: plugin.apiVersion, supported: [...SUPPORTED_PLUGIN_API_VERSIONS] } },
      );
    }
    if (names.has(plugin.name)) {
      throw new LoadhouseError('LH_PLUGIN_INVALID', `Plugin "${plugin.name}" is registered twice.`);
    }
    names.add(plugin.name);
    return plugin as LoadhousePlugin;
  });
}

export interface PluginHostDeps {
  bus: EventBus;
  config: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  logger(owner: string): Logger;
  addCriterion(criterion: Criterion, owner: string): void;
  addMetricSource(source: MetricSource, owner: string): void;
  onFailure(owner: string, where: string, error: unknown): void;
}

/**
 * The code a plugin's error keeps: its own when a loaded package registered it (read by shape, since the error
 * may come from another copy of @loadhouse/core), else LH_PLUGIN_FAILED.
 */
export function pluginErrorCode(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && errorCodeInfo(code) ? (code as ErrorCode) : 'LH_PLUGIN_FAILED';
}

/**
 * The run-ending error of a plugin that failed before any load (setup, a refusing test:before hook), coded by
 * pluginErrorCode(); the message and `details.plugin` name the plugin, and the original is its cause.
 */
export function pluginError(owner: string | undefined, what: string, err: unknown): LoadhouseError {
  const e = err as { details?: unknown } | null;
  const details = typeof e?.details === 'object' && e.details !== null ? { ...(e.details as Record<string, unknown>) } : {};
  const message = err instanceof Error ? err.message : String(err);
  return new LoadhouseError(pluginErrorCode(err), `${owner ? `Plugin "${owner}"` : 'A hook'} ${what}: ${message}`, {
    cause: err,
    details: { ...details, ...(owner ? { plugin: owner } : {}) },
  });
}

export class PluginHost {
  private readonly teardowns: Array<{ name: string; fn: Teardown }> = [];

  constructor(private readonly deps: PluginHostDeps) {}

  private context(name: string): PluginContext {
    const d = this.deps;
    return {
      hooks: { hook: (hook, fn) => d.bus.hook(hook, fn, name) },
      events: {
        on: (event, listener) => d.bus.on(event, listener, name),
        emit: (event, ...args) => {
          if ((ENGINE_EVENTS as readonly string[]).includes(event as string)) {
            throw new LoadhouseError(
              'LH_PLUGIN_FAILED',
              `plugin ${name} cannot emit the engine's own event ${String(event)}; declare an event of its own`,
            );
          }
          (d.bus.emit as (e: string, ...a: unknown[]) => void).call(d.bus, event as string, ...(args as unknown[]));
        },
      },
      config: d.config,
      addCriterion: (c) => d.addCriterion(c, name),
      addMetricSource: (s) => d.addMetricSource(s, name),
      logger: d.logger(name),
      signal: d.signal,
    };
  }

  /** Sets plugins up in order. A failing setup tears down those already set up and throws pluginError(). */
  async setup(plugins: readonly LoadhousePlugin[]): Promise<void> {
    for (const plugin of plugins) {
      try {
        const teardown = await plugin.setup(this.context(plugin.name));
        if (typeof teardown === 'function') this.teardowns.push({ name: plugin.name, fn: teardown });
      } catch (err) {
        await this.teardown();
        throw pluginError(plugin.name, 'failed in setup', err);
      }
    }
  }

  /** Runs teardowns in reverse order of setup; failures are reported and do not stop the others. */
  async teardown(): Promise<void> {
    while (this.teardowns.length > 0) {
      const { name, fn } = this.teardowns.pop()!;
      try {
        await fn();
      } catch (err) {
        this.deps.onFailure(name, 'teardown', err);
      }
    }
  }
}
