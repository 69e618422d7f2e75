import { expect, test } from 'vitest';
import {
  loadSpamAssassin,
  SPAMASSASSIN_ERAS,
  SPAMASSASSIN_LABELS,
} from '../../adapters/corpus/spamassassin.ts';
import { createBuiltinTrainer } from '../../adapters/trainers/builtin.ts';
import { splitItems } from '../../core/datasets/split.ts';
import { deserializeClassifier } from '../../core/model/artifact.ts';

test('the built-in model learns real spam: era-1 holdout accuracy at least 0.97, and era 2 shows drift', async () => {
  const era1 = splitItems(loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-1'] }), {
    seed: 1,
    holdoutFraction: 0.2,
  });
  const result = await createBuiltinTrainer().train({
    datasetId: 'spamassassin:era-1',
    labels: SPAMASSASSIN_LABELS,
    train: era1.train,
    holdout: era1.holdout,
    params: {},
    seed: 42,
  });
  expect(era1.train.length).toBeGreaterThan(2300);
  expect(result.metrics.holdoutSize).toBeGreaterThan(500);
  expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0.97);

  // The same model on the later-collected groups: worse, which is what the flywheel exists to fix.
  const classifier = deserializeClassifier(result.artifact);
  const era2 = loadSpamAssassin({ groups: SPAMASSASSIN_ERAS['era-2'] });
  const right = era2.filter((message) => classifier.predict(message.text).label === message.label).length;
  const era2Accuracy = right / era2.length;
  expect(era2Accuracy).toBeLessThan(result.metrics.accuracy!);
  expect(era2Accuracy).toBeGreaterThan(0.7);
});
