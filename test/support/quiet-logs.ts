import { beforeEach } from 'vitest';
import { takeHeldLines } from './test-logs.ts';

// Registered for every integration test file (vitest.config.ts `setupFiles`). Lines logged before a
// test (by beforeAll hooks, say) count as that test's: they are what it started from.
beforeEach(({ onTestFinished }) => {
  onTestFinished(({ task }) => {
    const lines = takeHeldLines();
    if (task.result?.state === 'fail' && lines.length > 0) {
      process.stderr.write(`\n── logs of the failed test "${task.name}" ──\n${lines}── end of logs ──\n`);
    }
  });
});
