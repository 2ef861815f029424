// Plain JavaScript: a worker thread runs its preloads before tsx's loader is ready, so a .ts file fails there.
// Preloaded (`node --import ./bench/worker-profiler.mjs`) into a profiled measurement: in each worker thread it
// starts the V8 CPU profiler through the thread's own inspector session and writes `worker-<threadId>.cpuprofile`
// to LH_PROFILE_DIR after LH_PROFILE_MS. `node --cpu-prof` alone loses the load worker's profile: loadhouse ends
// its workers with terminate(), and a terminated thread writes nothing.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { preloadIntoWorkers } from './preload-workers.mjs';

const dir = process.env.LH_PROFILE_DIR;
const ms = Number(process.env.LH_PROFILE_MS ?? 0);
if (isMainThread && dir && ms > 0) {
  // Workers started with their own execArgv do not inherit this preload: add it.
  preloadIntoWorkers(import.meta.url);
}
// LH_PROFILE_KIND=heap samples allocations instead (every object allocated, kept or collected: the churn GC pays
// for), written as worker-<threadId>.heapprofile; summarize with bench/heap-summary.mjs.
const heap = process.env.LH_PROFILE_KIND === 'heap';
if (!isMainThread && dir && ms > 0) {
  const session = new Session();
  session.connect();
  const [domain, start, stop, ext, startParams] = heap
    ? [
        'HeapProfiler',
        'startSampling',
        'stopSampling',
        'heapprofile',
        { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true },
      ]
    : ['Profiler', 'start', 'stop', 'cpuprofile', {}];
  session.post(`${domain}.enable`, () => {
    session.post(`${domain}.${start}`, startParams, () => {
      // Not unref'd: a worker that ends earlier loses its profile, one that runs longer is cut at `ms`.
      setTimeout(() => {
        session.post(`${domain}.${stop}`, (err, res) => {
          if (!err) writeFileSync(join(dir, `worker-${threadId}.${ext}`), JSON.stringify(res.profile));
          session.disconnect();
        });
      }, ms);
    });
  });
}
