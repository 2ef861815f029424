// Where a worker thread's entry module lives, and how to start it: the TypeScript source next to this file (run
// under tsx with the `source` condition, as in the tests and `pnpm bench`), or the built JavaScript. Shared by
// the load workers (pools/worker-pool.ts) and the fault proxy's thread (proxy/thread.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** An entry module of a thread, named by its path under src/ without extension. */
export type ThreadEntry = 'worker/host' | 'proxy/thread-host';

export function threadModule(entry: ThreadEntry): { filename: string; source: boolean } {
  // Sources: src/<entry>.ts beside this file. Built (tsup keeps each entry's folder under src/): this code sits
  // in dist/index.js or a chunk next to it -> dist/<entry>.js, or inside another entry one folder down.
  const candidates: Array<[string, boolean]> = [
    [`./${entry}.ts`, true],
    [`./${entry}.js`, false],
    [`../${entry}.js`, false],
  ];
  for (const [rel, source] of candidates) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if ((source ? import.meta.url.endsWith('.ts') : true) && existsSync(p)) return { filename: p, source };
  }
  throw new Error(`loadhouse thread module (${entry}) not found next to @loadhouse/core`);
}

function tsxImport(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}

/**
 * The thread's `execArgv`: from sources, tsx loads the TypeScript and the `source` condition makes a package
 * imported by name (a driver package, `--protocol kafka`) resolve to its sources too.
 */
export function threadExecArgv(source: boolean): string[] | undefined {
  return source ? ['--conditions=source', '--import', tsxImport()] : undefined;
}

/** tsx's ESM API (the `import` build of `tsx/esm/api`: require.resolve names its CommonJS twin). */
function tsxEsmApi(): string {
  try {
    return pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
  } catch {
    return 'tsx/esm/api';
  }
}

/**
 * Starts a plain worker thread (not a Piscina task) on an entry module that runs on load. From sources the
 * thread's main module is a small script that registers tsx and then imports the entry: tsx given in execArgv
 * (`--import`) does not yet apply to a thread's main module in Node 20, nor to ESM imports (Piscina gets by
 * because it require()s its task module, which the CommonJS hook does serve).
 */
export function startThread(entry: ThreadEntry, workerData: unknown): Worker {
  const mod = threadModule(entry);
  if (!mod.source) return new Worker(mod.filename, { workerData });
  const boot =
    `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(pathToFileURL(mod.filename).href)}); })`;
  return new Worker(boot, { eval: true, workerData, execArgv: ['--conditions=source'] });
}
