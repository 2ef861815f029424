// `loadhouse merge shard-*.json -o merged.json`: the cluster-wide result of a sharded run, exact percentiles.
import {
  checkOutputFile,
  LoadhouseError,
  MAX_START_SKEW_PERCENT,
  mergeResults,
  OUT_OF_STEP_SLACK_SECONDS,
  writeOutput,
  type LoadTestResult,
} from '@loadhouse/core';
import { initHistograms } from '@loadhouse/core/histogram';
import { readResult } from '@loadhouse/report';
import { EXIT } from './exit-codes.js';
import type { CommandDefinition } from './command.js';
import { defineFlags, NO_COLOR_FLAG, readFlags } from './flags.js';
import { colorFor, type Io } from './io.js';
import { exitCodeFor } from './run-command.js';
import { formatSummary } from './summary.js';

export const MERGE_FLAGS = defineFlags([
  {
    name: 'out',
    alias: 'o',
    kind: 'string',
    value: '<file.json>',
    group: 'output',
    description: 'Where to write the merged result',
    default: 'merged.json',
  },
  { name: 'json', kind: 'boolean', group: 'output', description: 'Print the merged result JSON to stdout instead of the summary' },
  {
    name: 'allow-partial',
    kind: 'boolean',
    group: 'output',
    description: 'Merge even when shards are missing or did not run together: the result is marked partial, its criteria not judged',
  },
  NO_COLOR_FLAG,
]);

/** Which shards the merge holds and how well they ran together. */
export function coverageNote(merged: LoadTestResult): string {
  const m = merged.merge;
  if (!m) return '';
  const each = [...m.overlapPercent].sort((a, b) => a.index - b.index).map((o) => `shard ${o.index} ${o.overlapPercent}%`);
  const lines = [
    `Shards: ${m.shardCount - m.missing.length} of ${m.shardCount}; share of the merged ${m.windowSeconds} s window each ran: ${each.join(', ')} ` +
      `(together: each started within ${m.maxStartSkewPercent}% of the window, or ${m.outOfStepSlackSeconds} s, of the first).`,
  ];
  for (const why of m.partialBecause) lines.push(`Partial: ${why}`);
  return `${lines.join('\n')}\n`;
}

/** Which merged percentiles are exact and which are upper bounds. */
export function percentileNote(merged: LoadTestResult): string {
  const bounded = merged.phases.filter((p) => !p.histograms).map((p) => p.name);
  const lines = [
    `Percentiles: overall${bounded.length < merged.phases.length ? ' and per phase' : ''} exact (merged histograms); per interval the worst shard's (an upper bound).`,
  ];
  if (bounded.length > 0)
    lines.push(`Phases ${bounded.join(', ')}: the worst shard's percentiles (a shard stored no histograms for them).`);
  return `${lines.join('\n')}\n`;
}

export async function mergeCommand(files: string[], raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(MERGE_FLAGS, raw);
  if (files.length === 0)
    throw new LoadhouseError('LH_INVALID_OPTION', 'merge needs result files: loadhouse merge results/*.json -o merged.json');
  const out = v.out;
  await checkOutputFile(out, '--out');
  const results = await Promise.all(files.map(readResult));
  await initHistograms();
  const merged = mergeResults(results, { names: files, allowPartial: v.allowPartial === true });
  await writeOutput(
    out,
    `${JSON.stringify(merged, null, 2)}
`,
    'merged result',
  );
  if (v.json) io.stdout(`${JSON.stringify(merged, null, 2)}\n`);
  else {
    const notes = `${coverageNote(merged)}${percentileNote(merged)}`;
    const summary = formatSummary(merged, { color: colorFor(io, 'stdout', v.noColor === true) });
    io.stdout(`Merged ${files.length} shard result(s) into ${out}\n${notes}\n${summary}\n`);
  }
  // Exit 0 only for the whole run, every shard to its end and every criterion that applies passed.
  const code = exitCodeFor(merged, false);
  return code === EXIT.OK && merged.partial ? EXIT.CRITERIA_FAILED : code;
}

export const MERGE_COMMAND: CommandDefinition = {
  name: 'merge',
  usage: 'merge <...results>',
  description:
    'Merge the results of the shards of one run: counters summed, histograms merged exactly, series aligned, criteria re-evaluated. ' +
    `Every shard 0..n-1 must be given once, and the shards must have run together: each started within ${MAX_START_SKEW_PERCENT}% ` +
    `of the merged window (first start to last end), or ${OUT_OF_STEP_SLACK_SECONDS} s, of the first, and none ended before the last began; otherwise merge refuses ` +
    '(exit 2, LH_MERGE_INCOMPLETE or LH_MERGE_NOT_CONCURRENT) unless --allow-partial. Exit 0 only when the shards make the whole run, ' +
    'each completed, and every criterion passed; 1 when a criterion failed or the merge is partial (a shard aborted or partial, ' +
    'or shards missing or out of step with --allow-partial); 3 when a shard failed',
  flags: MERGE_FLAGS,
  examples: ['loadhouse merge results/run-42/*.json -o results/run-42-merged.json'],
  action: (files, raw, io) => mergeCommand([...files], raw, io),
};
