// `--config loadhouse.config.ts`: a typed configuration (target, plugins, scenario, run options) for the CLI.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createLoadTest,
  isLoadhouseError,
  LoadhouseError,
  type LoadhousePlugin,
  type LoadTestOptions,
  type Scenario,
  type TargetOptions,
} from '@loadhouse/core';

export interface LoadhouseConfig {
  /** The target; omitted, the CLI starts the embedded reference agent. `--target` overrides it. */
  target?: string | TargetOptions;
  /** Plugins added to those the flags create. */
  plugins?: LoadhousePlugin[];
  /** The scenario to run; a scenario name on the command line takes precedence. */
  scenario?: Scenario;
  /** Engine options; flags given on the command line override them. */
  options?: Omit<Partial<LoadTestOptions>, 'target' | 'plugins' | 'signal'>;
}

/** Identity helper that types a configuration file's default export. */
export function defineConfig(config: LoadhouseConfig): LoadhouseConfig {
  return config;
}

const CONFIG_KEYS = ['target', 'plugins', 'scenario', 'options'];

/**
 * A TypeScript file outside an ESM package is compiled to CommonJS, and its default export then arrives one
 * level down (`{ __esModule: true, default: config }`); unwrap that, never a configuration.
 */
function unwrapDefault(value: unknown): unknown {
  let v = value;
  while (typeof v === 'object' && v !== null && (v as { __esModule?: unknown }).__esModule === true) {
    // Compiled ES module exports: its default, or nothing when it has only named exports.
    v = (v as { default?: unknown }).default;
  }
  return v;
}

function invalid(file: string, what: string): LoadhouseError {
  return new LoadhouseError('LH_CONFIG_INVALID', `${file}: ${what}`);
}

/** Loads a .ts/.mts/.js/.mjs configuration file (TypeScript through tsx) and checks its shape. */
export async function loadConfig(file: string, cwd: string): Promise<LoadhouseConfig> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new LoadhouseError('LH_CONFIG_INVALID', `Configuration file ${path} does not exist`);
  let mod: { default?: unknown };
  try {
    if (/\.[mc]?ts$/.test(path)) {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
    } else {
      mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    }
  } catch (cause) {
    throw new LoadhouseError('LH_CONFIG_INVALID', `Cannot load ${path}: ${(cause as Error).message}`, { cause });
  }
  const c = unwrapDefault(mod.default) as LoadhouseConfig | undefined;
  if (c === undefined) throw invalid(path, 'no default export: export default defineConfig({...})');
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw invalid(path, 'the default export must be an object (use defineConfig({...}))');
  const unknown = Object.keys(c).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknown.length > 0) {
    throw invalid(
      path,
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}: a configuration has ${CONFIG_KEYS.join(', ')}`,
    );
  }
  if (c.target !== undefined && typeof c.target !== 'string' && typeof (c.target as TargetOptions).address !== 'string') {
    throw invalid(path, 'target must be "host:port" or { address: "host:port", ... }');
  }
  if (c.plugins !== undefined && !Array.isArray(c.plugins)) throw invalid(path, 'plugins must be an array of plugin objects');
  if (
    c.scenario !== undefined &&
    (typeof c.scenario.name !== 'string' || typeof c.scenario.run !== 'function' || !Array.isArray(c.scenario.criteria))
  ) {
    throw invalid(path, 'scenario must be a scenario object { name, criteria, run(controller) } (e.g. highThroughput({...}))');
  }
  checkEngineOptions(path, c);
  return c;
}

/**
 * The engine checks its options when a load test is made, which is after the target (perhaps the embedded
 * agent) has started; make one now so a bad `options.workers` is refused at once. The target stands in when
 * the configuration has none (the flags or the embedded agent give it later).
 */
function checkEngineOptions(path: string, c: LoadhouseConfig): void {
  if (c.options === undefined) return;
  if (typeof c.options !== 'object' || c.options === null || Array.isArray(c.options)) {
    throw invalid(path, 'options must be an object of engine options');
  }
  try {
    createLoadTest({ ...c.options, target: c.target ?? '127.0.0.1:1', ...(c.plugins ? { plugins: c.plugins } : {}) });
  } catch (err) {
    if (isLoadhouseError(err))
      throw new LoadhouseError('LH_CONFIG_INVALID', `${path}: ${err.message}`, { cause: err, details: err.details });
    throw err;
  }
}
