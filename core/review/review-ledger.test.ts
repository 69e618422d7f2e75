import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisionFromSignal } from './review-decision.ts';
import { ReviewLedger, type ReviewRules } from './review-ledger.ts';
import { excerptOf, type ReviewQueueItem, resolveItemRef, shortRefs } from './review-queue-item.ts';

const HASHES = ['aaaa1111', 'bbbb2222', 'cccc3333', 'dddd4444'].map((head) => head.padEnd(64, '0'));
const ITEMS: ReviewQueueItem[] = HASHES.map((hash, index) => ({
  id: `flywheel-cycle-spam-1:${hash}`,
  excerpt: `message ${index}`,
  proposedLabel: index % 2 === 0 ? 'spam' : 'ham',
  reason: 'low-confidence',
  confidence: 0.55,
}));
const RULES: ReviewRules = { labels: ['ham', 'spam'], reviewers: [], quorum: 1, onDisagreement: 'requeue' };
const at = (n: number) => ({ at: n, via: 'update' as const });

function ledger(rules: Partial<ReviewRules> = {}) {
  return new ReviewLedger(ITEMS, { ...RULES, ...rules });
}

function decide(review: ReviewLedger, payload: unknown, time = 1) {
  const checked = review.check(payload);
  if (!checked.ok) throw new Error(checked.reason);
  return review.apply(checked, at(time));
}

describe('ReviewLedger decisions', () => {
  it('approve keeps the proposed label, correct sets one, reject leaves the item out', () => {
    const review = ledger();
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] });
    decide(review, { action: 'correct', reviewer: 'alice', items: ['bbbb2222'], label: 'spam' });
    decide(review, { action: 'reject', reviewer: 'alice', items: ['cccc3333'] });
    expect(review.outcomes()).toEqual([
      { id: ITEMS[0]!.id, status: 'approved', finalLabel: 'spam', decidedBy: ['alice'] },
      { id: ITEMS[1]!.id, status: 'corrected', finalLabel: 'spam', decidedBy: ['alice'] },
      { id: ITEMS[2]!.id, status: 'rejected', finalLabel: null, decidedBy: ['alice'] },
    ]);
    expect(review.counts()).toMatchObject({
      open: 1,
      approved: 1,
      corrected: 1,
      rejected: 1,
      humanLabels: 2,
    });
    expect(review.pending().map((item) => item.id)).toEqual([ITEMS[3]!.id]);
  });

  it('names items by full id, full hash or a unique prefix, and settles bulk decisions in one go', () => {
    const review = ledger();
    const receipt = decide(review, {
      action: 'approve',
      reviewer: 'alice',
      items: [ITEMS[0]!.id, HASHES[1], 'cccc33', 'cccc3333'],
    });
    expect(receipt.changes.map((change) => change.ref)).toEqual(['aaaa1111', 'bbbb2222', 'cccc3333']);
    expect(receipt.open).toBe(1);
  });

  it('a repeated decision changes nothing; a later one by the same reviewer overrides, and the log keeps both', () => {
    const review = ledger();
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 1);
    const again = decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 2);
    expect(again.changes[0]).toMatchObject({ change: 'unchanged', state: 'settled' });
    const override = decide(
      review,
      { action: 'correct', reviewer: 'alice', items: ['aaaa1111'], label: 'ham' },
      3,
    );
    expect(override.changes[0]).toMatchObject({ change: 'overridden', previous: 'spam', state: 'settled' });
    expect(review.outcomes()[0]).toMatchObject({
      status: 'corrected',
      finalLabel: 'ham',
      decidedBy: ['alice'],
    });
    expect(review.log.map((entry) => [entry.action, entry.outcome])).toEqual([
      ['approve', 'accepted'],
      ['approve', 'accepted'],
      ['correct', 'accepted'],
    ]);
  });

  it('approve-all-remaining approves every open item the reviewer has not voted on', () => {
    const review = ledger({ quorum: 2 });
    decide(review, { action: 'reject', reviewer: 'alice', items: ['aaaa1111'] });
    decide(review, { action: 'approve', reviewer: 'bob', items: ['bbbb2222'] });
    const all = decide(review, { action: 'approve-all-remaining', reviewer: 'alice' });
    expect(all.changes.map((change) => change.ref)).toEqual(['bbbb2222', 'cccc3333', 'dddd4444']);
    expect(review.outcomes()).toEqual([
      { id: ITEMS[1]!.id, status: 'approved', finalLabel: 'ham', decidedBy: ['bob', 'alice'] },
    ]);
  });
});

describe('ReviewLedger refusals', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'approve everything', /malformed decision: \(root\)/],
    ['no action', { reviewer: 'alice', items: ['aaaa1111'] }, /malformed decision: action/],
    ['no reviewer', { action: 'approve', items: ['aaaa1111'] }, /malformed decision: reviewer: is required/],
    [
      'a reviewer posing as a rule',
      { action: 'approve', reviewer: 'rule:user-label', items: ['aaaa1111'] },
      /reviewer: must be letters/,
    ],
    ['no items', { action: 'reject', reviewer: 'alice', items: [] }, /items: must have at least 1/],
    [
      'a correct without a label',
      { action: 'correct', reviewer: 'alice', items: ['aaaa1111'] },
      /label: is required/,
    ],
    [
      'an unknown field',
      { action: 'approve', reviewer: 'alice', items: ['aaaa1111'], lable: 'x' },
      /lable: is not a known field/,
    ],
    [
      'an unknown reviewer',
      { action: 'approve', reviewer: 'mallory', items: ['aaaa1111'] },
      /reviewer "mallory" is not allowed/,
    ],
    [
      'an unknown item',
      { action: 'approve', reviewer: 'alice', items: ['aaaa1111', 'ffffff'] },
      /item "ffffff" is not in this review/,
    ],
    ['a too short ref', { action: 'approve', reviewer: 'alice', items: ['aaa'] }, /at least 6 characters/],
    [
      'a label outside the model',
      { action: 'correct', reviewer: 'alice', items: ['aaaa1111'], label: 'eggs' },
      /label "eggs" is not one of the model's labels \(ham, spam\)/,
    ],
  ];
  it.each(cases)('refuses %s with its reason and records nothing', (_name, payload, reason) => {
    const review = ledger({ reviewers: ['alice', 'bob'] });
    const checked = review.check(payload);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.reason).toMatch(reason);
    expect(review.log).toEqual([]);
    const entry = review.receive(payload, { at: 5, via: 'signal' });
    expect(entry).toMatchObject({ outcome: 'refused', via: 'signal' });
    expect(review.counts().open).toBe(ITEMS.length);
  });

  it('refuses an ambiguous prefix', () => {
    const twins = [`c:${'abcdef01'.padEnd(64, '1')}`, `c:${'abcdef02'.padEnd(64, '2')}`];
    expect(resolveItemRef('abcdef', twins)).toEqual({
      ok: false,
      reason: 'item "abcdef" matches 2 items; give more characters',
    });
    expect(resolveItemRef('abcdef02', twins)).toEqual({ ok: true, id: twins[1] });
  });

  it('refuses everything once closed', () => {
    const review = ledger();
    review.close('the deadline passed');
    const checked = review.check({ action: 'approve', reviewer: 'alice', items: ['aaaa1111'] });
    expect(checked).toMatchObject({ ok: false, reason: 'the review is closed: the deadline passed' });
  });

  it('takes a signal payload with the action from the signal name', () => {
    const review = ledger();
    const entry = review.receive(
      decisionFromSignal('correct', { reviewer: 'bob', items: ['dddd4444'], label: 'spam' }),
      {
        at: 1,
        via: 'signal',
      },
    );
    expect(entry).toMatchObject({ outcome: 'accepted', action: 'correct', label: 'spam' });
    expect(decisionFromSignal('approve', [1, 2])).toEqual([1, 2]);
  });
});

describe('ReviewLedger quorum and disagreement', () => {
  it('settles with k agreeing reviewers and reports agreement', () => {
    const review = ledger({ quorum: 2 });
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111', 'bbbb2222'] });
    expect(review.counts().open).toBe(4);
    decide(review, { action: 'approve', reviewer: 'bob', items: ['aaaa1111'] });
    decide(review, { action: 'reject', reviewer: 'bob', items: ['bbbb2222'] });
    expect(review.outcomes()).toEqual([
      { id: ITEMS[0]!.id, status: 'approved', finalLabel: 'spam', decidedBy: ['alice', 'bob'] },
    ]);
    expect(review.counts()).toMatchObject({ open: 3, disputed: 1 });
    expect(review.agreement()).toEqual({ itemsWithSeveralVotes: 2, unanimous: 1, rate: 0.5 });
    // Requeued: a third reviewer breaks the tie once their side has a quorum and leads.
    decide(review, { action: 'reject', reviewer: 'carol', items: ['bbbb2222'] });
    expect(review.outcomes()[1]).toEqual({
      id: ITEMS[1]!.id,
      status: 'rejected',
      finalLabel: null,
      decidedBy: ['bob', 'carol'],
    });
  });

  it('drops a disputed item under onDisagreement "drop"', () => {
    const review = ledger({ quorum: 2, onDisagreement: 'drop' });
    decide(review, { action: 'approve', reviewer: 'alice', items: ['cccc3333'] }, 1);
    const receipt = decide(
      review,
      { action: 'correct', reviewer: 'bob', items: ['cccc3333'], label: 'ham' },
      2,
    );
    expect(receipt.changes[0]!.state).toBe('dropped');
    expect(review.counts()).toMatchObject({ dropped: 1, open: 3, humanLabels: 0 });
    expect(review.outcomes()).toEqual([
      { id: ITEMS[2]!.id, status: 'rejected', finalLabel: null, decidedBy: ['alice', 'bob'] },
    ]);
  });

  it('with a quorum of one, a second reviewer who disagrees reopens the item', () => {
    const review = ledger();
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 1);
    decide(review, { action: 'reject', reviewer: 'bob', items: ['aaaa1111'] }, 2);
    expect(review.pending()[0]).toMatchObject({ ref: 'aaaa1111', disputed: true });
  });

  it('repeating every decision leaves the outcome as it was (property)', () => {
    const decision = fc.record({
      action: fc.constantFrom('approve', 'reject', 'correct'),
      reviewer: fc.constantFrom('alice', 'bob', 'carol'),
      items: fc.subarray(['aaaa1111', 'bbbb2222', 'cccc3333', 'dddd4444'], { minLength: 1 }),
      label: fc.constantFrom('ham', 'spam'),
    });
    fc.assert(
      fc.property(
        fc.array(decision, { maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        (decisions, quorum) => {
          const once = ledger({ quorum });
          const twice = ledger({ quorum });
          decisions.forEach(({ label, ...rest }, index) => {
            const payload = rest.action === 'correct' ? { ...rest, label } : rest;
            decide(once, payload, index);
            decide(twice, payload, index);
            decide(twice, payload, index);
          });
          expect(twice.outcomes()).toEqual(once.outcomes());
          expect(twice.counts()).toEqual(once.counts());
        },
      ),
    );
  });
});

describe('queue items', () => {
  it('cuts excerpts to 200 characters', () => {
    const excerpt = excerptOf(`Subject:   hello\n\n${'x'.repeat(500)}`);
    expect([...excerpt].length).toBe(200);
    expect(excerpt.startsWith('Subject: hello x')).toBe(true);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerptOf('short  text\n')).toBe('short text');
  });

  it('gives every item a unique ref of at least 8 characters', () => {
    const ids = ['c:abcdef0123', 'c:abcdef0124', 'c:12345678aa', 'c:abcdef99'];
    const refs = shortRefs(ids);
    expect(ids.map((id) => refs.get(id))).toEqual(['abcdef0123', 'abcdef0124', '12345678', 'abcdef99']);
  });
});
