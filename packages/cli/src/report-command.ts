// `loadhouse report <result.json>`: a single-file HTML page of a result.
import { checkOutputFile } from '@loadhouse/core';
import { writeReport } from '@loadhouse/report';
import { EXIT } from './exit-codes.js';
import type { CommandDefinition } from './command.js';
import { defineFlags, readFlags } from './flags.js';
import type { Io } from './io.js';

export const REPORT_FLAGS = defineFlags([
  {
    name: 'out',
    alias: 'o',
    kind: 'string',
    value: '<file.html>',
    group: 'output',
    description: 'Where to write the page (default: the result path with .html)',
  },
]);

export async function reportCommand(resultPath: string, raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(REPORT_FLAGS, raw);
  if (typeof v.out === 'string') await checkOutputFile(v.out, '--out');
  const out = await writeReport(resultPath, v.out);
  io.stdout(`Report written to ${out}\n`);
  return EXIT.OK;
}

export const REPORT_COMMAND: CommandDefinition = {
  name: 'report',
  usage: 'report <result.json>',
  description: 'Render a result file as one self-contained HTML page with charts (no network needed to open it)',
  flags: REPORT_FLAGS,
  examples: ['loadhouse report results/high-throughput-2026-11-28T10-00-00-000Z.json -o report.html'],
  action: (args, raw, io) => reportCommand(String(args[0]), raw, io),
};
