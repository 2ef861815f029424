// SIGINT/SIGTERM during `run` and `suite`: the first drains and writes the partial result, the second writes
// what the run has at once (bounded), a third exits.
import { LoadhouseError, orTimeout, type LoadTest } from '@loadhouse/core';
import type { EmbeddedTarget } from './embedded-target.js';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';

/** The end message a result written on a second signal carries. */
export const FORCED_NOTE = 'A second signal cut the drain short: batches still in flight then are not counted.';

/**
 * SIGINT/SIGTERM handling shared by run and suite: the first aborts gracefully (drain, full partial result); the
 * second writes what the run has (`onForce`, bounded) and exits 130; a third exits at once.
 */
export function interruptible(
  io: Io,
  onForce: () => Promise<void>,
): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const abort = new AbortController();
  let interrupted = false;
  let forcing = false;
  const dispose = io.onSignal((signal) => {
    if (forcing) {
      io.exit(EXIT.INTERRUPTED);
      return;
    }
    if (interrupted) {
      forcing = true;
      io.stderr(`\nSecond ${signal}: writing what the run has and exiting without waiting for the drain (again to exit at once)...\n`);
      // 130 promises a partial result on disk (or a run that had not begun): without one, the run failed (3).
      const written = onForce().then(
        () => EXIT.INTERRUPTED,
        (err: unknown) => {
          io.stderr(`could not write the partial result: ${(err as Error).message}\n`);
          return EXIT.RUN_FAILED;
        },
      );
      void orTimeout(written, FORCE_WRITE_MS, EXIT.RUN_FAILED).then((code) => {
        if (code === EXIT.RUN_FAILED) io.stderr('Exiting without a result file: the run counts as failed (exit 3).\n');
        io.exit(code);
      });
      return;
    }
    interrupted = true;
    io.stderr(`\n${signal}: stopping the run, draining in-flight batches and writing the partial result (again to force)...\n`);
    abort.abort(new LoadhouseError('LH_RUN_ABORTED', `Interrupted by ${signal}`));
  });
  return { signal: abort.signal, interrupted: () => interrupted, dispose };
}

/** How long a second signal waits for the partial result to be written before exiting anyway. */
const FORCE_WRITE_MS = 5000;

/**
 * On a second signal: the result as the run has it, written now; the embedded agent is told to stop (it also
 * stops by itself once this process is gone and its stdin closes).
 */
export async function forceResult(test: LoadTest | undefined, embedded: EmbeddedTarget | undefined, io: Io): Promise<void> {
  void embedded?.stop();
  const path = await test?.writePartial(FORCED_NOTE);
  if (path) io.stderr(`Result written to ${path}\n`);
  else io.stderr('The run had not begun: there is no result to write.\n');
}
