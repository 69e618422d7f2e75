import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { type CorpusMessage, loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import { ReviewClient } from '../client/review-client.ts';
import { contentIdOf } from '../core/review/batch-items.ts';
import type { PendingItem } from '../core/review/review-ledger.ts';
import type { CycleStatus } from '../workflows/cycle-messages.ts';
import {
  approveAllRemainingSignal,
  approveSignal,
  correctSignal,
  decideUpdate,
  decisionLogQuery,
  type ReviewQueueView,
  rejectSignal,
  retractUpdate,
  reviewQueueQuery,
  reviewWorkflowId,
} from '../workflows/review-messages.ts';
import { devServerEnv, runCliAsync } from './support/cli-process.ts';
import { captureTraffic, era2 } from './support/era-traffic.ts';
import { type FlywheelHarness, flywheelHarness } from './support/flywheel-harness.ts';
import { recordHistory } from './support/histories.ts';

let harness: FlywheelHarness;
let reviews: ReviewClient;
let era1: CorpusMessage[];
let traffic: CorpusMessage[];

beforeAll(async () => {
  harness = await flywheelHarness();
  await harness.startWorkers();
  reviews = new ReviewClient(harness.client);
  era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  traffic = era2().traffic;
});

afterAll(async () => {
  await harness?.close();
});

interface OpenReview {
  model: string;
  number: number;
  cycle: WorkflowHandle;
  review: WorkflowHandle;
  queue: ReviewQueueView;
}

/**
 * A small champion (250 ham + 250 spam of era 1), 120 era-2 messages served without feedback, and a
 * cycle whose mined items all go to review (no auto-label rules, `items` of them): returns once the
 * review is open.
 */
async function openReview(
  model: string,
  review: Record<string, unknown>,
  items: number,
): Promise<OpenReview> {
  const ham = era1.filter((message) => message.label === 'ham').slice(0, 250);
  const spam = era1.filter((message) => message.label === 'spam').slice(0, 250);
  const champion = await registerModelFromCorpus(harness.deps, {
    model,
    examples: [...ham, ...spam].map(({ id, text, label, group }) => ({ id, text, label, group })),
    source: 'spamassassin:easy-ham-1,spam-1 (500)',
    champion: 'always',
    actor: 'test',
  });
  const offset = [...model].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 1_000;
  await captureTraffic(harness.deps, {
    model,
    versionId: champion.versionId,
    messages: traffic.slice(offset, offset + 120),
    feedbackShare: 0,
    wrongFeedbackShare: 0,
    seed: offset,
  });
  const started = await harness.client.startCycle(model, {
    config: {
      mining: { labelBudget: items, lowConfidenceThreshold: 0.99 },
      autoLabel: { rules: [] },
      review,
      training: { taskQueue: harness.trainingTaskQueue },
      rollout: { startAfterBlessing: false },
    },
  });
  const handle = harness.client.temporal.workflow.getHandle(reviewWorkflowId(started.workflowId));
  let queue: ReviewQueueView | undefined;
  await expect
    .poll(
      async () => {
        queue = await handle.query(reviewQueueQuery).catch(() => undefined);
        return queue?.state;
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe('open');
  expect(queue!.pending).toHaveLength(items);
  return {
    model,
    number: started.number,
    cycle: harness.client.temporal.workflow.getHandle(started.workflowId),
    review: handle,
    queue: queue!,
  };
}

function otherLabel(queue: ReviewQueueView, item: PendingItem): string {
  return queue.labels.find((label) => label !== item.proposedLabel)!;
}

async function datasetAdditions(result: CycleStatus) {
  const items = await harness.deps.store.datasets.items(result.datasetId!);
  return items
    .filter((item) => item.source.cycle === result.number)
    .map((item) => ({ id: item.id, label: item.label, kind: item.source.kind, by: item.source.by }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function expected(...rows: Array<[PendingItem, string, string]>) {
  return rows
    .map(([item, label, by]) => ({ id: contentIdOf(item.id), label, kind: 'human', by }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

test('a review with mixed decisions puts exactly the decided labels in the dataset, with their reviewers in the lineage', async () => {
  const { model, number, cycle, review, queue } = await openReview(
    'review-mixed',
    { reviewers: ['alice', 'bob'] },
    5,
  );
  const [a, b, c, d, e] = queue.pending as [PendingItem, PendingItem, PendingItem, PendingItem, PendingItem];
  expect(a.excerpt.length).toBeLessThanOrEqual(200);
  expect(a.ref).toMatch(/^[0-9a-f]{8,}$/);

  await reviews.decide(model, number, { action: 'approve', reviewer: 'alice', items: [a.ref] });
  await review.signal(correctSignal, { reviewer: 'bob', items: [b.ref], label: otherLabel(queue, b) });
  await reviews.decide(model, number, { action: 'reject', reviewer: 'alice', items: [c.ref] });
  await reviews.decide(model, number, { action: 'approve', reviewer: 'bob', items: [d.ref] });
  // d is settled by bob's vote: deciding it again is refused; bob takes his vote back, then decides anew.
  await expect(
    reviews.decide(model, number, { action: 'approve', reviewer: 'bob', items: [d.ref] }),
  ).rejects.toThrow(`refused: item ${d.ref} is already settled as ${d.proposedLabel} (by bob)`);
  const retracted = await reviews.retract(model, number, { reviewer: 'bob', item: d.ref });
  expect(retracted.changes).toEqual([
    { id: d.id, ref: d.ref, change: 'withdrawn', previous: d.proposedLabel, state: 'open' },
  ]);
  const override = await reviews.decide(model, number, {
    action: 'correct',
    reviewer: 'bob',
    items: [d.ref],
    label: otherLabel(queue, d),
    note: 'looked again',
  });
  expect(override.changes[0]).toMatchObject({ change: 'recorded', state: 'settled' });
  const rest = await reviews.decide(model, number, { action: 'approve-all-remaining', reviewer: 'alice' });
  expect(rest.changes.map((change) => change.ref)).toEqual([e.ref]);
  expect(rest.open).toBe(0);

  const result = (await cycle.result()) as CycleStatus;
  await recordHistory(review, 'review-mixed');
  await recordHistory(cycle, 'cycle-reviewed');
  expect(['blessed', 'rejected']).toContain(result.outcome);
  expect(result.labels).toEqual({ auto: 0, human: 4 });
  expect(result.review).toMatchObject({
    workflowId: reviewWorkflowId(cycle.workflowId),
    closedBy: 'complete',
    counts: { items: 5, open: 0, approved: 2, corrected: 2, rejected: 1, humanLabels: 4 },
    decisions: { accepted: 7, refused: 0 },
  });
  expect(await datasetAdditions(result)).toEqual(
    expected(
      [a, a.proposedLabel, 'alice'],
      [b, otherLabel(queue, b), 'bob'],
      [d, otherLabel(queue, d), 'bob'],
      [e, e.proposedLabel, 'alice'],
    ),
  );
  const stored = await harness.deps.store.reviewItems.get(c.id);
  expect(stored).toMatchObject({ status: 'rejected', finalLabel: null, decidedBy: ['alice'] });

  // Both of bob's votes on d stay in the decision log and in the audit trail.
  const log = await review.query(decisionLogQuery);
  expect(
    log.filter((entry) => entry.changes?.some((change) => change.id === d.id)).map((x) => x.action),
  ).toEqual(['approve', 'retract', 'correct']);
  const audit = await harness.deps.store.audit.list({ cycleId: cycle.workflowId });
  expect(audit.filter((event) => event.kind === 'review-decision')).toHaveLength(7);
  expect(audit.filter((event) => event.kind === 'review-closed')).toHaveLength(1);
  expect(audit.find((event) => event.details.note === 'looked again')?.actor).toBe('bob');
});

test('every kind of invalid decision is refused with its reason, by update, signal and CLI, while the review goes on', async () => {
  const { model, number, cycle, review, queue } = await openReview(
    'review-refusals',
    { reviewers: ['alice'] },
    3,
  );
  const item = queue.pending[0]!;
  const invalid: Array<[unknown, RegExp]> = [
    [
      { action: 'approve', reviewer: 'mallory', items: [item.ref] },
      /reviewer "mallory" is not allowed to review/,
    ],
    [{ action: 'approve', reviewer: 'alice', items: ['ffffffff'] }, /item "ffffffff" is not in this review/],
    [
      { action: 'correct', reviewer: 'alice', items: [item.ref], label: 'eggs' },
      /label "eggs" is not one of the model's labels \(ham, spam\)/,
    ],
    [{ action: 'reject', reviewer: 'alice' }, /malformed decision: items: is required/],
    [{ action: 'approve', reviewer: 'rule:user-label', items: [item.ref] }, /malformed decision: reviewer:/],
    ['approve all', /malformed decision: \(root\): must be an object/],
  ];
  for (const [payload, reason] of invalid) {
    const refused = await review.executeUpdate(decideUpdate, { args: [payload as never] }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(reason);
  }

  // The same mistakes as signals: nobody hears back, so the review keeps them as refused.
  await review.signal(approveSignal, { reviewer: 'mallory', items: [item.ref] });
  await review.signal(approveSignal, { reviewer: 'alice', items: ['ffffffff'] });
  await review.signal(correctSignal, { reviewer: 'alice', items: [item.ref], label: 'eggs' });
  await review.signal(rejectSignal, { reviewer: 'alice' });
  await review.signal(approveSignal, 'approve all');
  await review.signal(approveAllRemainingSignal, { reviewer: 'alice', items: [item.ref] });
  let view: ReviewQueueView | undefined;
  await expect
    .poll(
      async () => {
        view = await review.query(reviewQueueQuery);
        return view.decisions.refused;
      },
      { timeout: 30_000 },
    )
    .toBe(6);
  expect(view!.recentRefusals.map((entry) => entry.reason)).toEqual([
    'reviewer "mallory" is not allowed to review (see review.reviewers)',
    'item "ffffffff" is not in this review',
    `label "eggs" is not one of the model's labels (ham, spam)`,
    'malformed decision: items: is required (an array)',
    'malformed decision: (root): must be an object',
    'malformed decision: items: is not a known field',
  ]);
  expect(view!.counts?.open).toBe(3);

  // The CLI says in one line why a decision did not count, and exits non-zero.
  const cli = (...args: string[]) => runCli(['review', ...args]);
  const refusedByCli = [
    [
      ['approve', model, String(number), 'ffffffff', '--as', 'alice'],
      'item "ffffffff" is not in this review',
    ],
    [
      ['label', model, String(number), item.ref, 'eggs', '--as', 'alice'],
      `label "eggs" is not one of the model's`,
    ],
    [['reject', model, String(number), item.ref, '--as', 'mallory'], 'reviewer "mallory" is not allowed'],
  ] as const;
  for (const [args, reason] of refusedByCli) {
    const run = await cli(...args);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`flywheel: refused: ${reason}`);
  }
  const listed = await cli('list', '--model', model);
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toContain(reviewWorkflowId(cycle.workflowId));
  const shown = await cli('show', model, String(number));
  expect(shown.code, shown.stderr).toBe(0);
  for (const pending of queue.pending) expect(shown.stdout).toContain(pending.ref);
  const labelled = await cli(
    'label',
    model,
    String(number),
    item.ref,
    otherLabel(queue, item),
    '--as',
    'alice',
  );
  expect(labelled.code, labelled.stderr).toBe(0);
  expect(labelled.stdout).toMatch(/^accepted: alice labelled 1 item\(s\)/);
  const approved = await runCli(['review', 'approve', model, String(number), '--all'], {
    FLYWHEEL_REVIEWER: 'alice',
  });
  expect(approved.code, approved.stderr).toBe(0);
  expect(approved.stdout).toMatch(/^accepted: alice approved 2 item\(s\) .*; 0 item\(s\) still open/);

  const result = (await cycle.result()) as CycleStatus;
  expect(['blessed', 'rejected']).toContain(result.outcome);
  expect(result.labels).toEqual({ auto: 0, human: 3 });
  // Refused updates leave no trace in history; refused signals stay in the log and the audit trail.
  expect(result.review?.decisions).toEqual({ accepted: 2, refused: 6 });
  const audit = await harness.deps.store.audit.list({ cycleId: cycle.workflowId });
  expect(
    audit
      .filter((event) => event.kind === 'review-decision-refused')
      .map((event) => event.actor)
      .sort(),
  ).toEqual(['alice', 'alice', 'alice', 'alice', 'mallory', 'unknown']);
  const closed = await cli('approve', model, String(number), item.ref, '--as', 'alice');
  expect(closed.code).toBe(5);
  expect(closed.stderr).toBe(
    `flywheel: review ${reviewWorkflowId(cycle.workflowId)} is closed: decisions no longer count\n`,
  );
  expect(closed.stderr.trimEnd().split('\n')).toHaveLength(1);
});

test('a decision on a settled item is refused with its outcome and counts once; a reviewer takes back only their own vote', async () => {
  const { model, number, cycle, review, queue } = await openReview(
    'review-settled',
    { reviewers: ['alice', 'bob'] },
    3,
  );
  const [a, b, c] = queue.pending as [PendingItem, PendingItem, PendingItem];
  const refusalOf = (update: Promise<unknown>) =>
    update.then(
      () => null,
      (error: unknown) => {
        expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
        return (error as WorkflowUpdateFailedError).cause?.message;
      },
    );
  await reviews.decide(model, number, { action: 'approve', reviewer: 'alice', items: [a.ref] });
  const settled = `item ${a.ref} is already settled as ${a.proposedLabel} (by alice)`;
  // Bob's page still shows a: his decision is refused by the update, by the signal and by the CLI.
  expect(
    await refusalOf(
      review.executeUpdate(decideUpdate, { args: [{ action: 'reject', reviewer: 'bob', items: [a.ref] }] }),
    ),
  ).toBe(settled);
  // Several at once: one settled item refuses the whole decision.
  expect(
    await refusalOf(
      review.executeUpdate(decideUpdate, {
        args: [{ action: 'approve', reviewer: 'bob', items: [b.ref, a.ref] }],
      }),
    ),
  ).toBe(settled);
  await review.signal(rejectSignal, { reviewer: 'bob', items: [a.ref] });
  await expect
    .poll(async () => (await review.query(reviewQueueQuery)).decisions.refused, { timeout: 30_000 })
    .toBe(1);
  expect((await review.query(reviewQueueQuery)).recentRefusals.map((entry) => entry.reason)).toEqual([
    settled,
  ]);
  const byCli = await runCli(['review', 'reject', model, String(number), a.ref, '--as', 'bob']);
  expect(byCli.code, byCli.stderr).toBe(1);
  expect(byCli.stderr).toBe(`flywheel: refused: ${settled}\n`);

  // Taking back: not bob's vote; then alice's own, by the CLI's undo.
  expect(
    await refusalOf(review.executeUpdate(retractUpdate, { args: [{ reviewer: 'bob', item: a.ref }] })),
  ).toBe(`reviewer "bob" has no vote on item ${a.ref} to take back`);
  const undone = await runCli(['review', 'undo', model, String(number), a.ref, '--as', 'alice']);
  expect(undone.code, undone.stderr).toBe(0);
  expect(undone.stdout).toMatch(
    new RegExp(
      `^accepted: alice took back the vote on 1 item\\(s\\) .*: ${a.ref} withdrawn \\(open\\); 3 item\\(s\\) still open`,
    ),
  );
  const noVote = await runCli(['review', 'undo', model, String(number), a.ref, '--as', 'alice']);
  expect(noVote.code).toBe(1);
  expect(noVote.stderr).toBe(
    `flywheel: refused: reviewer "alice" has no vote on item ${a.ref} to take back\n`,
  );
  // Open again, a takes bob's vote; b and c close the review.
  await reviews.decide(model, number, { action: 'reject', reviewer: 'bob', items: [a.ref] });
  await reviews.decide(model, number, { action: 'approve', reviewer: 'alice', items: [b.ref, c.ref] });

  const result = (await cycle.result()) as CycleStatus;
  expect(result.review).toMatchObject({
    closedBy: 'complete',
    counts: { items: 3, open: 0, approved: 2, rejected: 1 },
    decisions: { accepted: 4, refused: 1 },
  });
  expect(await harness.deps.store.reviewItems.get(a.id)).toMatchObject({
    status: 'rejected',
    decidedBy: ['bob'],
  });
  const log = await review.query(decisionLogQuery);
  expect(log.map((entry) => [entry.action, entry.outcome])).toEqual([
    ['approve', 'accepted'],
    ['reject', 'refused'],
    ['retract', 'accepted'],
    ['reject', 'accepted'],
    ['approve', 'accepted'],
  ]);
  const audit = await harness.deps.store.audit.list({ cycleId: cycle.workflowId });
  expect(
    audit
      .filter((event) => event.kind === 'review-decision')
      .map((event) => [event.details.seq, event.details.action])
      .sort(([x], [y]) => Number(x) - Number(y)),
  ).toEqual([
    [1, 'approve'],
    [3, 'retract'],
    [4, 'reject'],
    [5, 'approve'],
  ]);
  const closed = await runCli(['review', 'undo', model, String(number), b.ref, '--as', 'alice']);
  expect(closed.code).toBe(5);
  expect(closed.stderr).toBe(
    `flywheel: review ${reviewWorkflowId(cycle.workflowId)} is closed: decisions no longer count\n`,
  );
  await recordHistory(review, 'review-settled-retract');
});

test('with a quorum of two, agreeing reviewers settle an item and a disagreement requeues it until a majority', async () => {
  const { model, number, cycle, review, queue } = await openReview(
    'review-quorum',
    { reviewers: ['alice', 'bob', 'carol'], quorum: 2, onDisagreement: 'requeue' },
    3,
  );
  const [a, b, c] = queue.pending as [PendingItem, PendingItem, PendingItem];
  const label = otherLabel(queue, c);
  await reviews.decide(model, number, { action: 'approve', reviewer: 'alice', items: [a.ref, b.ref] });
  await reviews.decide(model, number, { action: 'correct', reviewer: 'alice', items: [c.ref], label });
  const first = await reviews.queue(model, number);
  expect(first.counts).toMatchObject({ open: 3, disputed: 0 });
  await reviews.decide(model, number, { action: 'approve', reviewer: 'bob', items: [a.ref] });
  await reviews.decide(model, number, { action: 'reject', reviewer: 'bob', items: [b.ref] });
  await reviews.decide(model, number, { action: 'correct', reviewer: 'bob', items: [c.ref], label });
  const disputed = await reviews.queue(model, number);
  expect(disputed.pending.map((item) => [item.ref, item.disputed, item.votes.length])).toEqual([
    [b.ref, true, 2],
  ]);
  expect(disputed.agreement).toEqual({ itemsWithSeveralVotes: 3, unanimous: 2, rate: 2 / 3 });
  await reviews.decide(model, number, { action: 'reject', reviewer: 'carol', items: [b.ref] });

  const result = (await cycle.result()) as CycleStatus;
  expect(result.review).toMatchObject({
    closedBy: 'complete',
    counts: { approved: 1, corrected: 1, rejected: 1, disputed: 0 },
    agreementRate: 2 / 3,
  });
  expect(await datasetAdditions(result)).toEqual(
    expected([a, a.proposedLabel, 'alice,bob'], [c, label, 'alice,bob']),
  );
  expect(await harness.deps.store.reviewItems.get(b.id)).toMatchObject({
    status: 'rejected',
    decidedBy: ['bob', 'carol'],
  });
  await recordHistory(review, 'review-quorum');
});

test('a reminder reaches the webhook, and at the deadline the cycle goes on with the labels it has', async () => {
  const receiver = await webhookReceiver();
  try {
    const { model, number, cycle, queue } = await openReview(
      'review-deadline',
      { reminderAfter: '2s', deadline: '6s', minLabelsAtDeadline: 1, webhookUrl: receiver.url },
      4,
    );
    const [a] = queue.pending as [PendingItem];
    await reviews.decide(model, number, { action: 'approve', reviewer: 'dana', items: [a.ref] });

    const result = (await cycle.result()) as CycleStatus;
    expect(result.review).toMatchObject({ closedBy: 'deadline', counts: { open: 3, humanLabels: 1 } });
    expect(result.labels).toEqual({ auto: 0, human: 1 });
    expect(['blessed', 'rejected']).toContain(result.outcome);
    expect(await datasetAdditions(result)).toEqual(expected([a, a.proposedLabel, 'dana']));
    // Undecided items stay pending in the store; the next cycle does not see them again.
    expect(
      (await harness.deps.store.reviewItems.listByCycle(cycle.workflowId)).map((i) => i.status).sort(),
    ).toEqual(['approved', 'pending', 'pending', 'pending']);
    expect(receiver.bodies).toHaveLength(2);
    const [reminder, deadline] = receiver.bodies as [{ text: string }, { text: string }];
    expect(Object.keys(reminder)).toEqual(['text']);
    expect(reminder.text).toMatch(
      new RegExp(
        `^Flywheel: 3 of 4 items of cycle ${number} of ${model} still need review; the review closes at `,
      ),
    );
    expect(deadline.text).toContain(
      'closed at its deadline with 1 of 4 items decided; the cycle goes on with 1 label(s)',
    );
  } finally {
    await receiver.close();
  }
});

test('a reminder that finds too few labels for the deadline escalates to review.escalateTo; one with enough does not', async () => {
  const reviewers = await webhookReceiver();
  const escalation = await webhookReceiver();
  try {
    const short = await openReview(
      'review-escalated',
      {
        reminderAfter: '1s',
        deadline: '4s',
        minLabelsAtDeadline: 2,
        webhookUrl: reviewers.url,
        escalateTo: escalation.url,
      },
      2,
    );
    const shortResult = (await short.cycle.result()) as CycleStatus;
    expect(shortResult.outcome).toBe('review-timeout');
    expect(await short.review.result()).toMatchObject({ reminded: true, escalated: true });
    // Reviewers get the reminder and the deadline notice; the escalation target gets only the escalation.
    expect(reviewers.bodies).toHaveLength(2);
    expect(escalation.bodies).toHaveLength(1);
    const [escalated] = escalation.bodies as [{ text: string }];
    expect(Object.keys(escalated)).toEqual(['text']);
    expect(escalated.text).toMatch(
      new RegExp(
        `^Flywheel: the review of cycle ${short.number} of review-escalated is short of labels: 0 of the 2 needed ` +
          '\\(review.minLabelsAtDeadline\\), 2 of 2 items undecided\\. Unless reviewers label more by ',
      ),
    );

    const enough = await openReview(
      'review-not-escalated',
      {
        reminderAfter: '1s',
        deadline: '4s',
        minLabelsAtDeadline: 0,
        webhookUrl: reviewers.url,
        escalateTo: escalation.url,
      },
      2,
    );
    const enoughResult = (await enough.cycle.result()) as CycleStatus;
    expect(enoughResult.outcome).not.toBe('review-timeout');
    expect(await enough.review.result()).toMatchObject({ reminded: true, escalated: false });
    expect(reviewers.bodies).toHaveLength(4);
    expect(escalation.bodies).toHaveLength(1);
  } finally {
    await reviewers.close();
    await escalation.close();
  }
});

test('at the deadline with too few labels the cycle ends as review-timeout and leaves its window to the next cycle', async () => {
  const { cycle, review } = await openReview(
    'review-timeout',
    { reminderAfter: '1s', deadline: '4s', minLabelsAtDeadline: 3 },
    3,
  );
  await review.signal(approveSignal, {
    reviewer: 'erin',
    items: [(await review.query(reviewQueueQuery)).pending[0]!.ref],
  });
  const result = (await cycle.result()) as CycleStatus;
  await recordHistory(review, 'review-timeout');
  expect(result.outcome).toBe('review-timeout');
  expect(result.reasons.join(' ')).toMatch(
    /1 label\(s\) \(0 auto, 1 from reviewers\), fewer than review.minLabelsAtDeadline \(3\)/,
  );
  expect(result.datasetId).toBeNull();
  expect(await harness.deps.store.cycles.lastWatermark('review-timeout')).toBeNull();
});

test('a worker restart in the middle of a review loses nothing: decisions sent while no worker runs count too', async () => {
  const { model, number, cycle, review, queue } = await openReview('review-restart', {}, 4);
  const [a, b, c, d] = queue.pending as [PendingItem, PendingItem, PendingItem, PendingItem];
  await reviews.decide(model, number, { action: 'approve', reviewer: 'alice', items: [a.ref] });

  await harness.workers!.stop();
  await review.signal(approveSignal, { reviewer: 'bob', items: [b.ref] });
  await review.signal(rejectSignal, { reviewer: 'bob', items: [c.ref] });
  await harness.startWorkers();

  await expect
    .poll(async () => (await review.query(reviewQueueQuery)).pending.map((item) => item.ref), {
      timeout: 30_000,
    })
    .toEqual([d.ref]);
  await reviews.decide(model, number, {
    action: 'correct',
    reviewer: 'carol',
    items: [d.ref],
    label: otherLabel(queue, d),
  });
  const result = (await cycle.result()) as CycleStatus;
  expect(result.labels).toEqual({ auto: 0, human: 3 });
  expect(await datasetAdditions(result)).toEqual(
    expected([a, a.proposedLabel, 'alice'], [b, b.proposedLabel, 'bob'], [d, otherLabel(queue, d), 'carol']),
  );
});

test('cancelling a cycle that waits for review cancels its review and keeps the decisions made in the audit trail', async () => {
  const { model, number, cycle, review, queue } = await openReview('review-cancel', {}, 2);
  await reviews.decide(model, number, {
    action: 'approve',
    reviewer: 'frank',
    items: [queue.pending[0]!.ref],
  });
  await cycle.cancel();
  await expect(cycle.result()).rejects.toThrow();
  expect((await review.describe()).status.name).toBe('CANCELLED');
  const record = await harness.deps.store.cycles.get(cycle.workflowId);
  expect(record?.outcome).toBe('cancelled');
  const audit = await harness.deps.store.audit.list({ cycleId: cycle.workflowId });
  expect(audit.filter((event) => event.kind === 'review-decision').map((event) => event.actor)).toEqual([
    'frank',
  ]);
});

/** Runs the real CLI as its own process; asynchronously, because this process runs the workers it talks to. */
function runCli(args: string[], env: Record<string, string> = {}) {
  return runCliAsync(args, { ...devServerEnv(), FLYWHEEL_REVIEWER: '', ...env });
}

/** A local HTTP receiver standing in for a chat webhook: keeps every JSON body it is sent. */
async function webhookReceiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/review`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
