import { defineConfig } from 'vitest/config';

// Unit tests sit beside the logic they test; integration tests (real Temporal dev server, PostgreSQL,
// HTTP) live under test/ and share one dev server per run (test/support/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{core,adapters,activities,workflows,workers,gateway,client,console,cli,scripts}/**/*.test.ts',
          ],
          // A guard against hangs, not a speed bound: property tests run hundreds of cases and a loaded
          // machine may take many times longer than an idle one.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // Logs are held per test and printed only for a failing one (test/support/test-logs.ts).
          setupFiles: ['test/support/quiet-logs.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
