// `loadhouse agent`: the reference agent in the foreground, as the `loadhouse-agent` bin runs it.
import { runAgentCli, AGENT_FLAG_SPECS } from '@loadhouse/agent';
import type { FlagSpec } from './flags.js';
import type { Io } from './io.js';

export const AGENT_FLAGS: FlagSpec[] = AGENT_FLAG_SPECS.map((f) => ({ ...f, group: 'agent' as const }));

export async function agentCommand(raw: Record<string, unknown>, io: Io): Promise<number> {
  return runAgentCli(raw, { stdout: io.stdout, stderr: io.stderr, onSignal: io.onSignal });
}
