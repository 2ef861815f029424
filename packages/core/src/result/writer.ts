// Result files: one JSON document per run, replaced atomically (write a temp file, then rename) so a
// reader or a crash never sees half a file, whether it is a checkpoint or the final result.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `<scenario>-<timestamp>[-shard-<i>of<n>].json` with a file-name-safe ISO timestamp. */
export function resultFileName(scenario: string, startedAt: Date, shard?: { index: number; count: number } | null): string {
  const safe = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  return `${safe}-${stamp}${shard ? `-shard-${shard.index}of${shard.count}` : ''}.json`;
}

let seq = 0;

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${++seq}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', 'utf8');
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
