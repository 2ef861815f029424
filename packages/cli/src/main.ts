// The `loadhouse` command: its sub-commands and flags (from flags.ts), error handling and exit codes.
import { cac, type CAC, type Command } from 'cac';
import { isLoadhouseError, LoadhouseError, MAX_START_SKEW_PERCENT, OUT_OF_STEP_SLACK_SECONDS, resolveStartAt } from '@loadhouse/core';
import { findScenario, SCENARIOS } from './catalog.js';
import { EXIT } from './exit-codes.js';
import {
  cacKey,
  camel,
  closestName,
  restoreRawValues,
  RUN_FLAGS,
  SCENARIO_FLAGS,
  shardFromFlags,
  UNITS_HELP,
  type FlagSpec,
  type FlagValue,
} from './flags.js';
import type { Io } from './io.js';
import {
  refuseAgentFlags,
  refuseForeignFlags,
  refuseIdleShard,
  refuseOversizedBatch,
  refuseTargetOnlyFlags,
  runCommand,
  scenarioFlagValues,
} from './run-command.js';
import { prometheusFromFlags } from './plugins.js';
import { agentCommand, AGENT_FLAGS } from './agent-command.js';
import { checkCommand, CHECK_FLAGS } from './check-command.js';
import { suiteCommand, SUITE_FLAGS } from './suite-command.js';
import { reportCommand, REPORT_FLAGS } from './report-command.js';
import { mergeCommand, MERGE_FLAGS } from './merge-command.js';

export const VERSION = '0.1.0';

/** Help text of a flag: its description and default (per scenario for scenario flags). */
export function flagHelp(spec: FlagSpec): string {
  const description = spec.choices ? `${spec.description}: ${spec.choices.join(', ')}` : spec.description;
  if (spec.default !== undefined && spec.kind !== 'boolean') return `${description} (default: ${spec.default})`;
  const key = camel(spec.name);
  // Plain numbers, so a default pasted back is accepted.
  const per = SCENARIOS.filter((s) => s.defaults[key] !== undefined).map((s) => `${s.name} ${s.defaults[key]}`);
  return per.length ? `${description} (default: ${per.join(', ')})` : description;
}

function addFlags(cmd: Command, specs: FlagSpec[]): void {
  for (const spec of specs) {
    const names = spec.alias ? `-${spec.alias}, --${spec.name}` : `--${spec.name}`;
    const raw = spec.kind === 'boolean' ? names : `${names} ${spec.value ?? '<value>'}`;
    cmd.option(raw, flagHelp(spec));
  }
}

export interface CommandDefinition {
  name: string;
  usage: string;
  description: string;
  flags: FlagSpec[];
  examples: string[];
}

/** Every command and its flags: the single source of --help and docs/cli.md. */
export function commandDefinitions(): CommandDefinition[] {
  return [
    {
      name: 'run',
      usage: 'run [scenario]',
      description: `Run a scenario (${SCENARIOS.map((s) => s.name).join(', ')}) against --target, or against the embedded reference agent when no target is given`,
      flags: [...SCENARIO_FLAGS, ...RUN_FLAGS],
      examples: [
        'loadhouse run high-throughput --duration 30 --target-rate 50000 --partitions 5',
        'loadhouse run high-throughput --target streamhouse:50051 --http-target http://streamhouse:8080 --duration 3600 --target-rate 100000 --partitions 10',
        'loadhouse run many-producers --producer-count 1000 --messages-per-producer 10000 --partitions 100',
        'loadhouse run consumer-lag --produce-rate 1000000 --consume-rate 500000 --duration 600',
        'loadhouse run stability --duration 604800 --target-rate 50000 --partitions 20',
        'loadhouse run --config examples/config/loadhouse.config.ts',
      ],
    },
    {
      name: 'suite',
      usage: 'suite',
      description:
        "Run the plan's full test suite in order (high-throughput, many-producers, consumer-lag, stability), each scenario's log and result in the results folder, then one table of every criterion",
      flags: SUITE_FLAGS,
      examples: [
        'loadhouse suite --scale 0.001',
        'loadhouse suite --target streamhouse:50051 --http-target http://streamhouse:8080 --only high-throughput,consumer-lag',
      ],
    },
    {
      name: 'report',
      usage: 'report <result.json>',
      description: 'Render a result file as one self-contained HTML page with charts (no network needed to open it)',
      flags: REPORT_FLAGS,
      examples: ['loadhouse report results/high-throughput-2026-11-28T10-00-00-000Z.json -o report.html'],
    },
    {
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
    },
    {
      name: 'check',
      usage: 'check',
      description:
        'Pre-flight a target: gRPC reachable and speaking StreamHouse, /health 200, /ready 200 within --ready-timeout, /metrics parses',
      flags: CHECK_FLAGS,
      examples: ['loadhouse check --target localhost:50051 --http-target http://localhost:8080'],
    },
    {
      name: 'agent',
      usage: 'agent',
      description: 'Start the reference StreamHouse-compatible agent (gRPC + /health /ready /metrics) in the foreground',
      flags: AGENT_FLAGS,
      examples: ['loadhouse agent --grpc-port 50051 --http-port 8080 --data-dir ./data'],
    },
  ];
}

export function buildCli(io: Io, onResult: (code: Promise<number>) => void): CAC {
  const cli = cac('loadhouse');
  for (const def of commandDefinitions()) {
    const cmd = cli.command(def.usage, def.description);
    addFlags(cmd, def.flags);
    for (const ex of def.examples) cmd.example(ex);
    cmd.action((...args: unknown[]) => {
      const options = args[args.length - 1] as Record<string, unknown>;
      if (def.name === 'run') onResult(runCommand(args.length > 1 && args[0] !== undefined ? String(args[0]) : undefined, options, io));
      else if (def.name === 'check') onResult(checkCommand(options, io));
      else if (def.name === 'agent') onResult(agentCommand(options, io));
      else if (def.name === 'suite') onResult(suiteCommand(options, io));
      else if (def.name === 'report') onResult(reportCommand(String(args[0]), options, io));
      else if (def.name === 'merge') onResult(mergeCommand((args[0] as string[]).map(String), options, io));
    });
  }
  cli.command('scenarios', 'List the built-in scenarios').action(() => {
    for (const s of SCENARIOS) io.stdout(`${s.name.padEnd(16)} ${s.summary}\n`);
    onResult(Promise.resolve(EXIT.OK));
  });
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
  if (cmd.name === 'run') {
    const values = scenarioFlagValues(args[0] ?? '', cli.options);
    refuseForeignFlags(findScenario(args[0]!)!, cli.options);
    if (typeof values.target === 'string') refuseAgentFlags(cli.options);
    refuseTargetOnlyFlags(values);
    refuseOversizedBatch(values, args[0]!);
    const shard = shardFromFlags(values, env);
    if (shard) refuseIdleShard(shard, values);
    if (typeof values.startAt === 'string') resolveStartAt('--start-at', values.startAt);
    prometheusFromFlags(values, cli.options);
    return { command: 'run', args, values, shard };
  }
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
