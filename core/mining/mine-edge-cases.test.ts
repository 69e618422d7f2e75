import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCycleConfig } from '../cycle/cycle-config.ts';
import { contentHash } from '../hashing/content-hash.ts';
import { humanSlots, type MiningInput, type MiningSettings, mineEdgeCases } from './mine-edge-cases.ts';
import { feedback, prediction } from './test-records.ts';

const LABELS = ['ham', 'spam'];

function settings(
  overrides: Partial<MiningSettings['mining']> = {},
  rules?: MiningSettings['autoLabel']['rules'],
  trustFeedbackFrom?: MiningSettings['autoLabel']['trustFeedbackFrom'],
) {
  const config = defaultCycleConfig();
  return {
    mining: { ...config.mining, ...overrides },
    autoLabel: {
      rules: rules ?? config.autoLabel.rules,
      trustFeedbackFrom: trustFeedbackFrom ?? config.autoLabel.trustFeedbackFrom,
    },
  };
}

function mine(input: Partial<MiningInput>, s: MiningSettings = settings()) {
  return mineEdgeCases({ labels: LABELS, predictions: [], feedback: [], ...input }, s);
}

describe('mineEdgeCases: reasons and labels', () => {
  it('auto-labels "incorrect" on a binary model with the other label (binary-flip)', () => {
    const batch = mine({ predictions: [prediction({ id: 'p1' })], feedback: [feedback('p1', 'incorrect')] });
    expect(batch.needsReview).toEqual([]);
    expect(batch.autoLabelled).toHaveLength(1);
    expect(batch.autoLabelled[0]).toMatchObject({
      predictionId: 'p1',
      label: 'spam',
      rule: 'binary-flip',
      reason: 'negative-feedback',
      predictedLabel: 'ham',
      feedbackIds: ['p1-incorrect-'],
    });
    expect(batch.autoLabelled[0]!.id).toBe(contentHash(prediction({ id: 'p1' }).text));
  });

  it('auto-labels a user label on a binary model (user-label)', () => {
    const batch = mine({
      predictions: [prediction({ id: 'p1' })],
      feedback: [feedback('p1', 'label', 'spam')],
    });
    expect(batch.autoLabelled[0]).toMatchObject({ label: 'spam', rule: 'user-label' });
  });

  it('sends feedback to review with a proposal when the rules do not accept it', () => {
    const batch = mine(
      {
        predictions: [prediction({ id: 'p1' }), prediction({ id: 'p2' })],
        feedback: [feedback('p1', 'incorrect'), feedback('p2', 'label', 'spam')],
      },
      settings({}, []),
    );
    expect(batch.autoLabelled).toEqual([]);
    expect(batch.needsReview.map((i) => [i.predictionId, i.proposedLabel, i.proposedBecause])).toEqual([
      ['p1', 'spam', 'other-label'],
      ['p2', 'spam', 'user-label'],
    ]);
  });

  it('sends feedback from someone other than the prediction user to review unless the config trusts anyone', () => {
    const input = {
      predictions: [prediction({ id: 'p1' }), prediction({ id: 'p2' }), prediction({ id: 'p3' })],
      feedback: [
        feedback('p1', 'incorrect', null, 'p1-stranger', false),
        feedback('p2', 'label', 'spam', 'p2-stranger', false),
        // The prediction's user agrees, but a stranger's word is part of the verdict too.
        feedback('p3', 'incorrect', null, 'p3-own', true),
        feedback('p3', 'incorrect', null, 'p3-stranger', false),
      ],
    };
    const cautious = mine(input);
    expect(cautious.autoLabelled).toEqual([]);
    expect(cautious.needsReview.map((i) => [i.predictionId, i.proposedLabel, i.proposedBecause])).toEqual([
      ['p1', 'spam', 'other-label'],
      ['p2', 'spam', 'user-label'],
      ['p3', 'spam', 'other-label'],
    ]);

    const trusting = mine(input, settings({}, undefined, 'anyone'));
    expect(trusting.needsReview).toEqual([]);
    expect(trusting.autoLabelled.map((i) => [i.predictionId, i.label, i.rule])).toEqual([
      ['p1', 'spam', 'binary-flip'],
      ['p2', 'spam', 'user-label'],
      ['p3', 'spam', 'binary-flip'],
    ]);
  });

  it('never auto-labels a multi-class model: "incorrect" proposes the runner-up, a label proposes itself', () => {
    const labels = ['billing', 'bug', 'praise'];
    const batch = mineEdgeCases(
      {
        labels,
        predictions: [
          prediction({ id: 'p1', label: 'bug', scores: { billing: 0.3, bug: 0.6, praise: 0.1 } }),
          prediction({ id: 'p2', label: 'bug' }),
        ],
        feedback: [feedback('p1', 'incorrect'), feedback('p2', 'label', 'praise')],
      },
      settings(),
    );
    expect(batch.autoLabelled).toEqual([]);
    expect(batch.needsReview.map((i) => [i.predictionId, i.proposedLabel, i.proposedBecause])).toEqual([
      ['p1', 'billing', 'runner-up'],
      ['p2', 'praise', 'user-label'],
    ]);
  });

  it('mines low-confidence predictions for review, proposing the served label', () => {
    const batch = mine({
      predictions: [
        prediction({ id: 'unsure', confidence: 0.55 }),
        prediction({ id: 'sure', confidence: 0.7 }),
      ],
    });
    expect(
      batch.needsReview.map((i) => [i.predictionId, i.reason, i.proposedLabel, i.proposedBecause]),
    ).toEqual([['unsure', 'low-confidence', 'ham', 'served']]);
  });

  it('mines a shadow disagreement on the served prediction, proposing the more confident label', () => {
    const batch = mine({
      predictions: [
        prediction({ id: 's1', confidence: 0.8 }),
        prediction({
          id: 'sh1',
          variant: 'shadow',
          label: 'spam',
          confidence: 0.9,
          servedPredictionId: 's1',
        }),
        prediction({ id: 's2', confidence: 0.99 }),
        prediction({
          id: 'sh2',
          variant: 'shadow',
          label: 'spam',
          confidence: 0.6,
          servedPredictionId: 's2',
        }),
        prediction({ id: 's3' }),
        prediction({ id: 'sh3', variant: 'shadow', label: 'ham', servedPredictionId: 's3' }),
      ],
    });
    expect(
      batch.needsReview.map((i) => [i.predictionId, i.reason, i.proposedLabel, i.proposedBecause]),
    ).toEqual([
      ['s1', 'shadow-disagreement', 'spam', 'shadow-more-confident'],
      ['s2', 'shadow-disagreement', 'ham', 'served'],
    ]);
    expect(batch.counts.scanned).toBe(3);
  });

  it('mines inputs whose out-of-vocabulary rate reaches the threshold as drifted', () => {
    const batch = mine({
      predictions: [prediction({ id: 'odd' }), prediction({ id: 'usual' })],
      oovRates: { odd: 0.5, usual: 0.49 },
    });
    expect(batch.needsReview.map((i) => [i.predictionId, i.reason])).toEqual([['odd', 'drifted-input']]);
  });

  it('keeps every applicable and enabled reason, the most telling first; feedback still settles the label', () => {
    const p = prediction({ id: 'p1', confidence: 0.6 });
    const all = mine({ predictions: [p], feedback: [feedback('p1', 'incorrect')], oovRates: { p1: 0.9 } });
    expect(all.autoLabelled[0]!.reasons).toEqual(['negative-feedback', 'low-confidence', 'drifted-input']);
    const onlyLow = mine(
      { predictions: [p], feedback: [feedback('p1', 'incorrect')], oovRates: { p1: 0.9 } },
      settings({ reasons: ['low-confidence'] }),
    );
    // Disabling a reason stops it from making candidates; the feedback is still evidence for the label.
    expect(onlyLow.autoLabelled[0]).toMatchObject({
      reasons: ['low-confidence'],
      label: 'spam',
      rule: 'binary-flip',
    });
    const onlyDrift = mine(
      { predictions: [prediction({ id: 'p2' })], feedback: [feedback('p2', 'incorrect')] },
      settings({ reasons: ['drifted-input'] }),
    );
    expect(onlyDrift.autoLabelled).toEqual([]);
    expect(onlyDrift.counts.candidates['negative-feedback']).toBe(0);
  });

  it('carries the data group from the configured metadata key', () => {
    const batch = mine({
      predictions: [prediction({ id: 'p1', confidence: 0.5, metadata: { group: 'spam-2' } })],
    });
    expect(batch.needsReview[0]!.group).toBe('spam-2');
  });
});

describe('mineEdgeCases: noise filters', () => {
  it('drops empty and too-short texts', () => {
    const batch = mine({
      predictions: [
        prediction({ id: 'empty', text: '   ', confidence: 0.5 }),
        prediction({ id: 'short', text: ' buy now ', confidence: 0.5 }),
        prediction({ id: 'ok', text: 'buy now, cheap watches', confidence: 0.5 }),
      ],
    });
    expect(batch.needsReview.map((i) => i.predictionId)).toEqual(['ok']);
    expect(batch.counts.dropped['too-short']).toBe(2);
  });

  it('drops predictions whose feedback conflicts, and keeps agreeing repeats', () => {
    const batch = mine({
      predictions: [
        prediction({ id: 'both' }),
        prediction({ id: 'two-labels' }),
        prediction({ id: 'right-by-label' }),
        prediction({ id: 'agreeing' }),
      ],
      feedback: [
        feedback('both', 'correct'),
        feedback('both', 'incorrect'),
        feedback('two-labels', 'label', 'spam'),
        feedback('two-labels', 'label', 'eggs', 'x'),
        feedback('right-by-label', 'label', 'ham'),
        feedback('right-by-label', 'incorrect'),
        feedback('agreeing', 'incorrect'),
        feedback('agreeing', 'label', 'spam'),
        feedback('agreeing', 'label', 'spam', 'second-user'),
      ],
    });
    expect(batch.counts.dropped['conflicting-feedback']).toBe(3);
    expect(batch.autoLabelled.map((i) => [i.predictionId, i.label, i.rule])).toEqual([
      ['agreeing', 'spam', 'user-label'],
    ]);
    expect(batch.autoLabelled[0]!.feedbackIds).toEqual([
      'agreeing-incorrect-',
      'agreeing-label-spam',
      'second-user',
    ]);
  });

  it('does not mine a confirmed confident prediction, and counts feedback with no served prediction', () => {
    const batch = mine({
      predictions: [
        prediction({ id: 'p1' }),
        prediction({ id: 'sh', variant: 'shadow', servedPredictionId: 'p1' }),
      ],
      feedback: [feedback('p1', 'correct'), feedback('sh', 'incorrect'), feedback('gone', 'incorrect')],
    });
    expect(batch.autoLabelled).toEqual([]);
    expect(batch.needsReview).toEqual([]);
    expect(batch.counts.unmatchedFeedback).toBe(2);
  });

  it('drops a label the model does not have', () => {
    const batch = mine({
      predictions: [prediction({ id: 'p1' })],
      feedback: [feedback('p1', 'label', 'eggs')],
    });
    expect(batch.counts.dropped['unknown-label']).toBe(1);
    expect(batch.autoLabelled).toEqual([]);
  });

  it('drops exact duplicates (case, spacing, punctuation aside), keeping the higher-priority one', () => {
    const batch = mine({
      predictions: [
        prediction({ id: 'low', text: 'Cheap watches, buy now!', confidence: 0.6 }),
        prediction({ id: 'flagged', text: 'cheap   watches buy NOW' }),
      ],
      feedback: [feedback('flagged', 'incorrect')],
    });
    expect(batch.autoLabelled.map((i) => i.predictionId)).toEqual(['flagged']);
    expect(batch.needsReview).toEqual([]);
    expect(batch.counts.dropped.duplicate).toBe(1);
  });

  it('drops near duplicates (one word changed in forty) but keeps different texts', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const original = words.join(' ');
    const edited = words.map((w, i) => (i === 20 ? 'changed' : w)).join(' ');
    const other = words.map((w) => `${w}x`).join(' ');
    const batch = mine({
      predictions: [
        prediction({ id: 'a', text: original, confidence: 0.5 }),
        prediction({ id: 'b', text: edited, confidence: 0.6 }),
        prediction({ id: 'c', text: other, confidence: 0.6 }),
      ],
    });
    expect(batch.needsReview.map((i) => i.predictionId)).toEqual(['a', 'c']);
    expect(batch.counts.dropped['near-duplicate']).toBe(1);
  });

  it('drops items already in the dataset', () => {
    const p = prediction({ id: 'p1', confidence: 0.5 });
    const batch = mine({ predictions: [p], knownItemIds: [contentHash(p.text)] });
    expect(batch.needsReview).toEqual([]);
    expect(batch.counts.dropped['already-known']).toBe(1);
  });
});

describe('mineEdgeCases: priority, caps and budget', () => {
  it('orders by reason, then confident mistakes and least confident first', () => {
    const batch = mine(
      {
        predictions: [
          prediction({ id: 'low-0.65', confidence: 0.65 }),
          prediction({ id: 'low-0.52', confidence: 0.52 }),
          prediction({ id: 'wrong-0.8', confidence: 0.8 }),
          prediction({ id: 'wrong-0.99', confidence: 0.99 }),
        ],
        feedback: [feedback('wrong-0.8', 'incorrect'), feedback('wrong-0.99', 'incorrect')],
      },
      settings({}, []),
    );
    expect(batch.needsReview.map((i) => i.predictionId)).toEqual([
      'wrong-0.99',
      'wrong-0.8',
      'low-0.52',
      'low-0.65',
    ]);
  });

  it('spends the label budget on the highest-priority review items only', () => {
    const predictions = Array.from({ length: 5 }, (_, i) =>
      prediction({ id: `p${i}`, confidence: 0.5 + i * 0.01 }),
    );
    const batch = mine({ predictions }, settings({ labelBudget: 2 }));
    expect(batch.needsReview.map((i) => i.predictionId)).toEqual(['p0', 'p1']);
    expect(batch.counts.dropped['over-budget']).toBe(3);
  });

  it('with maxHumanShare sends at most that share of the batch to review, the most urgent first', () => {
    // 8 auto labels (feedback) and 6 uncertain items: a 20% human share leaves 2 review slots (2 of 10).
    const wrong = Array.from({ length: 8 }, (_, i) => prediction({ id: `w${i}` }));
    const uncertain = Array.from({ length: 6 }, (_, i) =>
      prediction({ id: `u${i}`, confidence: 0.5 + i * 0.01 }),
    );
    const input = {
      predictions: [...wrong, ...uncertain],
      feedback: wrong.map((p) => feedback(p.id, 'incorrect')),
    };
    const batch = mine(input, settings({ labelBudget: 5, maxHumanShare: 0.2 }));
    expect(batch.autoLabelled).toHaveLength(8);
    expect(batch.needsReview.map((i) => i.predictionId)).toEqual(['u0', 'u1']);
    expect(batch.counts.dropped['over-budget']).toBe(4);
    expect(batch.counts.selected['low-confidence']).toBe(2);
    // The budget still caps it; no share keeps the budget's behaviour.
    expect(mine(input, settings({ labelBudget: 1, maxHumanShare: 0.2 })).needsReview).toHaveLength(1);
    expect(mine(input, settings({ labelBudget: 5, maxHumanShare: null })).needsReview).toHaveLength(5);
    // Nothing settled automatically: no human slot either.
    expect(mine({ predictions: uncertain }, settings({ maxHumanShare: 0.2 })).needsReview).toEqual([]);
  });

  it('does not count auto labels against the budget', () => {
    const batch = mine(
      {
        predictions: [
          prediction({ id: 'a' }),
          prediction({ id: 'b' }),
          prediction({ id: 'c', confidence: 0.5 }),
        ],
        feedback: [feedback('a', 'incorrect'), feedback('b', 'incorrect')],
      },
      settings({ labelBudget: 1 }),
    );
    expect(batch.autoLabelled).toHaveLength(2);
    expect(batch.needsReview.map((i) => i.predictionId)).toEqual(['c']);
  });

  it('caps items per label, with per-label overrides', () => {
    const predictions = [
      ...Array.from({ length: 4 }, (_, i) => prediction({ id: `ham${i}`, label: 'ham', confidence: 0.5 })),
      ...Array.from({ length: 4 }, (_, i) => prediction({ id: `spam${i}`, label: 'spam', confidence: 0.5 })),
    ];
    const batch = mine({ predictions }, settings({ maxPerClass: 3, maxPerClassByLabel: { spam: 1 } }));
    expect(batch.needsReview.filter((i) => i.proposedLabel === 'ham')).toHaveLength(3);
    expect(batch.needsReview.filter((i) => i.proposedLabel === 'spam')).toHaveLength(1);
    expect(batch.counts.dropped['class-cap']).toBe(4);
  });

  it('counts candidates per reason, drops per cause and selections per primary reason', () => {
    const batch = mine(
      {
        predictions: [
          prediction({ id: 'a', confidence: 0.5 }),
          prediction({ id: 'b', confidence: 0.6, text: 'tiny' }),
          prediction({ id: 'c' }),
          prediction({ id: 'd', confidence: 0.4 }),
        ],
        feedback: [feedback('a', 'incorrect'), feedback('c', 'label', 'spam')],
      },
      settings({ labelBudget: 0 }),
    );
    expect(batch.counts).toEqual({
      scanned: 4,
      candidates: {
        'negative-feedback': 2,
        'shadow-disagreement': 0,
        'low-confidence': 3,
        'drifted-input': 0,
      },
      dropped: {
        'too-short': 1,
        'conflicting-feedback': 0,
        'unknown-label': 0,
        'already-known': 0,
        duplicate: 0,
        'near-duplicate': 0,
        'class-cap': 0,
        'over-budget': 1,
      },
      selected: { 'negative-feedback': 2, 'shadow-disagreement': 0, 'low-confidence': 0, 'drifted-input': 0 },
      autoLabelled: 2,
      needsReview: 0,
      unmatchedFeedback: 0,
    });
  });

  it('gives the same batch whatever order the records arrive in', () => {
    const predictions = Array.from({ length: 30 }, (_, i) =>
      prediction({
        id: `p${i}`,
        confidence: 0.5 + (i % 7) * 0.05,
        createdAt: 1_000 + (i % 3),
        text:
          i % 5 === 0
            ? 'the same cheap watches offer, again and again'
            : `distinct message ${i} about a topic`,
      }),
    );
    const fb = [feedback('p3', 'incorrect'), feedback('p10', 'label', 'spam'), feedback('p11', 'correct')];
    const expected = mine({ predictions, feedback: fb }, settings({ labelBudget: 8, maxPerClass: 6 }));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(predictions, { minLength: 30 }),
        fc.shuffledSubarray(fb, { minLength: 3 }),
        (p, f) => {
          expect(mine({ predictions: p, feedback: f }, settings({ labelBudget: 8, maxPerClass: 6 }))).toEqual(
            expected,
          );
        },
      ),
    );
  });
});

describe('humanSlots', () => {
  it('is the most review items that keep humans at or below the share of all labels', () => {
    expect(humanSlots(8, 0.2)).toBe(2);
    expect(humanSlots(36, 0.2)).toBe(9);
    expect(humanSlots(7, 0.2)).toBe(1);
    expect(humanSlots(10, 0)).toBe(0);
    expect(humanSlots(10, 0.5)).toBe(10);
    expect(humanSlots(10, null)).toBe(Number.POSITIVE_INFINITY);
    expect(humanSlots(10, 1)).toBe(Number.POSITIVE_INFINITY);
  });
});
