// `loadhouse scenarios`: the built-in scenarios, one line each.
import { SCENARIOS } from './catalog.js';
import type { CommandDefinition } from './command.js';
import { EXIT } from './exit-codes.js';

export const SCENARIOS_COMMAND: CommandDefinition = {
  name: 'scenarios',
  usage: 'scenarios',
  description: 'List the built-in scenarios',
  reference: 'Lists the built-in scenarios, one line each (the table at the top of this page).',
  flags: [],
  examples: [],
  async action(_args, _raw, io) {
    for (const s of SCENARIOS) io.stdout(`${s.name.padEnd(16)} ${s.summary}\n`);
    return EXIT.OK;
  },
};
