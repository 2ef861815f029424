// A typed configuration for the CLI: `pnpm loadhouse run --config examples/config/loadhouse.config.ts`.
// Flags on the command line still apply (e.g. --results-dir); the scenario and plugins come from here.
import { defineConfig } from 'loadhouse';
import { highThroughput } from '@loadhouse/scenarios';
import type { LoadhousePlugin } from '@loadhouse/core';

/** A tiny inline plugin: prints the phase boundaries. */
const phaseLogger: LoadhousePlugin = {
  name: 'phase-logger',
  apiVersion: 1,
  setup(ctx) {
    ctx.hooks.hook('phase:start', (p) => ctx.logger.info(`phase ${p.name} starts at ${p.elapsedSeconds.toFixed(1)} s`));
  },
};

export default defineConfig({
  // target: 'streamhouse.internal:50051',   // omit to use the embedded reference agent
  plugins: [phaseLogger],
  scenario: highThroughput({ durationSeconds: 4, targetRate: 1000, partitions: 2, p99Ms: 1000 }),
  options: { warmupSeconds: 1 },
});
