import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { expect, test } from 'vitest';
import { DEFAULT_WORKFLOWS_PATH } from '../workers/run-workers.ts';
import { HISTORIES_DIR } from './support/histories.ts';
import { workflowBundle } from './support/temporal.ts';

const files = readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

// Every committed history must replay against today's workflow code: a change that would make a
// running workflow take another path fails here and needs patched().
test.each(files)('replays %s without nondeterminism', async (file) => {
  const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle(DEFAULT_WORKFLOWS_PATH) },
    history,
    `replay-${file.replace(/\.json$/, '')}`,
  );
});
