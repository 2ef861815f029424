// Plain JavaScript, preloaded like bench/worker-profiler.mjs (`node --import ./bench/memory-sampler.mjs`): every
// LH_MEMORY_EVERY_MS (default 250) each thread (the main thread and every worker) notes the process's RSS and
// its own V8 heap (used, total, young generation, external and array buffers), and writes them as JSON lines to
// LH_MEMORY_DIR/memory-<threadId>.jsonl: where a run's memory goes, thread by thread, over time.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import { preloadIntoWorkers } from './preload-workers.mjs';

const dir = process.env.LH_MEMORY_DIR;
const every = Number(process.env.LH_MEMORY_EVERY_MS ?? 250);
if (isMainThread && dir) {
  preloadIntoWorkers(import.meta.url);
}
if (dir) {
  const file = join(dir, `memory-${threadId}.jsonl`);
  const t0 = Date.now();
  const mb = (b) => Math.round(b / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    appendFileSync(
      file,
      `${JSON.stringify({
        s: (Date.now() - t0) / 1000,
        rss: mb(m.rss),
        heapUsed: mb(h.used_heap_size),
        heapTotal: mb(h.total_heap_size),
        young: mb(young?.space_size ?? 0),
        external: mb(h.external_memory ?? m.external),
        arrayBuffers: mb(m.arrayBuffers),
        malloced: mb(h.malloced_memory),
      })}\n`,
    );
  }, every).unref();
}
