// The `loadhouse` command: every command module's definition (usage, flags, action) registered with cac,
// then error handling and exit codes.
import { cac, type CAC, type Command } from 'cac';
import { isLoadhouseError, LoadhouseError } from '@loadhouse/core';
import type { CommandDefinition } from './command.js';
import { EXIT } from './exit-codes.js';
import { cacKey, closestName, restoreRawValues, UNITS_HELP, type FlagSpec, type FlagValue } from './flags.js';
import type { Io } from './io.js';
import { AGENT_COMMAND } from './agent-command.js';
import { CAPACITY_COMMAND } from './capacity-command.js';
import { CHECK_COMMAND } from './check-command.js';
import { COMPARE_COMMAND } from './compare-command.js';
import { MERGE_COMMAND } from './merge-command.js';
import { PROXY_COMMAND } from './proxy-command.js';
import { REPORT_COMMAND } from './report-command.js';
import { checkRunLine, RUN_COMMAND } from './run-command.js';
import { SCENARIOS_COMMAND } from './scenarios-command.js';
import { SUITE_COMMAND } from './suite-command.js';
import { flagHelp } from './command.js';

export const VERSION = '0.1.0';

function addFlags(cmd: Command, specs: readonly FlagSpec[]): void {
  for (const spec of specs) {
    const names = spec.alias ? `-${spec.alias}, --${spec.name}` : `--${spec.name}`;
    const raw = spec.kind === 'boolean' ? names : `${names} ${spec.value ?? '<value>'}`;
    cmd.option(raw, flagHelp(spec));
  }
}

export type { CommandDefinition } from './command.js';

/** Every command, in the order of --help and docs/cli.md. */
export function commandDefinitions(): CommandDefinition[] {
  return [
    RUN_COMMAND,
    SUITE_COMMAND,
    CAPACITY_COMMAND,
    REPORT_COMMAND,
    MERGE_COMMAND,
    COMPARE_COMMAND,
    CHECK_COMMAND,
    AGENT_COMMAND,
    PROXY_COMMAND,
    SCENARIOS_COMMAND,
  ];
}

export function buildCli(io: Io, onResult: (code: Promise<number>) => void): CAC {
  const cli = cac('loadhouse');
  for (const def of commandDefinitions()) {
    const cmd = cli.command(def.usage, def.description);
    addFlags(cmd, def.flags);
    for (const ex of def.examples) cmd.example(ex);
    cmd.action((...args: unknown[]) => {
      // cac passes the positional arguments (a variadic one as an array, a missing optional one as undefined), then the options.
      const options = args[args.length - 1] as Record<string, unknown>;
      const positional = args
        .slice(0, -1)
        .flat()
        .filter((a) => a !== undefined)
        .map(String);
      onResult(def.action(positional, options, io));
    });
  }
  cli.help((sections) => {
    const options = sections.findIndex((s) => s.title === 'Options');
    // How `<duration>` and `<rate>` are written, under the options of the commands that take them.
    if (options >= 0 && /<(duration|rate)>/.test(sections[options]!.body)) {
      sections.splice(options + 1, 0, { title: 'Values', body: `  ${UNITS_HELP}` });
    }
    return sections;
  });
  cli.version(VERSION);
  return cli;
}

/** Valued flags of the matched command keep the text they were given (see restoreRawValues). */
function restoreMatched(cli: CAC, argv: readonly string[]): void {
  const def = commandDefinitions().find((d) => d.name === cli.matchedCommandName);
  if (def) restoreRawValues(cli.options, def.flags, argv);
}

function report(err: unknown, io: Io): number {
  if (isLoadhouseError(err)) {
    io.stderr(`error ${err.code}: ${err.message}\n`);
    if (err.cause instanceof Error && !err.message.includes(err.cause.message)) io.stderr(`  cause: ${err.cause.message}\n`);
    // Output that could not be kept (a full disk) is a failure, not a usage error: the work was done.
    return err.code === 'LH_WORKER_CRASHED' || err.code === 'LH_RESULT_WRITE_FAILED' ? EXIT.RUN_FAILED : EXIT.USAGE;
  }
  const e = err as Error;
  io.stderr(`error: ${e?.stack ?? String(err)}\n`);
  return EXIT.RUN_FAILED;
}

/**
 * `--target-rate -5` would read `-5` as short flags; joined as `--target-rate=-5` the value reaches the
 * flag's own check, which then says what is wrong with it.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let pending: Promise<number> | undefined;
  const cli = buildCli(io, (p) => (pending = p));
  try {
    const args = joinNegativeValues(argv);
    cli.parse(['node', 'loadhouse', ...args], { run: false });
    if (cli.options.help || cli.options.version) return EXIT.OK;
    restoreMatched(cli, args);
    if (!cli.matchedCommand) {
      if (cli.args[0] === 'help') {
        // `loadhouse help [command]`, as most CLIs take it.
        const command = cli.args[1];
        if (command !== undefined && cli.commands.some((c) => c.name === command)) return main([command, '--help'], io);
        if (command !== undefined)
          throw new LoadhouseError(
            'LH_INVALID_OPTION',
            `Unknown command ${JSON.stringify(command)}. Run loadhouse --help for the commands.`,
          );
        cli.outputHelp();
        return EXIT.OK;
      }
      if (cli.args.length) {
        throw new LoadhouseError(
          'LH_INVALID_OPTION',
          `Unknown command ${JSON.stringify(cli.args[0])}. Run loadhouse --help for the commands.`,
        );
      }
      const unknown = Object.keys(cli.options).filter((k) => k !== '--');
      if (unknown.length > 0) {
        const flag = args.find((a) => a.startsWith('-') && a !== '--') ?? `--${unknown[0]}`;
        throw new LoadhouseError(
          'LH_UNKNOWN_FLAG',
          `Unknown flag ${flag.split('=')[0]} before any command. Run loadhouse --help for the commands.`,
        );
      }
      cli.outputHelp();
      return EXIT.USAGE;
    }
    await cli.runMatchedCommand();
    return pending ? await pending : EXIT.OK;
  } catch (err) {
    const e = err as Error;
    if (e?.name === 'CACError') {
      const unknown = /Unknown option `([^`]+)`/.exec(e.message);
      const wrapped = unknown
        ? unknownFlagError(unknown[1]!, joinNegativeValues(argv), cli.matchedCommandName)
        : new LoadhouseError('LH_INVALID_OPTION', e.message);
      return report(wrapped, io);
    }
    return report(err, io);
  }
}

/**
 * cac names an unknown flag by its camelCase key (`--targetRat` for `--target-rat`): name it as it was typed,
 * and suggest the flag of the command it is closest to.
 */
function unknownFlagError(cacName: string, argv: readonly string[], command: string | undefined, cause?: unknown): LoadhouseError {
  const end = argv.indexOf('--');
  const typed =
    (end < 0 ? argv : argv.slice(0, end))
      .filter((a) => a.startsWith('-'))
      .map((a) => a.split('=')[0]!)
      // `--no-x` reaches cac as `x: false`.
      .find((a) => a === cacName || `--${cacKey(a.replace(/^--?(no-)?/, ''))}` === cacName) ?? cacName;
  const flags = commandDefinitions().find((d) => d.name === command)?.flags ?? [];
  const guess = typed.startsWith('--') ? closestName(typed.slice(2), [...flags.map((f) => f.name), 'help']) : undefined;
  const hint = guess ? `Did you mean --${guess}?` : `Run loadhouse ${command ? `${command} ` : ''}--help for the flags.`;
  return new LoadhouseError('LH_UNKNOWN_FLAG', `Unknown flag ${typed}. ${hint}`, { details: { flag: typed }, ...(cause ? { cause } : {}) });
}

export interface ParsedCommandLine {
  command: string;
  args: string[];
  values: Record<string, FlagValue>;
  shard: { index: number; count: number } | undefined;
}

/**
 * Parses and validates a command line without running it (used by tests and by tools that check
 * manifests): unknown flags, bad values and unknown scenarios throw the same coded errors as a real run.
 */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = {}): ParsedCommandLine {
  const cli = buildCli(silentIo(env), () => undefined);
  const joined = joinNegativeValues(argv);
  cli.parse(['node', 'loadhouse', ...joined], { run: false });
  restoreMatched(cli, joined);
  const cmd = cli.matchedCommand;
  if (!cmd) throw new LoadhouseError('LH_INVALID_OPTION', `Unknown command ${JSON.stringify(argv[0])}`);
  try {
    cmd.checkUnknownOptions();
  } catch (err) {
    const unknown = /Unknown option `([^`]+)`/.exec((err as Error).message);
    throw unknownFlagError(unknown?.[1] ?? '', joined, cmd.name, err);
  }
  const args = cli.args.map(String);
  if (cmd.name === 'run') return { command: 'run', args, ...checkRunLine(args[0] ?? '', cli.options, env) };
  return { command: cmd.name, args, values: cli.options, shard: undefined };
}

function silentIo(env: NodeJS.ProcessEnv): Io {
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    isTTY: false,
    env,
    cwd: process.cwd(),
    onSignal: () => () => undefined,
    exit: () => undefined,
  };
}
