import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const HISTORIES_DIR = new URL('../histories/', import.meta.url).pathname;

/**
 * With FLYWHEEL_RECORD_HISTORIES=1, keeps a finished workflow's history under test/histories/ for the
 * replay test. Record when a workflow's shape changes on purpose, and commit the file with the change
 * (older files stay: they are what running workflows in the field look like).
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.FLYWHEEL_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), `${historyToJSON(history)}\n`);
}
