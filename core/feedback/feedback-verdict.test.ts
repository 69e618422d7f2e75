import { describe, expect, it } from 'vitest';
import { feedback } from '../mining/test-records.ts';
import { feedbackVerdict } from './feedback-verdict.ts';

const LABELS = ['ham', 'spam'];

describe('feedbackVerdict', () => {
  it('reads agreeing claims', () => {
    expect(feedbackVerdict('ham', [], LABELS)).toEqual({ kind: 'none' });
    expect(
      feedbackVerdict('ham', [feedback('p', 'correct'), feedback('p', 'label', 'ham')], LABELS),
    ).toMatchObject({
      kind: 'confirmed',
    });
    expect(feedbackVerdict('ham', [feedback('p', 'incorrect')], LABELS)).toMatchObject({
      kind: 'wrong',
      label: null,
    });
    expect(
      feedbackVerdict('ham', [feedback('p', 'incorrect'), feedback('p', 'label', 'spam')], LABELS),
    ).toMatchObject({ kind: 'wrong', label: 'spam' });
  });

  it('names the conflict', () => {
    expect(
      feedbackVerdict('ham', [feedback('p', 'correct'), feedback('p', 'incorrect')], LABELS),
    ).toMatchObject({
      kind: 'conflict',
      detail: '1 say "ham" is right, 1 say it is wrong',
    });
    expect(
      feedbackVerdict(
        'bug',
        [feedback('p', 'label', 'billing'), feedback('p', 'label', 'praise')],
        ['bug', 'billing', 'praise'],
      ),
    ).toMatchObject({ kind: 'conflict', detail: 'users gave different labels: billing, praise' });
  });

  it('flags a label the model does not have', () => {
    expect(feedbackVerdict('ham', [feedback('p', 'label', 'eggs')], LABELS)).toMatchObject({
      kind: 'unknown-label',
      label: 'eggs',
    });
  });
});
