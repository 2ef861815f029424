// The embedded target: the reference agent started as a child process on ephemeral ports, so its memory and
// CPU are its own (not the generator's), stopped when the run ends, also on Ctrl-C.
import { LoadhouseError, type TargetOptions } from '@loadhouse/core';
import { spawnAgent, type AgentFaults, type S3Options } from '@loadhouse/agent';
import type { FlagValues } from './catalog.js';

export interface EmbeddedTarget {
  target: TargetOptions;
  /** Where the agent stores segments when it uses S3 (the S3 probe follows it). */
  s3?: S3Options;
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
  return faults;
}

/** S3 storage of the embedded agent from `--agent-s3-endpoint`, credentials from the environment. */
export function agentS3FromFlags(v: FlagValues, env: NodeJS.ProcessEnv): S3Options | undefined {
  if (typeof v.agentS3Endpoint !== 'string') return undefined;
  if (typeof v.agentStorage === 'string') {
    throw new LoadhouseError('LH_INVALID_OPTION', '--agent-storage and --agent-s3-endpoint exclude each other: the agent stores in a folder or in a bucket');
  }
  const s3: S3Options = { endpoint: v.agentS3Endpoint, bucket: v.agentS3Bucket as string, region: env.AWS_REGION ?? 'us-east-1' };
  if (env.AWS_ACCESS_KEY_ID) s3.accessKeyId = env.AWS_ACCESS_KEY_ID;
  if (env.AWS_SECRET_ACCESS_KEY) s3.secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return s3;
}

export async function startEmbeddedTarget(v: FlagValues, env: NodeJS.ProcessEnv = process.env): Promise<EmbeddedTarget> {
  const faults = agentFaultsFromFlags(v);
  const s3 = agentS3FromFlags(v, env);
  const agent = await spawnAgent({
    grpcPort: 0,
    httpPort: 0,
    ...(typeof v.agentStorage === 'string' ? { dataDir: v.agentStorage } : {}),
    ...(s3 ? { s3 } : {}),
    ...(typeof v.agentRetentionMs === 'number' ? { retentionMs: v.agentRetentionMs } : {}),
    ...faults,
  });
  const exited = new Promise<number | null>((resolve) => {
    if (agent.child.exitCode !== null) resolve(agent.child.exitCode);
    else agent.child.once('exit', (code) => resolve(code));
  });
  return {
    ...(s3 ? { s3 } : {}),
    target: {
      address: agent.grpcAddress,
      httpAddress: agent.httpAddress,
      pid: agent.pid,
      ...(typeof v.org === 'string' ? { organizationId: v.org } : {}),
    },
    pid: agent.pid,
    exited,
    stop: () => agent.stop(),
  };
}
