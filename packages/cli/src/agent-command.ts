// `loadhouse agent`: the reference agent in the foreground, as the `loadhouse-agent` bin runs it.
import { runAgentCli, AGENT_FLAG_SPECS } from '@loadhouse/agent';
import type { CommandDefinition } from './command.js';
import type { FlagSpec } from './flags.js';
import type { Io } from './io.js';

export const AGENT_FLAGS: FlagSpec[] = AGENT_FLAG_SPECS.map((f) => ({ ...f, group: 'agent' as const }));

export async function agentCommand(raw: Record<string, unknown>, io: Io): Promise<number> {
  return runAgentCli(raw, { stdout: io.stdout, stderr: io.stderr, onSignal: io.onSignal });
}

export const AGENT_COMMAND: CommandDefinition = {
  name: 'agent',
  usage: 'agent',
  description: 'Start the reference StreamHouse-compatible agent (gRPC + /health /ready /metrics) in the foreground',
  flags: AGENT_FLAGS,
  examples: ['loadhouse agent --grpc-port 50051 --http-port 8080 --data-dir ./data'],
  action: (_args, raw, io) => agentCommand(raw, io),
};
