// `loadhouse report <result.json>`: a single-file HTML page of a result.
import { checkOutputFile } from '@loadhouse/core';
import { writeReport } from '@loadhouse/report';
import { EXIT } from './exit-codes.js';
import { readFlags, type FlagSpec } from './flags.js';
import type { Io } from './io.js';

export const REPORT_FLAGS: FlagSpec[] = [
  {
    name: 'out',
    alias: 'o',
    kind: 'string',
    value: '<file.html>',
    group: 'output',
    description: 'Where to write the page (default: the result path with .html)',
  },
];

export async function reportCommand(resultPath: string, raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(REPORT_FLAGS, raw);
  if (typeof v.out === 'string') await checkOutputFile(v.out, '--out');
  const out = await writeReport(resultPath, v.out as string | undefined);
  io.stdout(`Report written to ${out}\n`);
  return EXIT.OK;
}
