import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ChaosSettings, FULL_CAMPAIGN, formatTable } from '../bench/chaos-campaign.ts';
import { holdChaosProgress } from '../bench/chaos-progress.ts';
import { type ChaosStack, startChaosStack } from '../bench/chaos-stack.ts';
import { storeOutage } from '../bench/chaos-store-outage.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from './support/postgres.ts';
import { heldLogger, holdOutput } from './support/test-logs.ts';

// The rows' progress lines belong with the test's logs, not on the terminal.
holdChaosProgress(holdOutput);

/**
 * The store outage row of the reliability campaign, short (bench/chaos.ts runs it with 30 s): the
 * embedded stack's Temporal and worker process over a real PostgreSQL, which is stopped for 10 s while
 * users send predictions and feedback and a cycle rolls out. Whenever it lands in the rollout, nothing
 * may be lost, duplicated or failed.
 */
const SHORT: ChaosSettings = { ...FULL_CAMPAIGN, storeOutageMs: 10_000 };

let root: string;
let pg: ThrowawayPostgres;
let stack: ChaosStack;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'flywheel-chaos-store-'));
  pg = await startThrowawayPostgres();
  stack = await startChaosStack(root, holdOutput, pg.url, heldLogger('chaos'));
}, 300_000);

afterAll(async () => {
  await stack?.close();
  await pg?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('PostgreSQL stopped during a rollout under traffic: served = stored, feedback retried and kept, the cycle promotes', async () => {
  const row = await storeOutage(stack, pg, SHORT);
  const output = join(process.cwd(), 'test-output', 'chaos');
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'store-outage.txt'), `${formatTable([row])}\n`);
  expect(row.extra?.notServed, row.notes).toBe(0);
  // Whether the queue overflows depends on how fast users send; whatever did not fit is counted.
  // Every served prediction is in the store or among the drops the gateway counted (which also count
  // shadow twins no user was served, so they may be more).
  expect((row.extra?.found ?? 0) + (row.extra?.drops ?? 0), row.notes).toBeGreaterThanOrEqual(
    row.extra?.served ?? 0,
  );
  expect(row.lost, row.notes).toBe(0);
  expect(row.extra?.feedbackServerErrors, row.notes).toBe(0);
  expect(row.extra?.feedbackLost, row.notes).toBe(0);
  expect(row.extra?.failedTasks, row.notes).toBe(0);
  expect(row.completed, row.notes).toBe(1);
  expect(row.duplicates, row.notes).toEqual({ datasets: 0, models: 0, audit: 0 });
}, 900_000);
