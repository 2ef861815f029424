// `loadhouse merge shard-*.json -o merged.json`: the cluster-wide result of a sharded run, exact percentiles.
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { criterionFailed, LoadhouseError, initHistograms, mergeResults, type LoadTestResult } from '@loadhouse/core';
import { readResult } from '@loadhouse/report';
import { EXIT } from './exit-codes.js';
import { readFlags, type FlagSpec } from './flags.js';
import type { Io } from './io.js';
import { formatSummary } from './summary.js';

export const MERGE_FLAGS: FlagSpec[] = [
  { name: 'out', alias: 'o', kind: 'string', value: '<file.json>', group: 'output', description: 'Where to write the merged result', default: 'merged.json' },
  { name: 'json', kind: 'boolean', group: 'output', description: 'Print the merged result JSON to stdout instead of the summary' },
];

/** Which merged percentiles are exact and which are upper bounds. */
export function percentileNote(merged: LoadTestResult): string {
  const bounded = merged.phases.filter((p) => !p.histograms).map((p) => p.name);
  const lines = [
    `Percentiles: overall${bounded.length < merged.phases.length ? ' and per phase' : ''} exact (merged histograms); per interval the worst shard's (an upper bound).`,
  ];
  if (bounded.length > 0) lines.push(`Phases ${bounded.join(', ')}: the worst shard's percentiles (a shard stored no histograms for them).`);
  return `${lines.join('\n')}\n`;
}

export async function mergeCommand(files: string[], raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(MERGE_FLAGS, raw);
  if (files.length === 0) throw new LoadhouseError('LH_INVALID_OPTION', 'merge needs result files: loadhouse merge results/*.json -o merged.json');
  const results = await Promise.all(files.map(readResult));
  await initHistograms();
  const merged = mergeResults(results, { names: files });
  const out = v.out as string;
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(merged, null, 2)}\n`);
  if (v.json) io.stdout(`${JSON.stringify(merged, null, 2)}\n`);
  else io.stdout(`Merged ${files.length} shard result(s) into ${out}\n${percentileNote(merged)}\n${formatSummary(merged, { color: io.isTTY })}\n`);
  return merged.criteria.some(criterionFailed) ? EXIT.CRITERIA_FAILED : EXIT.OK;
}
