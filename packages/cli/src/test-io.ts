// An in-memory Io for driving the CLI in-process from tests: output is collected, signals never fire.
import type { Io } from './io.js';

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
