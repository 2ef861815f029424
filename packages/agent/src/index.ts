// Public API of @loadhouse/agent: a compact StreamHouse-compatible agent, in-process or as a child process.
export { AGENT_ERROR_CODES } from './errors.js';
export { startAgent } from './agent.js';
export type { Agent } from './agent.js';
export type { AgentOptions, AgentFaults, S3Options } from './options.js';
export { spawnAgent } from './spawn.js';
export type { SpawnAgentOptions, SpawnedAgent } from './spawn.js';
export { runAgentCli, agentOptionsFromFlags, AGENT_FLAG_SPECS } from './cli.js';
export type { AgentFlagSpec, AgentCliIo } from './cli.js';
