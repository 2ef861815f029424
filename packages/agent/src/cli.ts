// The agent's command line as data: one flag table (also used by `loadhouse agent`), its conversion to
// AgentOptions with coded errors naming the flag, and runAgentCli() which serves until a signal.
import { cac } from 'cac';
import { LoadhouseError } from '@loadhouse/core';
import { startAgent } from './agent.js';
import { MEMORY_GROWTH_MAX_MIB, type AgentOptions } from './options.js';

const MiB = 1024 * 1024;

export interface AgentFlagSpec {
  /** kebab-case name without dashes. */
  name: string;
  kind: 'number' | 'integer' | 'string' | 'boolean';
  description: string;
  default?: string | number | boolean;
  /** Placeholder in help (`<port>`). */
  value?: string;
  min?: number;
  max?: number;
}

export const AGENT_FLAG_SPECS: readonly AgentFlagSpec[] = [
  { name: 'host', kind: 'string', value: '<host>', default: '127.0.0.1', description: 'Interface to listen on' },
  {
    name: 'grpc-port',
    kind: 'integer',
    value: '<port>',
    default: 50051,
    min: 0,
    max: 65535,
    description: 'gRPC port (0 picks a free one)',
  },
  {
    name: 'http-port',
    kind: 'integer',
    value: '<port>',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'HTTP port of /health, /live, /ready, /metrics (0 picks a free one)',
  },
  {
    name: 'kafka-port',
    kind: 'integer',
    value: '<port>',
    min: 0,
    max: 65535,
    description:
      'Also listen for Kafka clients (kcat, librdkafka, Kafka drivers) on this port, e.g. 9092 (0 picks a free one; default: no Kafka listener)',
  },
  {
    name: 'data-dir',
    kind: 'string',
    value: '<dir>',
    description:
      'Store segments and metadata in this folder (default: a temp folder, removed on exit, or by the next agent to start if this one was killed)',
  },
  { name: 'keep-data', kind: 'boolean', description: 'Keep the temp data folder on exit' },
  {
    name: 's3-endpoint',
    kind: 'string',
    value: '<url>',
    description: 'Store in an S3-compatible bucket at this endpoint instead of a folder',
  },
  { name: 'bucket', kind: 'string', value: '<name>', description: 'S3 bucket (default streamhouse-data)' },
  { name: 'region', kind: 'string', value: '<region>', description: 'S3 region (default us-east-1)' },
  {
    name: 'access-key-id',
    kind: 'string',
    value: '<id>',
    description: 'S3 access key id (default: AWS_ACCESS_KEY_ID; prefer it: a flag shows in ps to every local user)',
  },
  {
    name: 'secret-access-key',
    kind: 'string',
    value: '<key>',
    description: 'S3 secret access key (default: AWS_SECRET_ACCESS_KEY; prefer it: a flag shows in ps to every local user)',
  },
  {
    name: 'segment-max-bytes',
    kind: 'integer',
    value: '<bytes>',
    min: 1024,
    description: `Roll a segment at this size (default ${8 * MiB})`,
  },
  { name: 'segment-max-age-ms', kind: 'integer', value: '<ms>', min: 1, description: 'Roll a segment at this age (default 1000)' },
  { name: 'cache-max-bytes', kind: 'integer', value: '<bytes>', min: 0, description: `Segment cache bound (default ${256 * MiB})` },
  {
    name: 'retention-ms',
    kind: 'integer',
    value: '<ms>',
    min: 1,
    description:
      'Delete stored segments this long after they were stored, for topics created without retention_ms (default: keep everything)',
  },
  {
    name: 'max-request-bytes',
    kind: 'integer',
    value: '<bytes>',
    min: 1024,
    description: `Largest accepted produce request (default ${64 * MiB})`,
  },
  { name: 'sink', kind: 'boolean', description: 'Ack ProduceBatch without storing anything (offsets advance, Consume returns nothing)' },
  {
    name: 'fault-s3-error-rate',
    kind: 'number',
    value: '<rate>',
    min: 0,
    max: 1,
    description: 'Fault: fraction 0..1 of storage requests answered 503 SlowDown',
  },
  { name: 'fault-s3-latency-ms', kind: 'number', value: '<ms>', min: 0, description: 'Fault: latency added to every storage request' },
  {
    name: 'fault-produce-latency-ms',
    kind: 'string',
    value: '<ms|min-max>',
    description: 'Fault: latency added per produce call, e.g. 20 or 10-30',
  },
  {
    name: 'fault-stall',
    kind: 'string',
    value: '<from-to>',
    description: 'Fault: hold every produce call from FROM to TO seconds after the first produce request, e.g. 3-4',
  },
  {
    name: 'fault-drop-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description: 'Fault: ack but do not store the Nth, 2Nth, ... record appended to each partition',
  },
  {
    name: 'fault-lose-tail-from',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description:
      "Fault: from a partition's Nth record on, ack every batch at offsets past the log's end and keep none: each stream's tail lost, no gap below it",
  },
  {
    name: 'fault-memory-growth-mib-per-s',
    kind: 'number',
    value: '<MiB>',
    min: 0,
    description: `Fault: allocate and keep this many MiB per second from the first produce request, up to ${MEMORY_GROWTH_MAX_MIB} MiB (a leak)`,
  },
  {
    name: 'fault-capacity',
    kind: 'number',
    value: '<records/s>',
    min: 1,
    description: 'Fault: serve at most this many produced records per second, first come first served (latency climbs past it)',
  },
  {
    name: 'fault-corrupt-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description: 'Fault: store the Nth, 2Nth, ... record appended to each partition with the last byte of its value flipped',
  },
  {
    name: 'fault-ack-offset-shift-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description: 'Fault: acknowledge the Nth, 2Nth, ... batch appended to each partition with offsets one higher than where it was stored',
  },
  {
    name: 'fault-lose-ack-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description: 'Fault: store the Nth, 2Nth, ... ProduceBatch but answer it UNAVAILABLE (a lost ack: a retry would duplicate it)',
  },
  {
    name: 'fault-commit-drop-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description: 'Fault: acknowledge the Nth, 2Nth, ... CommitOffset without storing it (a restarted consumer group reads more again)',
  },
  {
    name: 'fault-lose-commits-from',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description:
      "Fault: answer each transactional producer's Nth and later CommitTransaction OK but discard their records (the tail of its streams is lost, with no gap before it)",
  },
  {
    name: 'fault-expose-aborts-from',
    kind: 'integer',
    value: '<n>',
    min: 1,
    description:
      "Fault: answer each transactional producer's Nth and later AbortTransaction OK but append their records as if committed (readers see aborted transactions)",
  },
  { name: 'quiet', kind: 'boolean', description: 'No log lines on stderr' },
];

const camel = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A flag's value in parsed options. cac camel-cases only letter-dash-letter (`fault-s3-error-rate` becomes
 * `faultS3-errorRate`, `s3-endpoint` stays), so the full camelCase, cac's form and the kebab name are tried.
 */
function lookup(raw: Record<string, unknown>, name: string): unknown {
  const cacName = name.replace(/([a-z])-([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase());
  for (const k of [camel(name), cacName, name]) if (raw[k] !== undefined) return raw[k];
  return undefined;
}

function bad(flag: string, expected: string, got: unknown): LoadhouseError {
  return new LoadhouseError('LH_INVALID_OPTION', `--${flag} must be ${expected}, got ${JSON.stringify(got)}`, {
    details: { flag, value: got },
  });
}

/**
 * mri (under cac) turns numeric-looking values into numbers ("0123" -> 123); for string flags the value is
 * read back from argv as typed when it is there.
 */
function rawArg(argv: readonly string[], flag: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${flag}` && i + 1 < argv.length) found = argv[i + 1];
    else if (a.startsWith(`--${flag}=`)) found = a.slice(flag.length + 3);
  }
  return found;
}

function convert(spec: AgentFlagSpec, raw: unknown, argv: readonly string[]): string | number | boolean | undefined {
  if (raw === undefined) return spec.default;
  if (Array.isArray(raw)) throw bad(spec.name, 'given once', raw);
  if (spec.kind === 'boolean') {
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw bad(spec.name, 'a switch without a value', raw);
  }
  if (raw === true || raw === '') throw bad(spec.name, `followed by a value ${spec.value ?? ''}`.trim(), raw);
  if (spec.kind === 'string') return typeof raw === 'number' ? (rawArg(argv, spec.name) ?? String(raw)) : String(raw);
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(n) || (spec.kind === 'integer' && !Number.isInteger(n))) {
    throw bad(spec.name, spec.kind === 'integer' ? 'a whole number' : 'a number', raw);
  }
  if (spec.min !== undefined && n < spec.min) throw bad(spec.name, `>= ${spec.min}`, n);
  if (spec.max !== undefined && n > spec.max) throw bad(spec.name, `<= ${spec.max}`, n);
  return n;
}

/** `20` -> 20, `10-30` -> [10, 30]. */
function msOrRange(flag: string, v: string): number | [number, number] {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(v.trim());
  if (!m) throw bad(flag, 'milliseconds, or a range MIN-MAX such as 10-30', v);
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

function window(flag: string, v: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(v.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw bad(flag, 'a window FROM-TO in seconds such as 3-4, FROM <= TO', v);
  return [Number(m[1]), Number(m[2])];
}

/**
 * AgentOptions from parsed flags, keyed by camelCase or kebab name (as cac gives them). Unknown keys are ignored;
 * `argv` recovers string values mri turned into numbers.
 */
export function agentOptionsFromFlags(
  raw: Record<string, unknown>,
  argv: readonly string[] = process.argv,
): { options: AgentOptions; quiet: boolean } {
  const v: Record<string, string | number | boolean | undefined> = {};
  for (const spec of AGENT_FLAG_SPECS) v[camel(spec.name)] = convert(spec, lookup(raw, spec.name), argv);
  const str = (k: string): string | undefined => v[k] as string | undefined;
  const int = (k: string): number | undefined => v[k] as number | undefined;
  const options: AgentOptions = { host: str('host'), grpcPort: int('grpcPort'), httpPort: int('httpPort') };
  if (v.kafkaPort !== undefined) options.kafkaPort = int('kafkaPort');
  if (v.dataDir !== undefined) options.dataDir = str('dataDir');
  if (v.keepData === true) options.keepData = true;
  if (v.sink === true) options.sink = true;
  for (const k of ['segmentMaxBytes', 'segmentMaxAgeMs', 'cacheMaxBytes', 'retentionMs', 'maxRequestBytes'] as const) {
    if (v[k] !== undefined) options[k] = int(k);
  }
  if (v.faultS3ErrorRate !== undefined) options.s3ErrorRate = int('faultS3ErrorRate');
  if (v.faultS3LatencyMs !== undefined) options.s3LatencyMs = int('faultS3LatencyMs');
  if (v.faultProduceLatencyMs !== undefined)
    options.produceLatencyMs = msOrRange('fault-produce-latency-ms', str('faultProduceLatencyMs')!);
  if (v.faultStall !== undefined) options.stall = window('fault-stall', str('faultStall')!);
  if (v.faultDropEvery !== undefined) options.dropEvery = int('faultDropEvery');
  if (v.faultLoseTailFrom !== undefined) options.loseTailFrom = int('faultLoseTailFrom');
  if (v.faultMemoryGrowthMibPerS !== undefined) options.memoryGrowthMibPerSecond = int('faultMemoryGrowthMibPerS');
  if (v.faultCapacity !== undefined) options.capacity = int('faultCapacity');
  if (v.faultCorruptEvery !== undefined) options.corruptEvery = int('faultCorruptEvery');
  if (v.faultAckOffsetShiftEvery !== undefined) options.ackOffsetShiftEvery = int('faultAckOffsetShiftEvery');
  if (v.faultLoseAckEvery !== undefined) options.loseAckEvery = int('faultLoseAckEvery');
  if (v.faultCommitDropEvery !== undefined) options.commitDropEvery = int('faultCommitDropEvery');
  if (v.faultLoseCommitsFrom !== undefined) options.loseCommitsFrom = int('faultLoseCommitsFrom');
  if (v.faultExposeAbortsFrom !== undefined) options.exposeAbortsFrom = int('faultExposeAbortsFrom');
  const s3Flags = ['s3Endpoint', 'bucket', 'region', 'accessKeyId', 'secretAccessKey'] as const;
  if (v.s3Endpoint !== undefined || v.bucket !== undefined) {
    if (options.dataDir !== undefined)
      throw bad('data-dir', 'absent when --s3-endpoint or --bucket is given (choose a folder or a bucket)', options.dataDir);
    const s3: NonNullable<AgentOptions['s3']> = {};
    if (v.s3Endpoint !== undefined) s3.endpoint = str('s3Endpoint');
    if (v.bucket !== undefined) s3.bucket = str('bucket');
    if (v.region !== undefined) s3.region = str('region');
    if (v.accessKeyId !== undefined) s3.accessKeyId = str('accessKeyId');
    if (v.secretAccessKey !== undefined) s3.secretAccessKey = str('secretAccessKey');
    options.s3 = s3;
  } else {
    for (const k of s3Flags) {
      if (v[k] !== undefined)
        throw bad(
          k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
          'used with --s3-endpoint or --bucket',
          v[k],
        );
    }
  }
  return { options, quiet: v.quiet === true };
}

export interface AgentCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
}

/**
 * Starts the agent from parsed flags, prints `{"event":"listening",...}` as one stdout line, logs to stderr,
 * and resolves with the exit code once a signal stopped it (open segments flushed). A second signal exits at once,
 * removing the temporary data folder first (not flushed).
 */
export async function runAgentCli(raw: Record<string, unknown>, io: AgentCliIo, argv: readonly string[] = process.argv): Promise<number> {
  const { options, quiet } = agentOptionsFromFlags(raw, argv);
  const log = quiet ? () => {} : (line: string) => io.stderr(`[loadhouse-agent] ${line}\n`);
  const agent = await startAgent({ ...options, log });
  return new Promise<number>((resolve) => {
    let signals = 0;
    const unsubscribe = io.onSignal((signal) => {
      // After a second signal the first one's stop no longer decides the exit code (130 wins, even when the stop
      // finishes before the folder is removed).
      if (++signals > 1) {
        log(`${signal} again: exiting without waiting for the flush`);
        unsubscribe();
        // The temporary data goes even so: exiting at once must not leave it for the next agent's sweep.
        void agent.removeTempData().finally(() => resolve(130));
        return;
      }
      log(`${signal}: flushing open segments and stopping`);
      agent.stop().then(
        () => {
          if (signals > 1) return;
          unsubscribe();
          resolve(0);
        },
        (err: unknown) => {
          if (signals > 1) return;
          log(`stop failed: ${(err as Error).message}`);
          unsubscribe();
          resolve(1);
        },
      );
    });
    io.stdout(
      `${JSON.stringify({ event: 'listening', grpcAddress: agent.grpcAddress, httpAddress: agent.httpAddress, kafkaAddress: agent.kafkaAddress, pid: agent.pid })}\n`,
    );
    const kafka = agent.kafkaAddress ? `, Kafka ${agent.kafkaAddress}` : '';
    log(`listening: gRPC ${agent.grpcAddress}, HTTP ${agent.httpAddress}${kafka}, storage ${agent.storage}`);
  });
}

/** The bin's cac parser over the flag table. Returns the raw camelCase options, or undefined after --help/--version. */
export function parseBinArgs(argv: readonly string[], out: (text: string) => void): Record<string, unknown> | undefined {
  const cli = cac('loadhouse-agent');
  cli.usage(
    '[options]\n\nStarts a StreamHouse-compatible agent: gRPC streamhouse.StreamHouse, HTTP /health /live /ready /metrics.\n' +
      'Prints one JSON line {"event":"listening","grpcAddress":...,"httpAddress":...,"kafkaAddress":...,"pid":...} on stdout\n' +
      'once serving (kafkaAddress only with --kafka-port); ' +
      'logs go to stderr. SIGINT/SIGTERM flush open segments before exit.',
  );
  for (const f of AGENT_FLAG_SPECS) {
    const shown = f.kind === 'boolean' ? `--${f.name}` : `--${f.name} ${f.value ?? '<value>'}`;
    cli.option(shown, f.description, f.default === undefined ? undefined : { default: f.default });
  }
  cli.example('loadhouse-agent --grpc-port 50051 --http-port 8080 --data-dir ./data');
  cli.example('AWS_ACCESS_KEY_ID=K AWS_SECRET_ACCESS_KEY=S loadhouse-agent --s3-endpoint http://127.0.0.1:9000 --bucket streamhouse-data');
  cli.example('loadhouse-agent --grpc-port 0 --http-port 0 --fault-produce-latency-ms 10-30 --fault-stall 3-4');
  cli.help();
  cli.version('0.1.0');
  // cac prints help and version with console.log/info; route them through `out`.
  const { log, info } = console;
  console.log = console.info = (...args: unknown[]) => out(`${args.join(' ')}\n`);
  try {
    const parsed = cli.parse(['node', 'loadhouse-agent', ...argv], { run: false });
    if (parsed.options.help || parsed.options.version) return undefined;
    cli.globalCommand.checkUnknownOptions();
    cli.globalCommand.checkOptionValue();
    if (parsed.args.length > 0) throw new Error(`unexpected argument ${JSON.stringify(parsed.args[0])}`);
    return parsed.options;
  } catch (err) {
    throw new LoadhouseError('LH_UNKNOWN_FLAG', `${(err as Error).message}. Run loadhouse-agent --help for the flags.`, { cause: err });
  } finally {
    console.log = log;
    console.info = info;
  }
}
