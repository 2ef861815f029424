// A test seam of the load worker, outside the options: a worker told to crash does, at a set time.

/** Test seam, outside the options: LOADHOUSE_TEST_CRASH_WORKER=<ms>[:exit] makes this worker die that long after it started. */
export function armCrash(workerIndex: number): void {
  const m = /^(\d+)(?::(throw|exit))?$/.exec(process.env.LOADHOUSE_TEST_CRASH_WORKER ?? '');
  if (!m) return;
  const crash = { afterMs: Number(m[1]), mode: m[2] ?? 'throw' };
  setTimeout(() => {
    if (crash.mode === 'exit') process.exit(1);
    throw new Error(`test-only crash of worker ${workerIndex} after ${crash.afterMs} ms`);
  }, crash.afterMs);
}
