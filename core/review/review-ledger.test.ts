import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisionFromSignal } from './review-decision.ts';
import { ReviewLedger, type ReviewRules, type SettledItems } from './review-ledger.ts';
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

function decide(review: ReviewLedger, payload: unknown, time = 1, settledItems: SettledItems = 'refuse') {
  const checked = review.check(payload, settledItems);
  if (!checked.ok) throw new Error(checked.reason);
  return review.apply(checked, at(time));
}

function retract(review: ReviewLedger, payload: unknown, time = 1) {
  const checked = review.checkRetraction(payload);
  if (!checked.ok) throw new Error(checked.reason);
  return review.retract(checked, at(time));
}

function refusalOf(review: ReviewLedger, payload: unknown): string | null {
  const checked = review.check(payload);
  return checked.ok ? null : checked.reason;
}

function retractionRefusalOf(review: ReviewLedger, payload: unknown): string | null {
  const checked = review.checkRetraction(payload);
  return checked.ok ? null : checked.reason;
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

  it('(reviews opened before settled items were refused) a repeated decision changes nothing; a later one overrides, and the log keeps both', () => {
    const review = ledger();
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 1, 'accept');
    const again = decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 2, 'accept');
    expect(again.changes[0]).toMatchObject({ change: 'unchanged', state: 'settled' });
    const override = decide(
      review,
      { action: 'correct', reviewer: 'alice', items: ['aaaa1111'], label: 'ham' },
      3,
      'accept',
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

  it('(reviews opened before settled items were refused) with a quorum of one, a second reviewer who disagrees reopens the item', () => {
    const review = ledger();
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 1, 'accept');
    decide(review, { action: 'reject', reviewer: 'bob', items: ['aaaa1111'] }, 2, 'accept');
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
            decide(once, payload, index, 'accept');
            decide(twice, payload, index, 'accept');
            decide(twice, payload, index, 'accept');
          });
          expect(twice.outcomes()).toEqual(once.outcomes());
          expect(twice.counts()).toEqual(once.counts());
        },
      ),
    );
  });
});

describe('ReviewLedger settled items', () => {
  it('refuses any decision on an item already settled, naming its outcome; nothing counts twice', () => {
    const review = ledger();
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 1);
    decide(review, { action: 'reject', reviewer: 'alice', items: ['bbbb2222'] }, 2);
    const before = { counts: review.counts(), outcomes: review.outcomes(), log: review.log.length };
    expect(refusalOf(review, { action: 'reject', reviewer: 'bob', items: ['aaaa1111'] })).toBe(
      'item aaaa1111 is already settled as spam (by alice)',
    );
    expect(refusalOf(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] })).toMatch(
      /already settled as spam/,
    );
    // One settled item among open ones refuses the whole decision.
    expect(refusalOf(review, { action: 'approve', reviewer: 'bob', items: ['cccc3333', 'bbbb2222'] })).toBe(
      'item bbbb2222 is already settled as rejected (by alice)',
    );
    expect(review.receive({ action: 'approve', reviewer: 'bob', items: ['aaaa1111'] }, at(3))).toMatchObject({
      outcome: 'refused',
      reason: 'item aaaa1111 is already settled as spam (by alice)',
    });
    expect(review.counts()).toEqual(before.counts);
    expect(review.outcomes()).toEqual(before.outcomes);
    expect(review.log.length).toBe(before.log + 1);
  });

  it('refuses a decision on a dropped item', () => {
    const review = ledger({ quorum: 2, onDisagreement: 'drop' });
    decide(review, { action: 'approve', reviewer: 'alice', items: ['cccc3333'] }, 1);
    decide(review, { action: 'reject', reviewer: 'bob', items: ['cccc3333'] }, 2);
    expect(refusalOf(review, { action: 'approve', reviewer: 'carol', items: ['cccc3333'] })).toBe(
      'item cccc3333 is already settled: left out because its reviewers disagreed (alice, bob)',
    );
  });

  it('whatever reviewers send, a settled item keeps its outcome (property)', () => {
    const decision = fc.record({
      action: fc.constantFrom('approve', 'reject', 'correct'),
      reviewer: fc.constantFrom('alice', 'bob', 'carol'),
      items: fc.subarray(['aaaa1111', 'bbbb2222', 'cccc3333', 'dddd4444'], { minLength: 1 }),
      label: fc.constantFrom('ham', 'spam'),
    });
    fc.assert(
      fc.property(
        fc.array(decision, { maxLength: 16 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<'requeue' | 'drop'>('requeue', 'drop'),
        (decisions, quorum, onDisagreement) => {
          const review = ledger({ quorum, onDisagreement });
          const settled = new Map<string, unknown>();
          decisions.forEach(({ label, ...rest }, index) => {
            review.receive(rest.action === 'correct' ? { ...rest, label } : rest, at(index));
            for (const outcome of review.outcomes()) {
              if (!settled.has(outcome.id)) settled.set(outcome.id, outcome);
              expect(outcome).toEqual(settled.get(outcome.id));
            }
          });
          expect(review.outcomes().length).toBe(settled.size);
        },
      ),
    );
  });
});

describe('ReviewLedger retractions', () => {
  it('a reviewer takes back the vote that settled an item: it is open again, and the log says so', () => {
    const review = ledger();
    decide(review, { action: 'correct', reviewer: 'alice', items: ['aaaa1111'], label: 'ham' }, 1);
    const receipt = retract(review, { reviewer: 'alice', item: 'aaaa1111' }, 2);
    expect(receipt).toMatchObject({
      action: 'retract',
      open: 4,
      changes: [{ ref: 'aaaa1111', change: 'withdrawn', previous: 'ham', state: 'open' }],
    });
    expect(review.pending()[0]).toMatchObject({ ref: 'aaaa1111', votes: [] });
    expect(review.outcomes()).toEqual([]);
    expect(review.log.at(-1)).toMatchObject({ seq: 2, action: 'retract', outcome: 'accepted' });
    // Now open, anyone may decide it again.
    decide(review, { action: 'reject', reviewer: 'bob', items: ['aaaa1111'] }, 3);
    expect(review.outcomes()).toEqual([
      { id: ITEMS[0]!.id, status: 'rejected', finalLabel: null, decidedBy: ['bob'] },
    ]);
  });

  it('taking back an override restores the vote before it', () => {
    const review = ledger({ quorum: 2 });
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 1);
    decide(review, { action: 'reject', reviewer: 'alice', items: ['aaaa1111'] }, 2);
    const receipt = retract(review, { reviewer: 'alice', item: 'aaaa1111' }, 3);
    expect(receipt.changes[0]).toMatchObject({ change: 'restored', previous: null, restored: 'spam' });
    expect(review.pending()[0]!.votes).toEqual([{ reviewer: 'alice', label: 'spam', at: 1 }]);
    expect(retract(review, { reviewer: 'alice', item: 'aaaa1111' }, 4).changes[0]).toMatchObject({
      change: 'withdrawn',
      previous: 'spam',
    });
  });

  it('refuses to take back what is not the reviewer’s: no vote, a vote others built a settlement on, a closed review', () => {
    const review = ledger({ quorum: 2, reviewers: ['alice', 'bob', 'carol'] });
    expect(retractionRefusalOf(review, { reviewer: 'alice', item: 'aaaa1111' })).toBe(
      'reviewer "alice" has no vote on item aaaa1111 to take back',
    );
    expect(retractionRefusalOf(review, { reviewer: 'mallory', item: 'aaaa1111' })).toMatch(
      /"mallory" is not allowed to review/,
    );
    expect(retractionRefusalOf(review, { reviewer: 'alice', item: 'eeee' })).toMatch(/eeee/);
    expect(retractionRefusalOf(review, { reviewer: 'alice', items: ['aaaa1111'] })).toMatch(
      /^malformed retraction: /,
    );
    decide(review, { action: 'approve', reviewer: 'alice', items: ['aaaa1111'] }, 1);
    decide(review, { action: 'approve', reviewer: 'bob', items: ['aaaa1111'] }, 2);
    expect(retractionRefusalOf(review, { reviewer: 'alice', item: 'aaaa1111' })).toBe(
      'item aaaa1111 is already settled as spam (by alice, bob); only the vote that settled it can be taken back',
    );
    expect(retractionRefusalOf(review, { reviewer: 'bob', item: 'aaaa1111' })).toBeNull();
    review.close('every item is decided');
    expect(retractionRefusalOf(review, { reviewer: 'bob', item: 'aaaa1111' })).toBe(
      'the review is closed: every item is decided',
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
