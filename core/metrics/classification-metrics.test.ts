import { expect, test } from 'vitest';
import { classificationMetrics } from './classification-metrics.ts';

test('metrics of a small worked example, computed by hand', () => {
  // actual spam ×4: predicted spam, spam, spam, ham; actual ham ×6: predicted ham ×4, spam ×2.
  const pairs = [
    ...Array.from({ length: 3 }, () => ({ actual: 'spam', predicted: 'spam' })),
    { actual: 'spam', predicted: 'ham' },
    ...Array.from({ length: 4 }, () => ({ actual: 'ham', predicted: 'ham' })),
    ...Array.from({ length: 2 }, () => ({ actual: 'ham', predicted: 'spam' })),
  ];
  const metrics = classificationMetrics(pairs, ['ham', 'spam']);
  expect(metrics.accuracy).toBeCloseTo(7 / 10);
  // spam: precision 3/5, recall 3/4, F1 = 2·0.6·0.75/1.35 = 0.6667; ham: precision 4/5, recall 4/6, F1 = 0.7273
  expect(metrics.perClass.spam!.precision).toBeCloseTo(0.6);
  expect(metrics.perClass.spam!.recall).toBeCloseTo(0.75);
  expect(metrics.perClass.spam!.f1).toBeCloseTo(2 / 3);
  expect(metrics.perClass.ham!.f1).toBeCloseTo(8 / 11);
  expect(metrics.macroF1).toBeCloseTo((2 / 3 + 8 / 11) / 2);
  expect(metrics.confusion).toEqual({ ham: { ham: 4, spam: 2 }, spam: { ham: 1, spam: 3 } });
});

test('an empty set scores zero rather than NaN', () => {
  const metrics = classificationMetrics([], ['ham', 'spam']);
  expect(metrics.accuracy).toBe(0);
  expect(metrics.macroF1).toBe(0);
});
