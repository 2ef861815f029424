// The one build configuration of the workspace's packages: ESM for Node 20 with .d.ts and source maps.
// Each package's tsup.config.ts names only its entry points.
import { defineConfig } from 'tsup';

export function packageBuild(entry: string[]) {
  return defineConfig({
    entry,
    format: ['esm'],
    target: 'node20',
    // Without the `source` condition the .d.ts step reads sibling packages' built .d.ts instead of type-checking
    // their sources again (about twice as fast); `pnpm build` builds the packages in dependency order.
    dts: { compilerOptions: { composite: false, customConditions: [] } },
    clean: true,
    sourcemap: true,
    splitting: true,
  });
}
