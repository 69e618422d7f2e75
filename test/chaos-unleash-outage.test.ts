import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ChaosSettings, FULL_CAMPAIGN, formatTable } from '../bench/chaos-campaign.ts';
import { holdChaosProgress } from '../bench/chaos-progress.ts';
import {
  startUnleashOutageStack,
  type UnleashOutageStack,
  unleashOutage,
} from '../bench/chaos-unleash-outage.ts';
import { holdOutput } from './support/test-logs.ts';

// The rows' progress lines belong with the test's logs, not on the terminal.
holdChaosProgress(holdOutput);

/**
 * The flag backend outage row on the production topology, short (bench/chaos.ts runs it with 60 s): the
 * store on PostgreSQL, the flags in a real Unleash server, which is stopped for 10 s once the gateway
 * serves a cycle's canary step, while users send predictions and feedback. The gateway must answer every
 * request from its last copy of the flags, keep each user on the arm it had, lose nothing, refresh its
 * flags again once Unleash is back, and the rollout must finish.
 */
const SHORT: ChaosSettings = { ...FULL_CAMPAIGN, unleashOutageMs: 10_000 };

let root: string;
let setup: UnleashOutageStack;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'flywheel-chaos-unleash-'));
  setup = await startUnleashOutageStack(root);
}, 400_000);

afterAll(async () => {
  await setup?.close();
  rmSync(root, { recursive: true, force: true });
});

test('Unleash stopped while a canary step is served: every request answered 200 on its arm, nothing lost, the rollout ends', async () => {
  const row = await unleashOutage(setup, SHORT);
  const output = join(process.cwd(), 'test-output', 'chaos');
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'unleash-outage.txt'), `${formatTable([row])}\n`);
  expect(row.affected, row.notes).toBeGreaterThan(0);
  expect(row.extra?.errorsDuring, row.notes).toBe(0);
  expect(row.extra?.notServed, row.notes).toBe(0);
  expect(row.lost, row.notes).toBe(0);
  expect(row.extra?.armChanges, row.notes).toBe(0);
  // The gateway noticed the outage (its refreshes failed) and its flags came back.
  expect(row.extra?.failedPolls, row.notes).toBeGreaterThan(0);
  expect(row.maxRecoveryMs, row.notes).not.toBeNull();
  expect(row.extra?.crashLines, row.notes).toBe(0);
  expect(row.extra?.rolloutEnded, row.notes).toBe(1);
  expect(row.duplicates, row.notes).toEqual({ datasets: 0, models: 0, audit: 0 });
}, 900_000);
