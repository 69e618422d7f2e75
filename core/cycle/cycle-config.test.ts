import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CycleConfig, defaultCycleConfig, parseCycleConfig } from './cycle-config.ts';

describe('cycle config', () => {
  it('fills every default from an empty input', () => {
    const config = defaultCycleConfig();
    expect(config.mining.lowConfidenceThreshold).toBe(0.7);
    expect(config.mining.labelBudget).toBe(150);
    expect(config.review.quorum).toBe(1);
    expect(config.review.deadline).toBe(24 * 3_600_000);
    expect(config.training.taskQueue).toBe('flywheel-training');
    expect(config.gate.valueThresholds).toEqual([
      { metric: 'accuracy', on: 'holdout', direction: 'higher-is-better', threshold: 0.9 },
    ]);
    expect(config.rollout.steps).toEqual(['shadow', 5, 25, 50, 100]);
    expect(config.rollout.soak).toBe(30 * 60_000);
    expect(parseCycleConfig(undefined)).toEqual({ ok: true, config });
  });

  it('keeps what the user set and defaults the rest of that section', () => {
    const result = parseCycleConfig({
      mining: { labelBudget: 40 },
      rollout: { soak: '2h', steps: [10, 100] },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.mining.labelBudget).toBe(40);
    expect(result.config.mining.lowConfidenceThreshold).toBe(0.7);
    expect(result.config.rollout.soak).toBe(7_200_000);
    expect(result.config.rollout.steps).toEqual([10, 100]);
  });

  it('is stable under re-parsing its own output (workflows may validate again)', () => {
    const config = defaultCycleConfig();
    expect(CycleConfig.parse(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('documents every field', () => {
    const undocumented: string[] = [];
    const leaves: string[] = [];
    const walk = (schema: z.ZodType, path: string) => {
      let inner: z.ZodType = schema;
      // Unwrap defaults, prefaults, nullables and pipes down to the object (if any), collecting docs on the way.
      let documented = Boolean(schema.description);
      for (;;) {
        const def = (
          inner as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } }
        )._zod.def;
        if (inner.description) documented = true;
        if (def.innerType) inner = def.innerType;
        else if (def.type === 'pipe' && def.in) inner = def.in;
        else break;
      }
      if (inner instanceof z.ZodObject) {
        for (const [key, child] of Object.entries(inner.shape))
          walk(child as z.ZodType, path ? `${path}.${key}` : key);
      } else {
        leaves.push(path);
        if (!documented) undocumented.push(path);
      }
    };
    walk(CycleConfig, '');
    // The walk must reach nested leaves, or the check below would pass vacuously.
    expect(leaves).toContain('rollout.bounds.latencyP99Ms.maxRelativeIncrease');
    expect(leaves).toContain('activities.retry.maximumAttempts');
    expect(undocumented).toEqual([]);
  });

  it('refuses a misspelt field, naming it', () => {
    expect(parseCycleConfig({ mining: { lowConfidenceTreshold: 0.5 } })).toEqual({
      ok: false,
      errors: ['mining.lowConfidenceTreshold: is not a known field'],
    });
  });

  it('refuses out-of-range values with the field path and the rule', () => {
    const result = parseCycleConfig({
      mining: { lowConfidenceThreshold: 1.5, labelBudget: -1 },
      gate: { valueThresholds: [{ metric: 'accuracy' }] },
      review: { deadline: 'soon' },
      rollout: { onInconclusive: 'wait' },
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        'mining.lowConfidenceThreshold: must be ≤ 1',
        'mining.labelBudget: must be ≥ 0',
        expect.stringMatching(/^review\.deadline: "soon" is not a duration/),
        'gate.valueThresholds[0].threshold: is required (a number)',
        'rollout.onInconclusive: must be one of "extend", "pause"',
      ],
    });
  });

  it('checks rules that span fields', () => {
    expect(parseCycleConfig({ review: { reminderAfter: '2h', deadline: '1h' } })).toEqual({
      ok: false,
      errors: ['review.reminderAfter: must be shorter than review.deadline'],
    });
    expect(parseCycleConfig({ review: { reviewers: ['ana'], quorum: 2 } })).toEqual({
      ok: false,
      errors: ['review.quorum: must be ≤ the number of allowed reviewers (1)'],
    });
    expect(parseCycleConfig({ rollout: { steps: [5, 'shadow', 5, 'canary'] } })).toEqual({
      ok: false,
      errors: ['rollout.steps[3]: must be "shadow" or a number'],
    });
    expect(parseCycleConfig({ rollout: { steps: [5, 'shadow', 5] } })).toEqual({
      ok: false,
      errors: [
        'rollout.steps[1]: shadow must be the first step',
        'rollout.steps[2]: canary percents must rise (5 after 5)',
      ],
    });
  });

  it("weighs this cycle's labels 2× by default and refuses a fresh-label weight ≤ 0 wherever it is set", () => {
    expect(defaultCycleConfig().training.freshLabelWeight).toBe(2);
    expect(
      parseCycleConfig({
        training: {
          freshLabelWeight: 0,
          params: { freshLabelWeight: -2 },
          variants: [{ freshLabelWeight: 2 }, { freshLabelWeight: 0.5 }],
        },
      }),
    ).toEqual({
      ok: false,
      errors: [
        'training.freshLabelWeight: must be ≥ 1',
        'training.params.freshLabelWeight: must be a whole number ≥ 1 (times each fresh label is repeated)',
        'training.variants[1].freshLabelWeight: must be a whole number ≥ 1 (times each fresh label is repeated)',
      ],
    });
  });

  it("refuses the built-in trainer's averagedRuns outside 1–16 wherever it is set, and leaves other trainers' params alone", () => {
    expect(
      parseCycleConfig({
        training: { params: { averagedRuns: 0 }, variants: [{ averagedRuns: 3 }, { averagedRuns: 2.5 }] },
      }),
    ).toEqual({
      ok: false,
      errors: [
        'training.params.averagedRuns: must be a whole number from 1 to 16 (training runs whose weights are averaged)',
        'training.variants[1].averagedRuns: must be a whole number from 1 to 16 (training runs whose weights are averaged)',
      ],
    });
    expect(parseCycleConfig({ training: { params: { averagedRuns: 3 } } }).ok).toBe(true);
    expect(parseCycleConfig({ training: { trainer: 'external', params: { averagedRuns: 'all' } } }).ok).toBe(
      true,
    );
  });

  it('refuses something that is not an object', () => {
    expect(parseCycleConfig('fast please')).toEqual({ ok: false, errors: ['(root): must be an object'] });
  });
});
