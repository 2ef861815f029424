// Result files: one JSON document per run, replaced atomically (write a temp file, then rename) so a
// reader or a crash never sees half a file, whether it is a checkpoint or the final result. The same
// writer and checks serve every file loadhouse produces (result, merged result, HTML report).
import { mkdir, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LoadhouseError } from '../errors.js';

/** `<scenario>-<timestamp>[-shard-<i>of<n>].json` with a file-name-safe ISO timestamp. */
export function resultFileName(scenario: string, startedAt: Date, shard?: { index: number; count: number } | null): string {
  const safe = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  return `${safe}-${stamp}${shard ? `-shard-${shard.index}of${shard.count}` : ''}.json`;
}

let seq = 0;

const errno = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: ${message}`), { code });

/**
 * `mkdir -p` that always ends. Node's recursive mkdir loops forever where mkdir answers ENOENT although the
 * parent exists (/proc/x/y): it takes ENOENT for "parent missing" and retries. Here each missing level is made
 * once, from the nearest existing ancestor down, and the first refusal is the answer.
 */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      if (!(await stat(at)).isDirectory()) throw errno('ENOTDIR', `${at} is not a folder`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) throw err;
      missing.unshift(at);
    }
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (err) {
      // Made by someone else meanwhile (two shards sharing a folder) is fine; anything else is not.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await stat(level)).isDirectory()) throw err;
    }
  }
}

/** The nearest existing path at or above `p` when it is not a folder: why a folder cannot be made there. */
async function fileInTheWay(p: string): Promise<string | undefined> {
  for (let at = path.resolve(p); path.dirname(at) !== at; at = path.dirname(at)) {
    const s = await stat(at).catch(() => undefined);
    if (s) return s.isDirectory() ? undefined : at;
  }
  return undefined;
}

/**
 * Checks, before any work, that files can be written into `dir`: it can be made, a file can be created in it
 * and its disk is not full. `option` names what the user set (`--results-dir`, `--out`); the error says what
 * to do. A probe file rather than access(W_OK): it does what the writer will do, so whatever refuses the write
 * (permissions, a read-only or root-squashed mount, no inodes left) refuses it here.
 */
export async function checkOutputDir(dir: string, option: string): Promise<void> {
  const abs = path.resolve(dir);
  const refuse = (why: string, cause?: unknown) =>
    new LoadhouseError('LH_INVALID_OPTION', `${option} ${abs} ${why}: choose another folder (${option})`, {
      cause,
      details: { option, value: dir },
    });
  try {
    await makeDir(abs);
  } catch (cause) {
    const file = await fileInTheWay(abs);
    if (file === abs) throw refuse('is not a folder', cause);
    if (file) throw refuse(`cannot be created: ${file} is not a folder`, cause);
    throw refuse(`cannot be created (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause);
  }
  const probe = path.join(abs, `.loadhouse-probe-${process.pid}-${++seq}`);
  try {
    await writeFile(probe, '');
  } catch (cause) {
    throw refuse(`cannot be written (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  const fs = await statfs(abs).catch(() => undefined);
  // root may also use the blocks reserved for it, which bavail leaves out.
  if (fs && (process.getuid?.() === 0 ? fs.bfree : fs.bavail) === 0) throw refuse('is on a disk with no space left');
}

/** Checks an output file path (`-o`) before any work: its folder as checkOutputDir does, and it is not a folder. */
export async function checkOutputFile(file: string, option: string): Promise<void> {
  const abs = path.resolve(file);
  const s = await stat(abs).catch(() => undefined);
  if (s?.isDirectory()) {
    throw new LoadhouseError('LH_INVALID_OPTION', `${option} ${abs} is a folder: give a file path (${option} ${path.join(file, 'name')})`, {
      details: { option, value: file },
    });
  }
  await checkOutputDir(path.dirname(abs), option);
}

/** Writes `text` to `file` atomically; on failure nothing is left behind, not even a partial file. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await makeDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.${++seq}.tmp`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * writeFileAtomic with the failure as LH_RESULT_WRITE_FAILED naming the file and the system's reason
 * (ENOSPC, EACCES...): what loadhouse produced could not be kept, which fails the command that made it.
 */
export async function writeOutput(file: string, text: string, what: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (cause) {
    throw writeFailed(file, what, cause);
  }
}

export function writeFailed(file: string, what: string, cause: unknown): LoadhouseError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new LoadhouseError(
    'LH_RESULT_WRITE_FAILED',
    `The ${what} could not be written to ${path.resolve(file)} (${reason}): free space or choose another path`,
    { cause, details: { path: path.resolve(file) } },
  );
}
