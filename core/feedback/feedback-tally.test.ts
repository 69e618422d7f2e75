import { describe, expect, it } from 'vitest';
import { feedback, prediction } from '../mining/test-records.ts';
import { feedbackErrorRate, tallyFeedback } from './feedback-tally.ts';

describe('tallyFeedback', () => {
  it('counts rated and wrong predictions once each, leaving conflicts and unrated ones out', () => {
    const predictions = ['a', 'b', 'c', 'd', 'e'].map((id) => prediction({ id }));
    const tally = tallyFeedback(
      [...predictions, predictions[0]!],
      [
        feedback('a', 'incorrect'),
        feedback('a', 'incorrect', null, 'a-again'),
        feedback('b', 'correct'),
        feedback('c', 'label', 'spam'),
        feedback('d', 'correct'),
        feedback('d', 'incorrect'),
      ],
      ['ham', 'spam'],
    );
    expect(tally).toEqual({ rated: 3, negative: 2 });
    expect(feedbackErrorRate(tally)).toBeCloseTo(2 / 3, 15);
    expect(feedbackErrorRate({ rated: 0, negative: 0 })).toBeNull();
  });
});
