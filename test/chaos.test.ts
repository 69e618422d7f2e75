import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type ChaosRow,
  type ChaosSettings,
  FULL_CAMPAIGN,
  flagOutage,
  formatTable,
  longLife,
  temporalRestarts,
  workerKills,
} from '../bench/chaos-campaign.ts';
import { pausedRollout } from '../bench/chaos-paused-rollout.ts';
import { holdChaosProgress } from '../bench/chaos-progress.ts';
import { saturate } from '../bench/chaos-saturation.ts';
import { type ChaosStack, startChaosStack } from '../bench/chaos-stack.ts';
import { heldLogger, holdOutput } from './support/test-logs.ts';

// The rows' progress lines belong with the test's logs, not on the terminal.
holdChaosProgress(holdOutput);

/**
 * A short run of the reliability campaign (bench/chaos.ts runs the full one): its own Temporal dev
 * server on a database file, a worker process killed with SIGKILL at seeded random moments, the server
 * restarted, the flag file write-locked, the gateway saturated, a rollout paused past its history limit. Whenever the faults land, nothing may be
 * lost, duplicated or left unfinished: no assertion depends on how fast the machine is.
 */
const SHORT: ChaosSettings = {
  ...FULL_CAMPAIGN,
  kills: 3,
  killGapMs: [1_000, 8_000],
  parallelCycles: 1,
  reviewDeadlineMs: 20_000,
  flagOutageMs: 5_000,
  saturationMs: 5_000,
};

let root: string;
let stack: ChaosStack;
/** Where the short campaign leaves its table (git-ignored, like the browser tests' screenshots). */
const CHAOS_OUTPUT = join(process.cwd(), 'test-output', 'chaos');
const rows: ChaosRow[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'flywheel-chaos-test-'));
  stack = await startChaosStack(root, holdOutput, undefined, heldLogger('chaos'));
}, 300_000);

afterAll(async () => {
  // The short campaign's table, beside the other tests' outputs (git-ignored), not on the terminal.
  mkdirSync(CHAOS_OUTPUT, { recursive: true });
  writeFileSync(join(CHAOS_OUTPUT, 'short-campaign.txt'), `${formatTable(rows)}\n`);
  await stack?.close();
  rmSync(root, { recursive: true, force: true });
});

const NONE = { datasets: 0, models: 0, audit: 0 };

test('saturation: the gateway sheds or serves, never fails, and captures every prediction it served', async () => {
  const row = await saturate(stack, SHORT);
  rows.push(row);
  expect(row.extra?.other, row.notes).toBe(0);
  expect(row.extra?.served, row.notes).toBe(row.extra?.captured);
  expect(row.extra?.withoutRetryAfter, row.notes).toBe(0);
  expect(row.extra?.dropped, row.notes).toBe(0);
  expect(row.lost).toBe(0);
}, 600_000);

test('flag file write-locked by another process: the gateway keeps answering', async () => {
  const row = await flagOutage(stack, SHORT);
  rows.push(row);
  expect(row.affected, row.notes).toBeGreaterThan(0);
  expect(row.extra?.errors, row.notes).toBe(0);
  expect(row.lost).toBe(0);
}, 600_000);

test('worker kill -9 at random moments: every cycle promotes its candidate, nothing lost or duplicated', async () => {
  const row = await workerKills(stack, SHORT);
  rows.push(row);
  expect(row.injected).toBe(SHORT.kills);
  expect(row.completed, row.notes).toBe(row.extra?.cycles);
  expect(row.lost, row.notes).toBe(0);
  expect(row.duplicates, row.notes).toEqual(NONE);
}, 1_800_000);

test('Temporal server restarted in a review wait and in a rollout soak: the cycle completes', async () => {
  const row = await temporalRestarts(stack, SHORT);
  rows.push(row);
  expect(row.injected, row.notes).toBe(2);
  expect(row.completed, row.notes).toBe(1);
  expect(row.lost, row.notes).toBe(0);
  expect(row.duplicates, row.notes).toEqual(NONE);
}, 1_800_000);

test('long life: a monitor continues as new through a worker kill, its counts carried, no task failed', async () => {
  const row = await longLife(stack, SHORT);
  rows.push(row);
  expect(row.extra?.runs, row.notes).toBeGreaterThanOrEqual(SHORT.monitorGenerations);
  expect(row.extra?.failedTasks, row.notes).toBe(0);
  expect(row.completed, row.notes).toBe(1);
}, 600_000);

test('paused rollout: continues as new through a worker kill, loses nothing, and ends as its unpaused twin', async () => {
  const row = await pausedRollout(stack, SHORT);
  rows.push(row);
  expect(row.extra?.continuedAsNew, row.notes).toBeGreaterThanOrEqual(SHORT.pausedGenerations);
  expect(row.extra?.failedTasks, row.notes).toBe(0);
  expect(row.extra?.carried, row.notes).toBe(1);
  expect(row.extra?.controlsLost, row.notes).toBe(0);
  expect(row.extra?.sameEnd, row.notes).toBe(1);
  expect(row.lost, row.notes).toBe(0);
  expect(row.duplicates, row.notes).toEqual(NONE);
  expect(row.completed, row.notes).toBe(1);
}, 900_000);
