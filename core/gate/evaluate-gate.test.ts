import { describe, expect, it } from 'vitest';
import { defaultCycleConfig, GateConfig } from '../cycle/cycle-config.ts';
import { evaluateGate } from './evaluate-gate.ts';
import type { EvaluationSummary } from './evaluation-summary.ts';

const defaults = defaultCycleConfig().gate;

function summary(overrides: Partial<EvaluationSummary> = {}): EvaluationSummary {
  return {
    holdout: { accuracy: 0.95 },
    golden: { accuracy: 0.8 },
    slices: [
      { kind: 'label', name: 'ham', size: 400, metrics: { accuracy: 0.97 } },
      { kind: 'label', name: 'spam', size: 200, metrics: { accuracy: 0.91 } },
    ],
    minedMistakes: { total: 40, fixed: 30 },
    ...overrides,
  };
}

describe('evaluateGate', () => {
  it('passes a candidate that meets every rule, listing each check with its figures', () => {
    const verdict = evaluateGate(
      { candidate: summary(), champion: summary({ holdout: { accuracy: 0.94 } }) },
      defaults,
    );
    expect(verdict.passed).toBe(true);
    expect(verdict.checks.map((c) => [c.name, c.passed])).toEqual([
      ['value:holdout.accuracy', true],
      ['change:holdout.accuracy:absolute', true],
      ['change:golden.accuracy:absolute', true],
      ['slice:label=ham.accuracy', true],
      ['slice:label=spam.accuracy', true],
      ['fix-rate', true],
    ]);
    expect(verdict.reasons).toEqual([
      'holdout accuracy 0.95 meets the threshold ≥ 0.9',
      'holdout accuracy change vs champion +0.01 (0.95 vs 0.94, absolute) within the accepted −0.01',
      'golden accuracy change vs champion 0 (0.8 vs 0.8, absolute) within the accepted −0.02',
      'slice label=ham accuracy 0.97 vs champion 0.97 (400 items): no regression',
      'slice label=spam accuracy 0.91 vs champion 0.91 (200 items): no regression',
      'fix-rate 75% (30 of 40 mined mistakes now right) meets the minimum 50%',
    ]);
  });

  it('lets a small golden set lose one item (toleratedItems) but not two, and the share rule a large one', () => {
    const golden = (accuracy: number, size: number) => ({ golden: { accuracy, size } });
    const judge = (candidate: number, champion: number, size: number) =>
      evaluateGate(
        { candidate: summary(golden(candidate, size)), champion: summary(golden(champion, size)) },
        defaults,
      ).checks.find((check) => check.name === 'change:golden.accuracy:absolute')!;
    const oneOfTwenty = judge(0.9, 0.95, 20);
    expect(oneOfTwenty).toMatchObject({ passed: true, threshold: -0.05 });
    expect(oneOfTwenty.detail).toBe(
      'golden accuracy change vs champion −0.05 (0.9 vs 0.95, absolute) within the accepted −0.05 ' +
        '(1 of 20 items; −0.02 as a share)',
    );
    expect(judge(0.85, 0.95, 20).passed).toBe(false);
    // 200 items: one item is half a point, the −0.02 share is the more lenient and rules.
    expect(judge(0.93, 0.95, 200)).toMatchObject({ passed: true, threshold: -0.02 });
    expect(judge(0.925, 0.95, 200).passed).toBe(false);
    // Without a count (older reports) the share alone applies.
    expect(judge(0.9, 0.95, 0).passed).toBe(false);
    // The holdout rule tolerates no item by default.
    const holdout = evaluateGate(
      {
        candidate: summary({ holdout: { accuracy: 0.9, size: 20 } }),
        champion: summary({ holdout: { accuracy: 0.95, size: 20 } }),
      },
      defaults,
    ).checks.find((check) => check.name === 'change:holdout.accuracy:absolute')!;
    expect(holdout.passed).toBe(false);
  });

  it('fails below a value threshold and says by how much', () => {
    const verdict = evaluateGate(
      { candidate: summary({ holdout: { accuracy: 0.88 } }), champion: null },
      defaults,
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual(['holdout accuracy 0.88 misses the threshold ≥ 0.9']);
    expect(verdict.checks[0]).toMatchObject({ value: 0.88, threshold: 0.9, passed: false });
  });

  it('with no champion applies only value thresholds and the fix-rate', () => {
    const verdict = evaluateGate({ candidate: summary(), champion: null }, defaults);
    expect(verdict.passed).toBe(true);
    expect(verdict.checks.map((c) => c.kind)).toEqual(['value', 'fix-rate']);
    expect(verdict.notes).toEqual(['no champion: change and slice checks skipped']);
  });

  it('passes a change exactly at its threshold despite floating point', () => {
    // 0.94 − 0.95 is −0.010000000000000009 in binary floating point.
    const verdict = evaluateGate(
      {
        candidate: summary({ holdout: { accuracy: 0.94 } }),
        champion: summary({ holdout: { accuracy: 0.95 } }),
      },
      defaults,
    );
    expect(verdict.checks.find((c) => c.name === 'change:holdout.accuracy:absolute')?.passed).toBe(true);
  });

  it('fails a regression vs the champion beyond the accepted change', () => {
    const verdict = evaluateGate(
      {
        candidate: summary({ holdout: { accuracy: 0.93 } }),
        champion: summary({ holdout: { accuracy: 0.95 } }),
      },
      defaults,
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual([
      'holdout accuracy change vs champion −0.02 (0.93 vs 0.95, absolute) below the accepted −0.01',
    ]);
  });

  it('reads relative changes of lower-is-better metrics in the better direction', () => {
    const config = GateConfig.parse({
      valueThresholds: [{ metric: 'errorRate', direction: 'lower-is-better', threshold: 0.1 }],
      changeThresholds: [
        { metric: 'errorRate', direction: 'lower-is-better', kind: 'relative', minChange: 0.1 },
      ],
      minFixRate: null,
    });
    const champion = summary({ holdout: { errorRate: 0.08 }, slices: [] });
    const better = evaluateGate(
      { candidate: summary({ holdout: { errorRate: 0.06 }, slices: [] }), champion },
      config,
    );
    expect(better.passed).toBe(true);
    // (0.06 − 0.08) / 0.08 = −25% error = +25% in the better direction.
    expect(better.checks[1]).toMatchObject({ value: expect.closeTo(0.25, 12), threshold: 0.1 });
    const worse = evaluateGate(
      { candidate: summary({ holdout: { errorRate: 0.075 }, slices: [] }), champion },
      config,
    );
    expect(worse.passed).toBe(false);
    expect(worse.reasons).toEqual([
      'holdout errorRate change vs champion +6.25% (lower is better) (0.075 vs 0.08, relative) below the accepted +10%',
    ]);
  });

  it('fails a slice that regresses beyond the bound and notes slices too small to judge', () => {
    const candidate = summary({
      slices: [
        { kind: 'label', name: 'spam', size: 200, metrics: { accuracy: 0.84 } },
        { kind: 'group', name: 'spam-2', size: 12, metrics: { accuracy: 0.5 } },
        { kind: 'group', name: 'new-group', size: 100, metrics: { accuracy: 0.9 } },
      ],
    });
    const champion = summary({
      slices: [
        { kind: 'label', name: 'spam', size: 200, metrics: { accuracy: 0.91 } },
        { kind: 'group', name: 'spam-2', size: 12, metrics: { accuracy: 0.9 } },
      ],
    });
    const verdict = evaluateGate({ candidate, champion }, defaults);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual([
      'slice label=spam accuracy 0.84 vs champion 0.91 (200 items): regression 0.07 beyond the bound 0.05',
    ]);
    expect(verdict.notes).toEqual([
      'slice group=new-group accuracy not compared: the champion has no such slice',
      'slice group=spam-2 accuracy not judged: 12 items < 30',
      'robustness not checked: the candidate was measured on no perturbed holdout',
    ]);
  });

  it('fails a low fix-rate, and only judges it with enough mined mistakes', () => {
    const low = evaluateGate(
      { candidate: summary({ minedMistakes: { total: 40, fixed: 12 } }), champion: null },
      defaults,
    );
    expect(low.passed).toBe(false);
    expect(low.reasons).toEqual(['fix-rate 30% (12 of 40 mined mistakes now right) misses the minimum 50%']);
    const few = evaluateGate(
      { candidate: summary({ minedMistakes: { total: 3, fixed: 0 } }), champion: null },
      defaults,
    );
    expect(few.passed).toBe(true);
    expect(few.notes).toContain('fix-rate not judged: 3 mined mistakes < 5');
  });

  it('fails a candidate missing a required metric, and skips golden rules without a golden set', () => {
    const verdict = evaluateGate(
      {
        candidate: summary({ holdout: { macroF1: 0.9 }, golden: null }),
        champion: summary({ golden: null }),
      },
      defaults,
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual([
      'holdout accuracy was not measured for the candidate (required ≥ 0.9)',
      'holdout accuracy was not measured for the candidate, so its change vs the champion is unknown',
    ]);
    expect(verdict.notes).toContain('golden accuracy change not checked: no golden set yet');
    const championWithout = evaluateGate(
      { candidate: summary(), champion: summary({ golden: null }) },
      defaults,
    );
    expect(championWithout.passed).toBe(true);
    expect(championWithout.notes).toContain(
      'golden accuracy change not checked: the champion has no golden accuracy',
    );
  });
});
