// A command of the `loadhouse` CLI as data: its usage, flags and examples (the source of --help and
// docs/cli.md) and its action. Each command's module exports one; main.ts registers them all.
import { SCENARIOS } from './catalog.js';
import { camel, type FlagSpec } from './flags.js';
import type { Io } from './io.js';

export interface CommandDefinition {
  name: string;
  usage: string;
  /** One line for --help; docs/cli.md adds a full stop. */
  description: string;
  /** What docs/cli.md says in place of the description, where it says more. */
  reference?: string;
  flags: readonly FlagSpec[];
  examples: readonly string[];
  /** Runs the command with its positional arguments and the options cac parsed; resolves to the exit code. */
  action(args: readonly string[], raw: Record<string, unknown>, io: Io): Promise<number>;
}

/** Help text of a flag: its description and default (per scenario for scenario flags). */
export function flagHelp(spec: FlagSpec): string {
  const description = spec.choices ? `${spec.description}: ${spec.choices.join(', ')}` : spec.description;
  if (spec.default !== undefined && spec.kind !== 'boolean') return `${description} (default: ${spec.default})`;
  const key = camel(spec.name);
  // Plain numbers, so a default pasted back is accepted.
  const per = SCENARIOS.filter((s) => s.defaults[key] !== undefined).map((s) => `${s.name} ${s.defaults[key]}`);
  return per.length ? `${description} (default: ${per.join(', ')})` : description;
}
