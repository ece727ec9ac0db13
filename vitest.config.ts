import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly: the `@payhook/source` export condition
// points each workspace package at its src/ instead of its built dist/.
export default defineConfig({
  resolve: { conditions: ['@payhook/source'] },
  ssr: { resolve: { conditions: ['@payhook/source'], externalConditions: ['@payhook/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and child processes; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
