// Renders docs/cli.md from the command definitions, so the reference cannot drift from the CLI (a test checks it).
import { EXIT } from './exit-codes.js';
import { flagHelp } from './command.js';
import { commandDefinitions } from './main.js';
import { SCENARIOS } from './catalog.js';
import { UNITS_HELP } from './flags.js';

const EXIT_TEXT: Record<keyof typeof EXIT, string> = {
  OK:
    'The run completed and every criterion passed, except those shown as N/A: not applicable to the run ' +
    '(too short or too small to judge), listed with why. `compare`: the candidate is the same or improved.',
  CRITERIA_FAILED:
    'The run ended and at least one criterion failed, or a live criterion aborted it (`--abort-on-fail`). ' +
    '`compare`: the candidate regressed, or the comparison is inconclusive (docs/compare.md).',
  USAGE: 'Bad usage or set-up: unknown scenario or flag, invalid value, unreachable target, failed pre-flight. No load was sent.',
  RUN_FAILED:
    'The run failed while running (a worker crashed, the target went away; a partial result was written), or its result file, ' +
    'merged result or HTML report could not be written (`LH_RESULT_WRITE_FAILED`, e.g. a full disk; nothing was kept; a run still prints its summary).',
  INTERRUPTED:
    'Interrupted by SIGINT or SIGTERM (Ctrl-C), wherever it landed (set-up included). In-flight batches were drained and a partial result was written; ' +
    'a second Ctrl-C cuts the drain short and writes what the run has (only one before the run began has nothing to write, and says so).',
};

export function renderCliDocs(): string {
  const out: string[] = [
    '# loadhouse CLI reference',
    '',
    '<!-- Generated from packages/cli/src (flags.ts, main.ts) by `pnpm docs:cli`; a test fails when it is stale. -->',
    '',
    'Run it from this repository as `pnpm loadhouse <command>` (from the TypeScript sources), or build it first with `pnpm build` ' +
      'and run `node packages/cli/dist/bin.js <command>`; the packed packages installed with npm give a `loadhouse` command ' +
      '([README](../README.md#a-loadhouse-command)). Scenario defaults and criteria follow the [load-testing plan](plan.md).',
    '',
    '## Scenarios',
    '',
    '| Scenario | What it proves |',
    '|---|---|',
    ...SCENARIOS.map((s) => `| \`${s.name}\` | ${s.summary} |`),
    '',
    '## Values',
    '',
    UNITS_HELP.replace(/<(duration|rate)>/g, '`<$1>`'),
    '',
  ];
  for (const def of commandDefinitions()) {
    out.push(`## \`loadhouse ${def.usage}\``, '', def.reference ?? `${def.description}.`, '');
    if (def.flags.length) {
      out.push('| Flag | Meaning |', '|---|---|');
      for (const f of def.flags) {
        const flag = f.alias ? `-${f.alias}, --${f.name}` : `--${f.name}`;
        const name = f.kind === 'boolean' ? flag : `${flag} ${f.value ?? '<value>'}`;
        out.push(`| \`${name}\` | ${flagHelp(f).replace(/\|/g, '\\|')} |`);
      }
      out.push('');
    }
    if (def.examples.length) {
      out.push('Examples:', '', '```bash', ...def.examples, '```', '');
    }
  }
  out.push('## Exit codes', '', '| Code | Meaning |', '|---|---|');
  for (const [k, code] of Object.entries(EXIT)) out.push(`| ${code} | ${EXIT_TEXT[k as keyof typeof EXIT]} |`);
  out.push('');
  return out.join('\n');
}
