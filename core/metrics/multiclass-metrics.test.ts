import { expect, test } from 'vitest';
import { classificationMetrics } from './classification-metrics.ts';

// Three labels, 10 items, computed by hand:
//            predicted: ham spam phish
// true ham   (4)          3    1    0
// true spam  (4)          1    2    1
// true phish (2)          0    0    2
const actual = ['ham', 'ham', 'ham', 'ham', 'spam', 'spam', 'spam', 'spam', 'phish', 'phish'];
const predicted = ['ham', 'ham', 'ham', 'spam', 'ham', 'spam', 'spam', 'phish', 'phish', 'phish'];
const pairs = actual.map((label, i) => ({ actual: label, predicted: predicted[i]! }));

test('three-label metrics match the hand computation', () => {
  const metrics = classificationMetrics(pairs, ['ham', 'spam', 'phish']);
  expect(metrics.accuracy).toBeCloseTo(0.7, 12);
  expect(metrics.confusion).toEqual({
    ham: { ham: 3, spam: 1, phish: 0 },
    spam: { ham: 1, spam: 2, phish: 1 },
    phish: { ham: 0, spam: 0, phish: 2 },
  });
  // ham: precision 3/4, recall 3/4.
  expect(metrics.perClass.ham).toEqual({ precision: 0.75, recall: 0.75, f1: 0.75, support: 4 });
  // spam: precision 2/3, recall 2/4, F1 = 2·(2/3)(1/2)/(2/3 + 1/2) = 4/7.
  expect(metrics.perClass.spam!.precision).toBeCloseTo(2 / 3, 12);
  expect(metrics.perClass.spam!.recall).toBeCloseTo(0.5, 12);
  expect(metrics.perClass.spam!.f1).toBeCloseTo(4 / 7, 12);
  // phish: precision 2/3, recall 1, F1 = 0.8.
  expect(metrics.perClass.phish!.f1).toBeCloseTo(0.8, 12);
  expect(metrics.macroF1).toBeCloseTo((0.75 + 4 / 7 + 0.8) / 3, 12);
});

test('a label never predicted and never true scores 0 and still counts in the macro mean', () => {
  const metrics = classificationMetrics(
    [
      { actual: 'ham', predicted: 'ham' },
      { actual: 'spam', predicted: 'spam' },
    ],
    ['ham', 'spam', 'phish'],
  );
  expect(metrics.perClass.phish).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  expect(metrics.macroF1).toBeCloseTo(2 / 3, 12);
});
