// Where a run happened: enough to tell two results apart (machine, runtime, loadhouse version).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { RunEnvironment } from '../types.js';

let version: string | undefined;

/** Version of @loadhouse/core, read from its package.json (same relative place in src/ and dist/). */
export function loadhouseVersion(): string {
  if (version === undefined) {
    version = '0.0.0';
    for (const rel of ['../../package.json', '../package.json']) {
      try {
        const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === '@loadhouse/core' && pkg.version) {
          version = pkg.version;
          break;
        }
      } catch {
        // try the next location
      }
    }
  }
  return version;
}

export function environment(): RunEnvironment {
  const cpus = os.cpus();
  return {
    loadhouseVersion: loadhouseVersion(),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    hostname: os.hostname(),
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    pid: process.pid,
  };
}
