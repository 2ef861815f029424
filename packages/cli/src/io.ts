// The command's contact with the outside world, injectable so tests can drive the CLI in-process.

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal: the live progress line and its colour. */
  isTTY: boolean;
  /** stdout is a terminal: the summary's colour (`run > out.txt` from a terminal gets none). */
  stdoutIsTTY?: boolean;
  /** Width of the stderr terminal, when it is one: the live line is kept shorter so it never wraps. */
  columns?: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  exit(code: number): void;
}

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    // Read at each refresh: the terminal may be resized during a long run.
    get columns() {
      return process.stderr.columns;
    },
    env: process.env,
    cwd: process.cwd(),
    onSignal(handler) {
      const h = (s: NodeJS.Signals) => handler(s);
      process.on('SIGINT', h);
      process.on('SIGTERM', h);
      return () => {
        process.off('SIGINT', h);
        process.off('SIGTERM', h);
      };
    },
    exit: (code) => process.exit(code),
  };
}

/**
 * Whether to colour what goes to one stream: never with --no-color or NO_COLOR (any non-empty value,
 * no-color.org), always with FORCE_COLOR (other than 0 or false), otherwise when that stream is a terminal.
 */
export function colorFor(io: Io, stream: 'stdout' | 'stderr', noColorFlag = false): boolean {
  if (noColorFlag || (io.env.NO_COLOR ?? '') !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (io.env.TERM === 'dumb') return false;
  return stream === 'stdout' ? io.stdoutIsTTY === true : io.isTTY;
}
