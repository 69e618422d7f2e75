import type { Command } from 'commander';
import { ReviewClient } from '../../client/review-client.ts';
import type { ReviewDecision } from '../../core/review/review-decision.ts';
import type { DecisionReceipt } from '../../core/review/review-ledger.ts';
import type { ReviewQueueView } from '../../workflows/review-messages.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { parsePositiveInteger } from '../options.ts';
import { formatTable, printResult } from '../table.ts';
import { withClient } from './cycle.ts';

interface DecisionOptions {
  as?: string;
  note?: string;
  json?: boolean;
}

export function registerReviewCommand(program: Command): void {
  const review = program
    .command('review')
    .description('label the edge cases a cycle waits on: list, show, approve, label, reject, undo');

  review
    .command('list')
    .description('cycles waiting for review')
    .option('--model <model>', 'only this model')
    .option('--json', 'print JSON')
    .action(async (options: { model?: string; json?: boolean }) => {
      await withReviews(async (reviews) => {
        const waiting = await reviews.waiting(options.model ? { model: options.model } : {});
        printResult(waiting, Boolean(options.json), () =>
          formatTable(
            waiting.map((row) => ({
              ...row,
              deadline: row.deadlineAt === null ? null : new Date(row.deadlineAt),
            })),
            ['model', 'number', 'open', 'items', 'deadline', 'reviewWorkflowId'],
          ),
        );
      });
    });

  review
    .command('show <model> [cycle]')
    .description("a cycle's review queue: open items with their proposed labels and votes")
    .option('--json', 'print JSON')
    .action(async (model: string, cycle: string | undefined, options: { json?: boolean }) => {
      await withReviews(async (reviews) => {
        const queue = await reviews.queue(model, cycle ? parsePositiveInteger(cycle) : undefined);
        printResult(queue, Boolean(options.json), () => renderQueue(queue));
      });
    });

  decisionCommand(review, 'approve <model> <cycle> [items...]', 'keep the proposed label of items')
    .option('--all', 'approve every open item you have not voted on')
    .action(
      async (model: string, cycle: string, items: string[], options: DecisionOptions & { all?: boolean }) => {
        if (options.all && items.length > 0) throw new CliError('give items or --all, not both', EXIT.usage);
        if (!options.all && items.length === 0)
          throw new CliError('name the items to approve, or --all', EXIT.usage);
        const base = { reviewer: reviewerOf(options), ...noteOf(options) };
        await decide(
          model,
          cycle,
          options.all ? { action: 'approve-all-remaining', ...base } : { action: 'approve', items, ...base },
          options,
        );
      },
    );

  decisionCommand(review, 'label <model> <cycle> <item> <label>', 'set the label of an item').action(
    async (model: string, cycle: string, item: string, label: string, options: DecisionOptions) => {
      await decide(
        model,
        cycle,
        { action: 'correct', reviewer: reviewerOf(options), items: [item], label, ...noteOf(options) },
        options,
      );
    },
  );

  decisionCommand(review, 'reject <model> <cycle> <items...>', 'leave items out of the dataset').action(
    async (model: string, cycle: string, items: string[], options: DecisionOptions) => {
      await decide(
        model,
        cycle,
        { action: 'reject', reviewer: reviewerOf(options), items, ...noteOf(options) },
        options,
      );
    },
  );

  decisionCommand(
    review,
    'undo <model> <cycle> <item>',
    'take back your last vote on an item (the vote before it counts again, or none)',
  ).action(async (model: string, cycle: string, item: string, options: DecisionOptions) => {
    const number = parsePositiveInteger(cycle);
    await withReviews(async (reviews) => {
      const receipt = await reviews.retract(model, number, {
        reviewer: reviewerOf(options),
        item,
        ...noteOf(options),
      });
      printResult(receipt, Boolean(options.json), () => renderReceipt(receipt, model, number));
    });
  });

  review
    .command('log <model> [cycle]')
    .description('every decision the review received, accepted and refused')
    .option('--json', 'print JSON')
    .action(async (model: string, cycle: string | undefined, options: { json?: boolean }) => {
      await withReviews(async (reviews) => {
        const log = await reviews.decisions(model, cycle ? parsePositiveInteger(cycle) : undefined);
        printResult(log, Boolean(options.json), () =>
          formatTable(
            log.map((entry) => ({
              ...entry,
              at: new Date(entry.at),
              items: entry.changes?.map((change) => `${change.ref}:${change.change}`).join(' ') ?? null,
            })),
            ['seq', 'at', 'via', 'reviewer', 'action', 'label', 'outcome', 'items', 'reason'],
          ),
        );
      });
    });
}

function decisionCommand(parent: Command, usage: string, description: string): Command {
  return parent
    .command(usage)
    .description(`${description} (items by the ref \`review show\` prints)`)
    .option('--as <reviewer>', 'who decides (default: FLYWHEEL_REVIEWER)')
    .option('--note <text>', 'why, for the audit trail')
    .option('--json', 'print JSON');
}

async function decide(model: string, cycle: string, decision: ReviewDecision, options: DecisionOptions) {
  const number = parsePositiveInteger(cycle);
  await withReviews(async (reviews) => {
    const receipt = await reviews.decide(model, number, decision);
    printResult(receipt, Boolean(options.json), () => renderReceipt(receipt, model, number));
  });
}

function reviewerOf(options: DecisionOptions): string {
  const reviewer = options.as ?? process.env.FLYWHEEL_REVIEWER;
  if (!reviewer) throw new CliError('say who decides: --as <reviewer> or FLYWHEEL_REVIEWER', EXIT.usage);
  return reviewer;
}

function noteOf(options: DecisionOptions): { note?: string } {
  return options.note ? { note: options.note } : {};
}

async function withReviews<T>(work: (reviews: ReviewClient) => Promise<T>): Promise<T> {
  return withClient((client) => work(new ReviewClient(client)));
}

const PAST: Record<DecisionReceipt['action'], string> = {
  approve: 'approved',
  correct: 'labelled',
  reject: 'rejected',
  'approve-all-remaining': 'approved',
  retract: 'took back the vote on',
};

function renderReceipt(receipt: DecisionReceipt, model: string, number: number): string {
  const items = receipt.changes
    .map((change) => `${change.ref} ${change.change} (${change.state})`)
    .join(', ');
  return (
    `accepted: ${receipt.reviewer} ${PAST[receipt.action]} ${receipt.changes.length} item(s) of cycle ${number} of ${model}` +
    `${items ? `: ${items}` : ''}; ${receipt.open} item(s) still open`
  );
}

function renderQueue(queue: ReviewQueueView): string {
  const counts = queue.counts;
  const lines = [
    `review of cycle ${queue.number} of ${queue.model} (${queue.reviewId}): ${queue.state}` +
      (queue.closedBy ? ` (${queue.closedBy})` : ''),
    `  deadline:  ${new Date(queue.deadlineAt).toISOString()}; reminder ${queue.reminded ? 'sent' : `at ${new Date(queue.remindAt).toISOString()}`}`,
    `  rules:     quorum ${queue.quorum}, on disagreement ${queue.onDisagreement}, labels ${queue.labels.join(', ')}, ` +
      `reviewers ${queue.reviewers.length ? queue.reviewers.join(', ') : 'anyone'}`,
  ];
  if (counts) {
    lines.push(
      `  items:     ${counts.open} open of ${counts.items} (${counts.disputed} disputed); ${counts.approved} approved, ` +
        `${counts.corrected} corrected, ${counts.rejected} rejected, ${counts.dropped} dropped`,
    );
  }
  const agreement = queue.agreement;
  if (agreement && agreement.rate !== null) {
    lines.push(
      `  agreement: ${(agreement.rate * 100).toFixed(0)}% of ${agreement.itemsWithSeveralVotes} item(s) with several votes`,
    );
  }
  lines.push(
    `  decisions: ${queue.decisions.accepted} accepted, ${queue.decisions.refused} refused`,
    '',
    formatTable(
      queue.pending.map((item) => ({
        ref: item.ref,
        proposed: item.proposedLabel,
        reason: item.reason,
        confidence: item.confidence,
        votes: item.votes.map((vote) => `${vote.reviewer}:${vote.label ?? 'reject'}`).join(' ') || null,
        excerpt: item.excerpt.length > 70 ? `${item.excerpt.slice(0, 69)}…` : item.excerpt,
      })),
      ['ref', 'proposed', 'reason', 'confidence', 'votes', 'excerpt'],
    ),
  );
  return lines.join('\n');
}
