// The embedded target: the reference agent started as a child process on ephemeral ports, so its memory and
// CPU are its own (not the generator's), stopped when the run ends, also on Ctrl-C.
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { type FaultProxy, formatBytes, LoadhouseError, type Scenario, type TargetOptions } from '@loadhouse/core';
import { spawnAgent, type AgentFaults, type S3Options } from '@loadhouse/agent';
import type { FlagValues } from './catalog.js';
import { kafkaExtras } from './target-flags.js';
import { defineFlags } from './flags.js';
import { checkFaultsFlag, startS3FaultProxy } from './s3-faults.js';

/** `--agent-*`: how the embedded agent stores segments and which faults it injects (refused beside --target). */
export const EMBEDDED_AGENT_FLAGS = defineFlags([
  {
    name: 'agent-storage',
    kind: 'string',
    value: '<dir>',
    group: 'agent',
    description: 'Embedded agent: keep segments in this folder (default: a temporary one, removed after the run)',
  },
  {
    name: 'agent-s3-endpoint',
    kind: 'string',
    value: '<url>',
    group: 'agent',
    description:
      'Embedded agent: store segments in this S3-compatible endpoint (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); the S3 probe follows it',
  },
  {
    name: 'agent-s3-bucket',
    kind: 'string',
    value: '<name>',
    group: 'agent',
    description: 'Embedded agent: bucket for --agent-s3-endpoint',
    default: 'streamhouse-data',
  },
  {
    name: 'agent-retention-ms',
    kind: 'integer',
    value: '<ms>',
    min: 1,
    group: 'agent',
    description:
      'Embedded agent: delete stored segments this long after they were stored (default: keep everything; a long run writes target rate x message size to disk)',
  },
  {
    name: 'agent-produce-latency-ms',
    kind: 'string',
    value: '<ms|min-max>',
    group: 'agent',
    description: 'Embedded agent fault: added latency per ProduceBatch',
  },
  {
    name: 'agent-stall',
    kind: 'string',
    value: '<from-to>',
    group: 'agent',
    description: 'Embedded agent fault: hold produce calls between these seconds (from the first produce)',
  },
  {
    name: 'agent-drop-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description: 'Embedded agent fault: silently lose every Nth record per partition',
  },
  {
    name: 'agent-lose-tail-from',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description:
      "Embedded agent fault: from a partition's Nth record on, acknowledge every batch past the log's end and keep none (each stream's tail lost, no gap below it)",
  },
  {
    name: 'agent-memory-growth-mib-per-s',
    kind: 'number',
    value: '<MiB>',
    min: 0,
    group: 'agent',
    description: 'Embedded agent fault: allocate and keep this many MiB per second from the first produce (a leak, up to 1 GiB)',
  },
  {
    name: 'agent-capacity',
    kind: 'number',
    value: '<records/s>',
    min: 1,
    group: 'agent',
    description:
      'Embedded agent fault: serve at most this many produced records per second, first come first served (latency climbs past it)',
  },
  {
    name: 'agent-corrupt-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description:
      'Embedded agent fault: store every Nth record per partition with a flipped byte (consumers count it in integrity.corrupted)',
  },
  {
    name: 'agent-ack-offset-shift-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description:
      'Embedded agent fault: acknowledge every Nth batch per partition one offset off from where it was stored (integrity.offsetMismatches)',
  },
  {
    name: 'agent-lose-ack-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description: 'Embedded agent fault: store every Nth ProduceBatch but answer it UNAVAILABLE (a lost ack: a plain retry duplicates it)',
  },
  {
    name: 'agent-commit-drop-every',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description:
      'Embedded agent fault: acknowledge every Nth CommitOffset without storing it (a restarted group reads again beyond consumer.restarts bound)',
  },
  {
    name: 'agent-lose-commits-from',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description:
      "Embedded agent fault: answer each transactional producer's Nth and later CommitTransaction OK but discard their records (a lost stream tail: integrity.lostCommitted)",
  },
  {
    name: 'agent-expose-aborts-from',
    kind: 'integer',
    value: '<n>',
    min: 1,
    group: 'agent',
    description:
      "Embedded agent fault: answer each transactional producer's Nth and later AbortTransaction OK but append their records (aborted transactions visible: integrity.unackedSeen)",
  },
]);

export interface EmbeddedTarget {
  target: TargetOptions;
  /** The agent's gRPC address (target.address is its REST base URL with --protocol rest). */
  grpcAddress: string;
  /** The agent's Kafka door, when the run drives it (--protocol kafka, or kafka among --protocols). */
  kafkaAddress?: string;
  /** Where the agent stores segments when it uses S3 (the S3 probe follows it). */
  s3?: S3Options;
  /** The fault proxy in front of its bucket, when --faults has s3-* kinds (the agent's S3 endpoint is this proxy). */
  s3FaultProxy?: FaultProxy;
  pid: number;
  /** Resolves with the exit code when the agent process ends (a crash while the run goes on). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function range(flag: string, value: string): readonly [number, number] {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value.trim());
  if (!m) throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} must be a number or a range like 10-30, got ${JSON.stringify(value)}`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a) throw new LoadhouseError('LH_INVALID_OPTION', `--${flag} range must be low-high, got ${value}`);
  return [a, b];
}

/** Fault options for the embedded agent from the `--agent-*` flags (validated before anything starts). */
export function agentFaultsFromFlags(v: FlagValues): AgentFaults {
  const faults: AgentFaults = {};
  if (typeof v.agentProduceLatencyMs === 'string') faults.produceLatencyMs = range('agent-produce-latency-ms', v.agentProduceLatencyMs);
  if (typeof v.agentStall === 'string') {
    const r = range('agent-stall', v.agentStall);
    if (r[0] === r[1]) throw new LoadhouseError('LH_INVALID_OPTION', `--agent-stall must be from-to seconds like 3-4, got ${v.agentStall}`);
    faults.stall = r;
  }
  if (typeof v.agentDropEvery === 'number') faults.dropEvery = v.agentDropEvery;
  if (typeof v.agentLoseTailFrom === 'number') faults.loseTailFrom = v.agentLoseTailFrom;
  if (typeof v.agentMemoryGrowthMibPerS === 'number') faults.memoryGrowthMibPerSecond = v.agentMemoryGrowthMibPerS;
  if (typeof v.agentCapacity === 'number') faults.capacity = v.agentCapacity;
  if (typeof v.agentCorruptEvery === 'number') faults.corruptEvery = v.agentCorruptEvery;
  if (typeof v.agentAckOffsetShiftEvery === 'number') faults.ackOffsetShiftEvery = v.agentAckOffsetShiftEvery;
  if (typeof v.agentLoseAckEvery === 'number') faults.loseAckEvery = v.agentLoseAckEvery;
  if (typeof v.agentCommitDropEvery === 'number') faults.commitDropEvery = v.agentCommitDropEvery;
  if (typeof v.agentLoseCommitsFrom === 'number') faults.loseCommitsFrom = v.agentLoseCommitsFrom;
  if (typeof v.agentExposeAbortsFrom === 'number') faults.exposeAbortsFrom = v.agentExposeAbortsFrom;
  return faults;
}

/** S3 storage of the embedded agent from `--agent-s3-endpoint`, credentials from the environment. */
export function agentS3FromFlags(v: FlagValues, env: NodeJS.ProcessEnv): S3Options | undefined {
  if (typeof v.agentS3Endpoint !== 'string') return undefined;
  if (typeof v.agentStorage === 'string') {
    throw new LoadhouseError(
      'LH_INVALID_OPTION',
      '--agent-storage and --agent-s3-endpoint exclude each other: the agent stores in a folder or in a bucket',
    );
  }
  const s3: S3Options = { endpoint: v.agentS3Endpoint, bucket: v.agentS3Bucket as string, region: env.AWS_REGION ?? 'us-east-1' };
  if (env.AWS_ACCESS_KEY_ID) s3.accessKeyId = env.AWS_ACCESS_KEY_ID;
  if (env.AWS_SECRET_ACCESS_KEY) s3.secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return s3;
}

/** What the agent stores per record beyond its value (segment-format.md: offset delta, timestamp, key and value lengths). */
const RECORD_OVERHEAD_BYTES = 20;

/** Free bytes for an unprivileged writer on the file system holding `dir` (or its nearest existing parent). */
function freeBytes(dir: string): number | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      const s = statfsSync(d);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(d) === d) return undefined;
    }
  }
}

/**
 * The embedded agent keeps every record it is sent (unless --agent-retention-ms): refuse, before it starts,
 * scenarios that would write more than its storage folder has free, with the figure, instead of filling the
 * disk hours into a run. Retention bounds what is kept to about its period's worth of each scenario.
 */
export function checkAgentDisk(v: FlagValues, scenarios: readonly Scenario[], shrink = 'Shorten --duration or lower the rate'): void {
  if (typeof v.agentS3Endpoint === 'string') return;
  const parts = scenarios.map((s) => {
    const bytes = s.plannedBytes ?? 0;
    const messageSize = typeof s.options?.messageSize === 'number' && s.options.messageSize > 0 ? s.options.messageSize : 1024;
    let stored = bytes * (1 + RECORD_OVERHEAD_BYTES / messageSize);
    // Segments older than the retention are deleted (checked every second): about retention + 2 s is kept.
    if (typeof v.agentRetentionMs === 'number' && s.plannedSeconds) {
      stored *= Math.min(1, (v.agentRetentionMs / 1000 + 2) / s.plannedSeconds);
    }
    return { name: s.name, stored };
  });
  const needed = parts.reduce((a, p) => a + p.stored, 0);
  const dir = typeof v.agentStorage === 'string' ? v.agentStorage : tmpdir();
  const free = freeBytes(dir);
  if (free === undefined || needed <= free) return;
  const each =
    parts.length > 1
      ? ` (${parts.map((p) => `${p.name} ${formatBytes(p.stored)}`).join(', ')})`
      : ` (${parts[0]!.name}: rate x message size x duration)`;
  throw new LoadhouseError(
    'LH_DISK_SPACE',
    `The embedded agent would store about ${formatBytes(needed)}${each} in ${dir}, which has ${formatBytes(free)} free. ` +
      `${shrink}, let it delete old segments with --agent-retention-ms, ` +
      'or give it --agent-storage on a larger disk or --agent-s3-endpoint.',
    { details: { neededBytes: Math.round(needed), freeBytes: free, dir } },
  );
}

/** Whether the run drives the Kafka door (the agent then opens it). */
function drivesKafka(v: FlagValues): boolean {
  return v.protocol === 'kafka' || (typeof v.protocols === 'string' && v.protocols.split(',').some((d) => d.trim() === 'kafka'));
}

export async function startEmbeddedTarget(v: FlagValues, env: NodeJS.ProcessEnv = process.env): Promise<EmbeddedTarget> {
  const faults = agentFaultsFromFlags(v);
  const bucket = agentS3FromFlags(v, env);
  const s3Faults = checkFaultsFlag(v);
  // With s3-* faults the agent stores through the fault proxy in front of its bucket.
  const s3FaultProxy = bucket?.endpoint && s3Faults.length > 0 ? await startS3FaultProxy(bucket.endpoint, s3Faults) : undefined;
  const s3 = s3FaultProxy && bucket ? { ...bucket, endpoint: s3FaultProxy.s3Address! } : bucket;
  const kafka = drivesKafka(v);
  const agent = await spawnAgent({
    grpcPort: 0,
    httpPort: 0,
    ...(kafka ? { kafkaPort: 0 } : {}),
    ...(typeof v.agentStorage === 'string' ? { dataDir: v.agentStorage } : {}),
    ...(s3 ? { s3 } : {}),
    ...(typeof v.agentRetentionMs === 'number' ? { retentionMs: v.agentRetentionMs } : {}),
    ...faults,
  }).catch(async (err: unknown) => {
    await s3FaultProxy?.close();
    throw err;
  });
  const exited = new Promise<number | null>((resolve) => {
    if (agent.child.exitCode !== null) resolve(agent.child.exitCode);
    else agent.child.once('exit', (code) => resolve(code));
  });
  const target: TargetOptions = {
    // --protocol rest drives the agent's REST door, on its HTTP port.
    address: v.protocol === 'rest' ? agent.httpAddress : agent.grpcAddress,
    ...(v.protocol === 'rest' ? { protocol: 'rest' as const } : {}),
    httpAddress: agent.httpAddress,
    pid: agent.pid,
    ...(typeof v.org === 'string' ? { organizationId: v.org } : {}),
  };
  if (v.protocol === 'kafka' && agent.kafkaAddress)
    Object.assign(target, { address: agent.kafkaAddress, protocol: 'kafka' }, kafkaExtras(v, env));
  return {
    // The S3 probe measures the bucket itself: the injected latency or throttling is loadhouse's own doing.
    ...(bucket ? { s3: bucket } : {}),
    grpcAddress: agent.grpcAddress,
    ...(agent.kafkaAddress ? { kafkaAddress: agent.kafkaAddress } : {}),
    target,
    pid: agent.pid,
    exited,
    ...(s3FaultProxy ? { s3FaultProxy } : {}),
    // The agent first: it may still be storing through the proxy as it stops.
    stop: () => agent.stop().finally(() => s3FaultProxy?.close()),
  };
}
