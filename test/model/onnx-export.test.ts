import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerModelFromCorpus } from '../../activities/training/register-first-model.ts';
import { loadSpamAssassin, SPAMASSASSIN_ERAS } from '../../adapters/corpus/spamassassin.ts';
import { deserializeClassifier } from '../../core/model/artifact.ts';
import { createFeaturizer } from '../../core/model/features.ts';
import { parseOnnxManifest } from '../../core/onnx/onnx-manifest.ts';
import { openDeps } from '../../workers/open-deps.ts';
import { runCli } from '../support/cli-process.ts';
import { testLogger } from '../support/temporal.ts';

let dataDir: string;
let versionId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'flywheel-export-'));
  const deps = await openDeps({ dataDir, logger: testLogger });
  try {
    const examples = loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-1'] }).map((message) => ({
      id: message.id,
      text: message.text,
      label: message.label,
      group: message.group,
    }));
    const registered = await registerModelFromCorpus(deps, {
      model: 'spam',
      examples,
      source: 'spamassassin:era-1',
      champion: 'always',
      actor: 'test',
    });
    versionId = registered.versionId;
  } finally {
    await deps.close();
  }
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

test('`models export --format onnx` writes a standard graph whose ONNX Runtime probabilities equal the built-in model on all of era 2 within 1e-5', async () => {
  const out = path.join(dataDir, 'spam.onnx');
  const exported = runCli(['models', 'export', 'spam', '--format', 'onnx', '--out', out, '--json'], {
    FLYWHEEL_DATA_DIR: dataDir,
  });
  expect(exported.stderr).toBe('');
  expect(exported.code).toBe(0);
  expect(JSON.parse(exported.stdout)).toMatchObject({ model: 'spam', version: versionId, graph: out });

  // The graph alone, on ONNX Runtime directly, as another language's runtime would serve it.
  const manifest = parseOnnxManifest(await readFile(path.join(dataDir, 'spam.manifest.json'), 'utf8'));
  expect(manifest.input.kind).toBe('hashed-ngrams');
  if (manifest.input.kind !== 'hashed-ngrams') return;
  const session = await ort.InferenceSession.create(await readFile(out));
  expect(session.inputNames).toEqual(['indices', 'values']);
  expect(session.outputNames).toEqual([manifest.output.name]);

  const deps = await openDeps({ dataDir, logger: testLogger });
  const version = await deps.store.models.get(versionId);
  const builtin = deserializeClassifier(await deps.artifacts.get(version!.artifactSha256));
  await deps.close();

  const featurize = createFeaturizer(manifest.input.features);
  const era2 = loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-2'] });
  expect(era2.length).toBeGreaterThan(2000);
  let worst = 0;
  let disagreements = 0;
  for (const message of era2) {
    const { indices, values } = featurize(message.text);
    const result = await session.run({
      indices: new ort.Tensor('int64', BigInt64Array.from(indices, BigInt), [indices.length]),
      values: new ort.Tensor('float32', Float32Array.from(values), [values.length]),
    });
    const probabilities = result[manifest.output.name]!.data as Float32Array;
    const expected = builtin.predict(message.text);
    manifest.labels.forEach((label, k) => {
      worst = Math.max(worst, Math.abs(probabilities[k]! - expected.scores[label]!));
    });
    const best = probabilities[1]! > probabilities[0]! ? 1 : 0;
    if (manifest.labels[best] !== expected.label) disagreements++;
  }
  expect(worst).toBeLessThan(1e-5);
  // A probability within 1e-5 of 0.5 could flip a label; none does on this corpus.
  expect(disagreements).toBe(0);
});

test('`models export` refuses an unknown format and a missing version in one line', () => {
  const env = { FLYWHEEL_DATA_DIR: dataDir };
  const format = runCli(['models', 'export', 'spam', '--format', 'pmml', '--out', '/tmp/x'], env);
  expect(format.code).toBe(2);
  expect(format.stderr.trim()).toBe('flywheel: unknown export format "pmml": the one format is onnx');
  const missing = runCli(
    ['models', 'export', 'spam', '--version', 'v-none', '--format', 'onnx', '--out', '/tmp/x.onnx'],
    env,
  );
  expect(missing.code).toBe(4);
  expect(missing.stderr.trim()).toBe(
    'flywheel: model spam has no version v-none: see `flywheel models list spam`',
  );
});
