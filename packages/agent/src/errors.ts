// The agent's own error codes, added to @loadhouse/core's registry (the type by declaration merging, the
// descriptions when the package is loaded).
import { registerErrorCodes } from '@loadhouse/core';

export const AGENT_ERROR_CODES = {
  LH_AGENT_START_FAILED: 'The embedded reference agent could not start.',
  LH_AGENT_STORAGE_FAILED: 'The reference agent could not use its storage (data folder or S3 bucket).',
} as const;

declare module '@loadhouse/core' {
  interface ErrorCodes extends Record<keyof typeof AGENT_ERROR_CODES, true> {}
}

registerErrorCodes('@loadhouse/agent', AGENT_ERROR_CODES);
