// `loadhouse compare <baseline.json> <candidate.json>`: the regression gate. The statistics are core's
// (compareResults, docs/compare.md); this prints the table or the JSON and turns the verdict into an exit code.
import {
  compareResults,
  DEFAULT_COMPARE_ALPHA,
  DEFAULT_COMPARE_THRESHOLD_PERCENT,
  formatBytes,
  formatMs,
  formatNumber,
  LoadhouseError,
  checkOutputFile,
  writeOutput,
  type Comparison,
  type MetricComparison,
} from '@loadhouse/core';
import { readResult, renderComparison } from '@loadhouse/report';
import type { CommandDefinition } from './command.js';
import { EXIT } from './exit-codes.js';
import { defineFlags, NO_COLOR_FLAG, readFlags } from './flags.js';
import { colorFor, type Io } from './io.js';

export const COMPARE_FLAGS = defineFlags([
  {
    name: 'threshold',
    kind: 'number',
    value: '<percent>',
    min: 0,
    group: 'run',
    description:
      'Smallest change of a whole-run figure that can count as a regression or an improvement, in percent (the larger figure over ' +
      'the smaller: 10 ms -> 11 ms and 11 ms -> 10 ms are both 10%); smaller changes are "same" however consistent',
    default: DEFAULT_COMPARE_THRESHOLD_PERCENT,
  },
  {
    name: 'force',
    kind: 'boolean',
    group: 'run',
    description:
      'Compare results of different scenarios, scenario options, shard counts or windows (the differences are printed as warnings)',
  },
  {
    name: 'allow-partial-baseline',
    kind: 'boolean',
    group: 'run',
    description: 'Accept a partial, aborted or failed run as the baseline (refused by default: it does not describe a whole run)',
  },
  {
    name: 'html',
    kind: 'string',
    value: '<file.html>',
    group: 'output',
    description:
      "Also write the comparison as a single-file HTML page: the table, the test behind each row, both runs' windows drawn over each other",
  },
  {
    name: 'json',
    kind: 'boolean',
    group: 'output',
    description: 'Print the comparison as JSON ({verdict, regressions, improvements, metrics, ...})',
  },
  NO_COLOR_FLAG,
]);

function figure(m: MetricComparison, value: number): string {
  if (m.unit === 'ms') return formatMs(value);
  if (m.unit === 'bytes') return formatBytes(value);
  if (m.unit === '%') return `${formatNumber(value)}%`;
  return `${formatNumber(value)}/s`;
}

function change(m: MetricComparison): string {
  if (m.changePercent === null) return m.candidate === m.baseline ? '0%' : 'from 0';
  const sign = m.changePercent > 0 ? '+' : '';
  return `${sign}${formatNumber(m.changePercent)}%`;
}

const OUTCOME_TEXT: Record<MetricComparison['outcome'], string> = {
  regressed: 'yes: worse',
  improved: 'yes: better',
  same: 'no',
  untested: 'too few windows',
};

const VERDICT_TEXT: Record<Comparison['verdict'], string> = {
  regressed: 'REGRESSED',
  improved: 'IMPROVED (no regression)',
  same: 'SAME (no change beyond the threshold and the noise)',
  inconclusive: 'INCONCLUSIVE',
};

/** The comparison as the table a person reads. */
export function formatComparison(c: Comparison, color: boolean): string {
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const head = ['Metric', 'Baseline', 'Candidate', 'Change', 'Significant?'];
  const rows = c.metrics.map((m) => [m.label, figure(m, m.baseline), figure(m, m.candidate), change(m), OUTCOME_TEXT[m.outcome]]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const out = [
    `Baseline:  ${c.baseline.name} (${c.baseline.scenario}, ${c.baseline.startedAt}, ${c.baseline.windows} windows)`,
    `Candidate: ${c.candidate.name} (${c.candidate.scenario}, ${c.candidate.startedAt}, ${c.candidate.windows} windows)`,
    '',
    `  ${line(head)}`,
    ...c.metrics.map((m, i) => {
      const text = `  ${line(rows[i]!)}`;
      return m.outcome === 'regressed'
        ? paint(31, text)
        : m.outcome === 'improved'
          ? paint(32, text)
          : m.outcome === 'untested'
            ? paint(33, text)
            : text;
    }),
    '',
    `Method: a change counts when it exceeds ${c.thresholdPercent}% of the baseline's whole-run figure and the per-window values ` +
      `show it beyond run-to-run noise (one-sided Mann-Whitney, Holm-corrected, family-wise alpha ${c.alpha}); see docs/compare.md.`,
  ];
  for (const w of c.warnings) out.push(`Warning: ${w}`);
  for (const why of c.inconclusiveBecause) out.push(`Inconclusive: ${why}`);
  const verdict = VERDICT_TEXT[c.verdict];
  const names = c.regressions.map((m) => m.label).join(', ');
  out.push(
    '',
    c.verdict === 'regressed'
      ? paint(31, `Verdict: ${verdict}: ${names}`)
      : paint(c.verdict === 'inconclusive' ? 33 : 32, `Verdict: ${verdict}`),
  );
  return `${out.join('\n')}\n`;
}

/** Exit 0 only when the candidate is shown not to be worse: regressed and inconclusive both fail the gate. */
export function compareExitCode(c: Comparison): number {
  return c.verdict === 'same' || c.verdict === 'improved' ? EXIT.OK : EXIT.CRITERIA_FAILED;
}

export async function compareCommand(files: string[], raw: Record<string, unknown>, io: Io): Promise<number> {
  const v = readFlags(COMPARE_FLAGS, raw);
  if (files.length !== 2)
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      `compare takes two result files, the baseline then the candidate (got ${files.length}): loadhouse compare baseline.json candidate.json`,
    );
  if (v.html !== undefined) await checkOutputFile(v.html, '--html');
  const [baseline, candidate] = await Promise.all(files.map(readResult));
  const comparison = compareResults(baseline, candidate, {
    thresholdPercent: v.threshold,
    force: v.force === true,
    allowPartialBaseline: v.allowPartialBaseline === true,
    names: [files[0]!, files[1]!],
  });
  if (v.html !== undefined) await writeOutput(v.html, renderComparison(baseline!, candidate!, comparison), 'comparison page');
  if (v.json) io.stdout(`${JSON.stringify(comparison, null, 2)}\n`);
  else io.stdout(formatComparison(comparison, colorFor(io, 'stdout', v.noColor === true)));
  return compareExitCode(comparison);
}

export const COMPARE_COMMAND: CommandDefinition = {
  name: 'compare',
  usage: 'compare <baseline> <candidate>',
  description:
    'Did it get worse? Compare a candidate result with a baseline result of the same test, metric by metric (rates, errors, ' +
    'latency percentiles, end-to-end latency, target memory). A change counts only when the whole-run figures differ by more ' +
    'than --threshold percent (the larger over the smaller) AND the per-window values show it beyond run-to-run noise (one-sided Mann-Whitney over the ' +
    `windows, Holm-corrected, family-wise alpha ${DEFAULT_COMPARE_ALPHA}; docs/compare.md). Refuses results of different tests ` +
    '(LH_COMPARE_MISMATCH) unless --force, and a partial or failed baseline (LH_COMPARE_BASELINE_PARTIAL) unless ' +
    '--allow-partial-baseline. Exit 0 when the verdict is same or improved; 1 when it regressed, or is inconclusive (a change ' +
    'beyond the threshold with too few windows to judge, a candidate that did not run to its end, or a load generator saturated in more ' +
    "than a quarter of a run's windows); 2 on bad input",
  flags: COMPARE_FLAGS,
  examples: [
    'loadhouse compare baseline.json results/high-throughput-2026-01-02T03-04-05-678Z.json',
    'loadhouse compare baseline.json candidate.json --threshold 20 --json',
  ],
  action: (files, raw, io) => compareCommand([...files], raw, io),
};
