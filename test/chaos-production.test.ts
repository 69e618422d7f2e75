import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ChaosSettings, FULL_CAMPAIGN, formatTable, workerKills } from '../bench/chaos-campaign.ts';
import { startProductionChaosStack } from '../bench/chaos-production-stack.ts';
import type { ChaosStack } from '../bench/chaos-stack.ts';
import { heldLogger, holdOutput } from './support/test-logs.ts';

/**
 * The worker kill -9 row on the production topology, short (bench/chaos.ts --topology production runs it
 * with more kills): the store and capture on PostgreSQL, flags in Unleash, artifacts in S3, and a
 * `--no-training` and a `--training-only` `flywheel worker`. Two kills while a cycle runs; with the
 * campaign's seed the first picks the main worker and the second the training one. Whenever they land,
 * the cycle must promote, and nothing may be lost, duplicated or fail a workflow task.
 */
const SHORT: ChaosSettings = { ...FULL_CAMPAIGN, kills: 2, killGapMs: [1_000, 8_000], parallelCycles: 1 };

let root: string;
let stack: ChaosStack;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'flywheel-chaos-production-'));
  stack = await startProductionChaosStack(root, holdOutput, heldLogger('chaos'));
}, 400_000);

afterAll(async () => {
  await stack?.close();
  rmSync(root, { recursive: true, force: true });
});

test('worker kill -9 on the production topology, main and training workers: the cycle promotes, nothing lost or duplicated', async () => {
  const row = await workerKills(stack, SHORT);
  const output = join(process.cwd(), 'test-output', 'chaos');
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'production-kills.txt'), `${formatTable([row])}\n`);
  expect(row.injected).toBe(SHORT.kills);
  expect(row.extra?.mainKills, row.notes).toBe(1);
  expect(row.extra?.trainingKills, row.notes).toBe(1);
  expect(row.completed, row.notes).toBe(row.extra?.cycles);
  expect(row.lost, row.notes).toBe(0);
  expect(row.duplicates, row.notes).toEqual({ datasets: 0, models: 0, audit: 0 });
  expect(row.extra?.failedTasks, row.notes).toBe(0);
  expect(row.extra?.unexpectedWorkerExits, row.notes).toBe(0);
}, 900_000);
