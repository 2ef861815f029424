// Plain JavaScript: a worker thread runs its preloads before tsx's loader is ready, so a .ts file fails there.
// Preloaded (`node --import ./bench/worker-profiler.mjs`) into a profiled measurement: in each worker thread it
// starts the V8 CPU profiler through the thread's own inspector session and writes `worker-<threadId>.cpuprofile`
// to LH_PROFILE_DIR after LH_PROFILE_MS. `node --cpu-prof` alone loses the load worker's profile: loadhouse ends
// its workers with terminate(), and a terminated thread writes nothing.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.LH_PROFILE_DIR;
const ms = Number(process.env.LH_PROFILE_MS ?? 0);
if (isMainThread && dir && ms > 0) {
  // Workers started with their own execArgv (loadhouse's pool passes tsx's loader when run from sources) do not
  // inherit this preload: add it. Patched on the module object every require('worker_threads') returns, before
  // the pool's module is loaded.
  const wt = createRequire(import.meta.url)('node:worker_threads');
  const self = fileURLToPath(import.meta.url);
  const Base = wt.Worker;
  wt.Worker = class extends Base {
    constructor(filename, options) {
      const execArgv = options?.execArgv ? [...options.execArgv, '--import', self] : undefined;
      super(filename, execArgv ? { ...options, execArgv } : options);
    }
  };
  syncBuiltinESMExports();
}
if (!isMainThread && dir && ms > 0) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => {
    session.post('Profiler.start', () => {
      // Not unref'd: a worker that ends earlier loses its profile, one that runs longer is cut at `ms`.
      setTimeout(() => {
        session.post('Profiler.stop', (err, res) => {
          if (!err) writeFileSync(join(dir, `worker-${threadId}.cpuprofile`), JSON.stringify(res.profile));
          session.disconnect();
        });
      }, ms);
    });
  });
}
