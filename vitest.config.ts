import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['source', 'node', 'development|production'] } },
  resolve: { conditions: ['source', 'node', 'development|production'] },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    reporters: ['default', './scripts/count-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests run real load against real sockets; on a 2-core machine two files at a time keeps timing sane.
    maxWorkers: 2,
    pool: 'forks',
  },
});
