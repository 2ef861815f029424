// An in-memory Io for driving the CLI in-process from tests: output is collected, signals never fire.
import type { Io } from './io.js';
import { main } from './main.js';

export type CapturedIo = Io & { out: string; err: string };

export function captureIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  const io: CapturedIo = {
    out: '',
    err: '',
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    isTTY: false,
    env,
    cwd: process.cwd(),
    onSignal: () => () => undefined,
    exit: () => undefined,
  };
  return io;
}

/** Runs `loadhouse <argv>` in this process: its exit code and what it printed (into `io`, a fresh one by default). */
export async function runCli(argv: string[], io: CapturedIo = captureIo()): Promise<{ code: number; io: CapturedIo }> {
  return { code: await main(argv, io), io };
}

/**
 * Command-line arguments written as at a shell, so a test reads like the command it runs: the literal text splits
 * at white space, and a `${value}` joins the word it stands in (a path with spaces stays one argument).
 */
export function args(strings: TemplateStringsArray, ...values: Array<string | number>): string[] {
  const out: string[] = [];
  let word: string | undefined;
  strings.forEach((text, i) => {
    text.split(/\s+/).forEach((part, j) => {
      if (j > 0 && word !== undefined) {
        out.push(word);
        word = undefined;
      }
      if (part) word = (word ?? '') + part;
    });
    if (i < values.length) word = (word ?? '') + String(values[i]);
  });
  if (word !== undefined) out.push(word);
  return out;
}
