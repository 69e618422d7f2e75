import { beforeEach } from 'vitest';
import { installTemporalRuntime } from '../../workers/temporal-logging.ts';
import { testLogger } from './temporal.ts';
import { takeHeldLines } from './test-logs.ts';

// Registered for every integration test file (vitest.config.ts `setupFiles`).

// The Temporal SDK logs through its runtime, installed once per process: installed here, its lines are
// held too, whether the first worker is a test's own or a replayer (which would otherwise install the
// default runtime, printing to the console).
installTemporalRuntime(testLogger);

// Lines logged before a test (by beforeAll hooks, say) count as that test's: they are what it started from.
beforeEach(({ onTestFinished }) => {
  onTestFinished(({ task }) => {
    const lines = takeHeldLines();
    if (task.result?.state === 'fail' && lines.length > 0) {
      process.stderr.write(`\n── logs of the failed test "${task.name}" ──\n${lines}── end of logs ──\n`);
    }
  });
});
