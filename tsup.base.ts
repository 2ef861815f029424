// The one build configuration of the workspace's packages: ESM for Node 20 with .d.ts and source maps.
// Each package's tsup.config.ts names only its entry points.
import { defineConfig } from 'tsup';

export function packageBuild(entry: string[]) {
  return defineConfig({
    entry,
    format: ['esm'],
    target: 'node20',
    dts: { compilerOptions: { composite: false } },
    clean: true,
    sourcemap: true,
    splitting: true,
  });
}
