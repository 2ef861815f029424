// The doors loadhouse speaks itself: `target.protocol` names one, and it stands for a built-in driver module
// (`loadhouse:<protocol>`) that the main thread and every worker take from this table instead of importing.
// A door whose driver carries a client library of its own (Kafka) is a separate package, imported on first use
// so that a gRPC or REST user installs nothing for it. Adding a door is one line here.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LoadhouseError } from '../errors.js';
import { grpcDriver } from './grpc.js';
import { restDriver } from './rest.js';
import { DRIVER_API_VERSION, type DriverDefinition } from './types.js';

/** The doors of a StreamHouse target: gRPC (port 50051), REST (`/api/v1` on the HTTP port 8080), Kafka (9092). */
export const PROTOCOLS = ['grpc', 'rest', 'kafka'] as const;

/** A door of a StreamHouse target (`target.protocol`). */
export type ProtocolName = (typeof PROTOCOLS)[number];

/** The driver of each door: a definition here, or the package that has it; undefined where there is none yet. */
const BUILTIN_DRIVERS: Readonly<Record<ProtocolName, DriverDefinition | { package: string } | undefined>> = {
  grpc: grpcDriver,
  rest: restDriver,
  kafka: { package: '@loadhouse/driver-kafka' },
};

/** How a built-in driver is named where a driver module specifier goes. */
export const BUILTIN_PREFIX = 'loadhouse:';

/**
 * A door loadhouse can drive, from the value of `what` (an option or a flag): LH_INVALID_OPTION when it names
 * no door, LH_PROTOCOL_UNSUPPORTED when loadhouse has no driver for that door yet, LH_DRIVER_NOT_INSTALLED when
 * its driver package is not installed. Checked before any load.
 */
export function checkProtocol(value: unknown, what: string): ProtocolName {
  if (!isProtocol(value)) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${what} must be one of ${PROTOCOLS.join(', ')}, got ${JSON.stringify(value)}`, {
      details: { option: what },
    });
  }
  checkBuiltin(value);
  return value;
}

export function isProtocol(v: unknown): v is ProtocolName {
  return typeof v === 'string' && (PROTOCOLS as readonly string[]).includes(v);
}

/** loadhouse's own folder, where a driver package installed beside it is found from. */
const HERE = dirname(fileURLToPath(import.meta.url));

/** Where a package is installed, seen from loadhouse's own folder or from the working directory; undefined when not. */
function installedFrom(pkg: string, cwd: string, here = HERE): string | undefined {
  for (const start of [here, cwd]) {
    for (let d = start; ; d = dirname(d)) {
      if (existsSync(join(d, 'node_modules', pkg, 'package.json'))) return d;
      if (dirname(d) === d) break;
    }
  }
  return undefined;
}

function notInstalled(protocol: ProtocolName, pkg: string, cause?: unknown): LoadhouseError {
  return new LoadhouseError(
    'LH_DRIVER_NOT_INSTALLED',
    `--protocol ${protocol} needs the ${pkg} package, which is not installed: run \`npm i ${pkg}\` in the project (or next to loadhouse), then run again.`,
    { cause, details: { protocol, package: pkg } },
  );
}

/**
 * Throws when loadhouse cannot drive the door: no driver for it yet, or its package is not installed (looked
 * for from `here`, loadhouse's own folder, and from `cwd`).
 */
export function checkBuiltin(protocol: ProtocolName, cwd = process.cwd(), here = HERE): void {
  const def = BUILTIN_DRIVERS[protocol];
  if (!def) {
    const have = PROTOCOLS.filter((p) => BUILTIN_DRIVERS[p]).join(', ');
    throw new LoadhouseError(
      'LH_PROTOCOL_UNSUPPORTED',
      `loadhouse cannot drive the ${protocol} door yet (it drives ${have}). Use --protocol ${have.split(', ').join(' or ')}, or a third-party driver module (target.driver, docs/drivers.md).`,
      { details: { protocol } },
    );
  }
  if ('package' in def && !installedFrom(def.package, cwd, here)) throw notInstalled(protocol, def.package);
}

const loaded = new Map<string, Promise<DriverDefinition>>();

async function importPackage(protocol: ProtocolName, pkg: string): Promise<DriverDefinition> {
  let mod: Record<string, unknown>;
  try {
    // A specifier in a variable: bundlers leave it to Node, which resolves it from loadhouse's own folder.
    const specifier = pkg;
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (first) {
    // A worker thread run from TypeScript sources has only tsx's require hook (ESM loader hooks do not reach
    // worker threads on Node 20): the package's sources load through it.
    if ((first as { code?: unknown }).code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      return checkDefinition(protocol, pkg, createRequire(import.meta.url)(pkg) as Record<string, unknown>);
    }
    // Installed in the project rather than next to loadhouse.
    const from = installedFrom(pkg, process.cwd());
    if (!from) throw notInstalled(protocol, pkg, first);
    try {
      mod = (await import(pathToFileURL(createRequire(join(from, 'package.json')).resolve(pkg)).href)) as Record<string, unknown>;
    } catch (cause) {
      throw new LoadhouseError('LH_DRIVER_INVALID', `${pkg} is installed but could not be imported: ${(first as Error).message}`, {
        cause,
        details: { protocol, package: pkg },
      });
    }
  }
  return checkDefinition(protocol, pkg, mod);
}

function checkDefinition(protocol: ProtocolName, pkg: string, mod: Record<string, unknown>): DriverDefinition {
  const def = (mod.driver ?? mod.default) as DriverDefinition | undefined;
  if (typeof def?.create !== 'function' || def.apiVersion !== DRIVER_API_VERSION) {
    throw new LoadhouseError(
      'LH_DRIVER_INVALID',
      `${pkg} does not export a driver of driver API ${DRIVER_API_VERSION}: install the version that matches this loadhouse.`,
      { details: { protocol, package: pkg } },
    );
  }
  return def;
}

/** The driver of a door, importing its package on first use; the checks of checkBuiltin() otherwise. */
export function builtinDriver(protocol: ProtocolName): Promise<DriverDefinition> {
  checkBuiltin(protocol);
  const def = BUILTIN_DRIVERS[protocol]!;
  if (!('package' in def)) return Promise.resolve(def);
  let p = loaded.get(def.package);
  if (!p) {
    p = importPackage(protocol, def.package);
    loaded.set(def.package, p);
    p.catch(() => loaded.delete(def.package));
  }
  return p;
}
