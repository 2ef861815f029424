// Plain JavaScript, for the preloads of bench/ (worker-profiler.mjs, memory-sampler.mjs): worker threads started
// with their own execArgv (loadhouse's pool passes tsx's loader when run from sources) do not inherit a preload
// given to the main thread, so each Worker made afterwards gets `--import <preload>` added to its execArgv.
// Patched on the module object every require('worker_threads') returns, before the pool's module is loaded.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Makes every Worker started with an execArgv also preload `preloadUrl` (a file: URL, import.meta.url). */
export function preloadIntoWorkers(preloadUrl) {
  const wt = createRequire(import.meta.url)('node:worker_threads');
  const self = fileURLToPath(preloadUrl);
  const Base = wt.Worker;
  wt.Worker = class extends Base {
    constructor(filename, options) {
      const execArgv = options?.execArgv ? [...options.execArgv, '--import', self] : undefined;
      super(filename, execArgv ? { ...options, execArgv } : options);
    }
  };
  syncBuiltinESMExports();
}
