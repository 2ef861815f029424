// Exit codes of the `loadhouse` command (documented in docs/cli.md).
export const EXIT = {
  /** The run completed and every criterion passed (criteria marked not applicable are shown as N/A and not counted). */
  OK: 0,
  /** The run ended and at least one criterion failed (or a live criterion aborted it); compare: regressed or inconclusive. */
  CRITERIA_FAILED: 1,
  /** Bad usage or set-up: unknown scenario or flag, invalid value, unreachable target, failed pre-flight. */
  USAGE: 2,
  /**
   * The run failed while running (a worker crashed, the target went away; a partial result was written), or its
   * result, merged result or report could not be written (LH_RESULT_WRITE_FAILED).
   */
  RUN_FAILED: 3,
  /** Interrupted by SIGINT/SIGTERM; a partial result was written. */
  INTERRUPTED: 130,
} as const;
