// Third-party drivers: `target.driver` names a module (a package name, a path or a file URL) that every load
// worker imports on its own thread, so the name is resolved to a URL once, on the main thread, from the
// working directory, and the module is checked there before any load is sent.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LoadhouseError } from '../errors.js';
import { BUILTIN_PREFIX, builtinDriver, checkBuiltin, isProtocol, type ProtocolName } from './builtin.js';
import { grpcDriver } from './grpc.js';
import { DRIVER_API_VERSION, type Driver, type DriverDefinition, type DriverTarget } from './types.js';

/**
 * `target.driver` as the user writes it: a module specifier, or one with the driver's options; `{ options }`
 * alone beside `target.protocol` gives options to that door's built-in driver (the Kafka driver's compression...).
 */
export type DriverOption = string | { module: string; options?: Record<string, unknown> } | { options: Record<string, unknown> };

/** A driver module resolved to the URL workers import; plain data, sent to every worker. */
export interface ResolvedDriver {
  module: string;
  url: string;
  options: Record<string, unknown>;
}

function invalid(module: string, why: string, cause?: unknown): LoadhouseError {
  return new LoadhouseError(
    'LH_DRIVER_INVALID',
    `options.target.driver: ${module} ${why}. A driver module's default export (or export \`driver\`) is defineDriver({ apiVersion: ${DRIVER_API_VERSION}, name, create }); see docs/drivers.md.`,
    { cause, details: { option: 'options.target.driver', module } },
  );
}

function resolveUrl(module: string, cwd: string): string {
  if (module.startsWith(BUILTIN_PREFIX)) {
    const name = module.slice(BUILTIN_PREFIX.length);
    if (!isProtocol(name))
      throw invalid(module, `is not a built-in driver (${BUILTIN_PREFIX}grpc, ${BUILTIN_PREFIX}rest, ${BUILTIN_PREFIX}kafka)`);
    checkBuiltin(name, cwd);
    return module;
  }
  if (module.startsWith('file:')) {
    if (!existsSync(fileURLToPath(module))) throw invalid(module, 'is not found (no such file)');
    return module;
  }
  if (module.startsWith('.') || isAbsolute(module)) {
    const file = resolve(cwd, module);
    if (!existsSync(file)) throw invalid(module, `is not found (no file ${file})`);
    return pathToFileURL(file).href;
  }
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(module)).href;
  } catch {
    // An ESM-only package (no `require` condition), or one installed next to loadhouse rather than the project.
    try {
      return import.meta.resolve(module);
    } catch (cause) {
      throw invalid(module, `is not found from ${cwd} (install it, or give a path or a file: URL)`, cause);
    }
  }
}

/**
 * Checks `target.driver` and resolves its module; undefined means the built-in gRPC driver. `loadhouse:rest`
 * (any `loadhouse:<protocol>`) names a built-in driver, which workers take from the table instead of importing.
 */
export function resolveDriverOption(value: unknown, cwd = process.cwd()): ResolvedDriver | undefined {
  if (value === undefined) return undefined;
  const o = typeof value === 'string' ? { module: value } : value;
  const module = typeof o === 'object' && o !== null ? (o as { module?: unknown }).module : undefined;
  const options = typeof o === 'object' && o !== null ? ((o as { options?: unknown }).options ?? {}) : undefined;
  if (typeof module !== 'string' || module.trim() === '' || typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      'options.target.driver must be a module specifier or { module, options }, e.g. "@acme/loadhouse-driver-x" or a file: URL',
      { details: { option: 'options.target.driver' } },
    );
  }
  try {
    structuredClone(options);
  } catch (cause) {
    throw new LoadhouseError('LH_INVALID_OPTION', 'options.target.driver.options must be plain data: workers receive a copy of it', {
      cause,
      details: { option: 'options.target.driver.options' },
    });
  }
  return { module, url: resolveUrl(module, cwd), options: options as Record<string, unknown> };
}

/** The driver definition of a resolved module (or the built-in gRPC one); LH_DRIVER_INVALID when it is not one. */
export async function loadDriver(driver: ResolvedDriver | undefined): Promise<DriverDefinition> {
  if (!driver) return grpcDriver;
  if (driver.url.startsWith(BUILTIN_PREFIX)) return await builtinDriver(driver.url.slice(BUILTIN_PREFIX.length) as ProtocolName);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(driver.url)) as Record<string, unknown>;
  } catch (cause) {
    throw invalid(driver.module, `could not be imported (${(cause as Error).message})`, cause);
  }
  const def = (mod.default ?? mod.driver) as Partial<DriverDefinition> | undefined;
  if (typeof def !== 'object' || def === null || typeof def.create !== 'function' || typeof def.name !== 'string') {
    throw invalid(driver.module, 'is not a loadhouse driver');
  }
  if (def.apiVersion !== DRIVER_API_VERSION) {
    throw invalid(driver.module, `is written for driver API ${String(def.apiVersion)}, this loadhouse speaks ${DRIVER_API_VERSION}`);
  }
  return def as DriverDefinition;
}

/** What the target options give a driver, wherever they come from (the run's options or a worker's init). */
export interface DriverTargetSource {
  address: string;
  organizationId?: string | undefined;
  tls?: DriverTarget['tls'] | undefined;
  metadata?: Record<string, string> | undefined;
  deadlineMs: number;
  driver?: ResolvedDriver | undefined;
  sasl?: DriverTarget['sasl'] | undefined;
}

export function createDriver(def: DriverDefinition, t: DriverTargetSource, connections: number): Driver {
  const target: DriverTarget = { address: t.address, deadlineMs: t.deadlineMs, connections, options: t.driver?.options ?? {} };
  if (t.organizationId !== undefined) target.organizationId = t.organizationId;
  if (t.tls !== undefined) target.tls = t.tls;
  if (t.metadata !== undefined) target.metadata = t.metadata;
  if (t.sasl !== undefined) target.sasl = t.sasl;
  return def.create(target);
}
