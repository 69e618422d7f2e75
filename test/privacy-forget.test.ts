import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildDatasetActivity } from '../activities/cycle/build-dataset.ts';
import type { ActivityDeps } from '../activities/deps.ts';
import { openStore } from '../adapters/store/open-store.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import { runCli } from './support/cli-process.ts';
import {
  aDatasetItem,
  aDatasetVersion,
  aFeedback,
  aPrediction,
  aReviewItem,
} from './support/store-records.ts';

let dataDir: string;
let store: FlywheelStore;
const ALICE_TEXT = 'alice writes from her own mailbox about her own order';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flywheel-forget-'));
  store = await openStore({ dataDir });
  await store.predictions.insertMany([
    aPrediction({ id: 'p-alice', userKey: 'alice@example.com', text: ALICE_TEXT }),
    aPrediction({ id: 'p-bob', userKey: 'bob', text: 'bob asks about his parcel' }),
    aPrediction({ id: 'p-carol', userKey: 'carol', text: 'carol asks about the invoice' }),
  ]);
  await store.feedback.insertMany([
    aFeedback({ id: 'f-alice', predictionId: 'p-alice', userKey: 'alice@example.com' }),
    aFeedback({ id: 'f-bob', predictionId: 'p-bob', userKey: 'bob' }),
  ]);
  const seed = [
    aDatasetItem({ id: 'item-alice', predictionId: 'p-alice', text: ALICE_TEXT }),
    aDatasetItem({ id: 'item-bob', predictionId: 'p-bob', text: 'bob asks about his parcel' }),
  ];
  await store.datasets.create(aDatasetVersion(seed, { id: 'ds-seed' }), seed);
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("forget deletes the user's captured data, names the dataset versions holding it, audits without the data, and the next version leaves it out", async () => {
  const forgotten = runCli(
    ['privacy', 'forget', '--user-key', 'alice@example.com', '--actor', 'dpo', '--json'],
    {
      FLYWHEEL_DATA_DIR: dataDir,
    },
  );
  expect(forgotten.code, forgotten.stderr).toBe(0);
  expect(JSON.parse(forgotten.stdout)).toEqual({
    predictions: 1,
    feedback: 1,
    reviewItems: 0,
    datasetItems: 1,
    datasetVersions: ['ds-seed'],
  });
  expect(await store.predictions.get('p-alice')).toBeNull();
  expect(await store.predictions.get('p-bob')).not.toBeNull();
  expect((await store.feedback.listForPredictions(['p-alice', 'p-bob'])).map((f) => f.id)).toEqual(['f-bob']);

  const [audit] = await store.audit.list({ limit: 1 });
  expect(audit).toMatchObject({
    kind: 'privacy-forget',
    actor: 'dpo',
    details: { predictions: 1, feedback: 1 },
  });
  const recorded = JSON.stringify(audit);
  expect(recorded).not.toContain('alice');
  expect(recorded).not.toContain(ALICE_TEXT);

  // A later cycle settles carol's item: the version it builds keeps bob's, adds carol's, drops alice's.
  await store.reviewItems.upsertMany([
    aReviewItem({
      id: 'spam-cycle-2:item-carol',
      cycleId: 'spam-cycle-2',
      predictionId: 'p-carol',
      text: 'carol asks about the invoice',
      status: 'approved',
      finalLabel: 'ham',
      decidedBy: ['erin'],
    }),
  ]);
  const built = await buildDatasetActivity({ store } as unknown as ActivityDeps)({
    cycleId: 'spam-cycle-2',
    model: 'spam',
    number: 2,
    batchId: 'batch-2',
    parentDatasetId: 'ds-seed',
    dataset: { holdoutShare: 0.2, goldenShare: 0.3 } as never,
  });
  const items = await store.datasets.items(built.datasetId);
  expect(items.map((item) => item.id).sort()).toEqual(['item-bob', 'item-carol']);
  expect(JSON.stringify(items)).not.toContain(ALICE_TEXT);

  const again = runCli(['privacy', 'forget', '--user-key', 'alice@example.com'], {
    FLYWHEEL_DATA_DIR: dataDir,
  });
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(
    /0 predictions, 0 feedback, 0 review items\n {2}no dataset version holds their items/,
  );
  const empty = runCli(['privacy', 'forget', '--user-key', ' '], { FLYWHEEL_DATA_DIR: dataDir });
  expect(empty.code).toBe(2);
  expect(empty.stderr).toBe('flywheel: --user-key must not be empty\n');
});
