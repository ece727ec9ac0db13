import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly: the `@payhook/source` export condition
// points each workspace package at its src/ instead of its built dist/.
// The gateway's integration suite runs twice, once per storage backend.
export default defineConfig({
  resolve: { conditions: ['@payhook/source'] },
  ssr: { resolve: { conditions: ['@payhook/source'], externalConditions: ['@payhook/source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and child processes; two cores, so keep it modest.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'gateway-sqlite',
          include: ['packages/gateway/test/**/*.test.ts'],
          // LISTEN/NOTIFY and multi-process claims exist only on PostgreSQL; the browser tests
          // have their own project.
          exclude: ['packages/gateway/test/postgres/**', 'packages/gateway/test/browser/**'],
          env: { PAYHOOK_TEST_BACKEND: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'gateway-postgres',
          include: ['packages/gateway/test/**/*.test.ts'],
          // What only SQLite has (its file's space) runs in the project above.
          exclude: ['packages/gateway/test/sqlite/**', 'packages/gateway/test/browser/**'],
          env: { PAYHOOK_TEST_BACKEND: 'postgres' },
          globalSetup: ['packages/gateway/test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The dashboard and checkout pages in Debian's Chromium (scripts/ensure-chromium.sh),
          // driven by playwright-core; one browser at a time is plenty for two cores.
          name: 'browser',
          include: ['packages/gateway/test/browser/**/*.test.ts'],
          env: { PAYHOOK_TEST_BACKEND: 'sqlite' },
          fileParallelism: false,
        },
      },
      { extends: true, test: { name: 'merchant', include: ['packages/merchant/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'shop', include: ['examples/*/test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          // The real `payhook` binary (built dist/, as npx runs it) against a real gateway.
          name: 'cli',
          include: ['packages/cli/test/**/*.test.ts'],
          // Each test runs the binary several times; leave room for a loaded two-core machine.
          testTimeout: 60_000,
          env: { PAYHOOK_TEST_BACKEND: 'sqlite' },
          globalSetup: ['packages/cli/test/global-setup.ts'],
        },
      },
    ],
  },
});
