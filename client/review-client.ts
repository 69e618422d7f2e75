import { WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ReviewDecision, ReviewRetraction } from '../core/review/review-decision.ts';
import type { DecisionLogEntry, DecisionReceipt } from '../core/review/review-ledger.ts';
import { readableIssues } from '../core/validation/zod-issues.ts';
import { cycleWorkflowId } from '../workflows/cycle-messages.ts';
import {
  decideUpdate,
  decisionLogQuery,
  type ReviewQueueView,
  retractUpdate,
  reviewQueueQuery,
  reviewWorkflowId,
} from '../workflows/review-messages.ts';
import { CYCLE_NUMBER, MODEL } from '../workflows/search-attributes.ts';
import { ConflictError, InvalidRequestError, NotFoundError, RunFailedError } from './client-errors.ts';
import { checkModelName, type FlywheelClient } from './flywheel-client.ts';

export interface WaitingReview {
  model: string;
  number: number;
  cycleWorkflowId: string;
  reviewWorkflowId: string;
  open: number | null;
  items: number | null;
  deadlineAt: number | null;
}

/**
 * The typed client of reviews: which cycles wait for reviewers, their queues, and decisions through the
 * `decide` update, so the caller hears at once whether a decision counted. Refusals come back as a
 * domain error (client-errors.ts) with the workflow's reason.
 */
export class ReviewClient {
  readonly flywheel: FlywheelClient;

  constructor(flywheel: FlywheelClient) {
    this.flywheel = flywheel;
  }

  /** Running cycles in the `waiting-for-review` stage, with their review's progress. */
  async waiting(filter: { model?: string } = {}): Promise<WaitingReview[]> {
    if (filter.model) checkModelName(filter.model);
    let query =
      "WorkflowType = 'cycle' AND ExecutionStatus = 'Running' AND FlywheelStage = 'waiting-for-review'";
    if (filter.model) query += ` AND FlywheelModel = '${filter.model}'`;
    const waiting: WaitingReview[] = [];
    for await (const execution of this.flywheel.temporal.workflow.list({ query })) {
      const model = execution.typedSearchAttributes.get(MODEL) ?? '';
      const number = execution.typedSearchAttributes.get(CYCLE_NUMBER) ?? 0;
      const reviewId = reviewWorkflowId(cycleWorkflowId(model, number));
      const queue = await this.queueById(reviewId).catch(() => null);
      waiting.push({
        model,
        number,
        cycleWorkflowId: execution.workflowId,
        reviewWorkflowId: reviewId,
        open: queue?.counts?.open ?? null,
        items: queue?.counts?.items ?? null,
        deadlineAt: queue?.deadlineAt ?? null,
      });
    }
    return waiting;
  }

  /** The review queue of a cycle (the model's cycle waiting for review when no number is given). */
  async queue(model: string, number?: number): Promise<ReviewQueueView> {
    return this.queueById(await this.reviewIdOf(model, number));
  }

  /** Every decision the review received, accepted and refused, oldest first. */
  async decisions(model: string, number?: number): Promise<DecisionLogEntry[]> {
    const reviewId = await this.reviewIdOf(model, number);
    return this.onReview(reviewId, () =>
      this.flywheel.temporal.workflow.getHandle(reviewId).query(decisionLogQuery),
    );
  }

  /** Sends a decision and waits for the review's answer: the receipt, or a domain error with the refusal. */
  async decide(model: string, number: number, decision: unknown): Promise<DecisionReceipt> {
    const parsed = ReviewDecision.safeParse(decision);
    if (!parsed.success) {
      throw new InvalidRequestError(
        `refused: malformed decision: ${readableIssues(parsed.error).join('; ')}`,
      );
    }
    const reviewId = await this.reviewIdOf(model, number);
    return this.onReview(reviewId, () =>
      answered(
        this.flywheel.temporal.workflow
          .getHandle(reviewId)
          .executeUpdate(decideUpdate, { args: [parsed.data] }),
      ),
    );
  }

  /**
   * Takes back a reviewer's last vote on an item through the `retract` update: the receipt, or a domain
   * error with the refusal (closed review, no vote of theirs, item settled by others).
   */
  async retract(model: string, number: number, retraction: unknown): Promise<DecisionReceipt> {
    const parsed = ReviewRetraction.safeParse(retraction);
    if (!parsed.success) {
      throw new InvalidRequestError(
        `refused: malformed retraction: ${readableIssues(parsed.error).join('; ')}`,
      );
    }
    const reviewId = await this.reviewIdOf(model, number);
    return this.onReview(reviewId, () =>
      answered(
        this.flywheel.temporal.workflow
          .getHandle(reviewId)
          .executeUpdate(retractUpdate, { args: [parsed.data] }),
      ),
    );
  }

  private async queueById(reviewId: string): Promise<ReviewQueueView> {
    return this.onReview(reviewId, () =>
      this.flywheel.temporal.workflow.getHandle(reviewId).query(reviewQueueQuery),
    );
  }

  private async reviewIdOf(model: string, number?: number): Promise<string> {
    checkModelName(model);
    if (number !== undefined) return reviewWorkflowId(cycleWorkflowId(model, number));
    const [waiting] = await this.waiting({ model });
    if (!waiting) {
      throw new NotFoundError(
        `no cycle of ${model} is waiting for review; name one: \`flywheel review show ${model} <cycle>\``,
      );
    }
    return waiting.reviewWorkflowId;
  }

  /** Turns "no such workflow" and "already closed" into lines a reviewer can act on. */
  private async onReview<T>(reviewId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // Temporal answers "not found" for a closed workflow too; describe tells the two apart.
      const closed = await this.flywheel.temporal.workflow
        .getHandle(reviewId)
        .describe()
        .then((description) => description.status.name !== 'RUNNING')
        .catch(() => false);
      if (closed) throw new ConflictError(`review ${reviewId} is closed: decisions no longer count`);
      throw new NotFoundError(
        `no review ${reviewId}: that cycle had nothing to review or does not exist (\`flywheel review list\`)`,
      );
    }
  }
}

/** A refused update becomes a domain error carrying the review's reason. */
async function answered(update: Promise<DecisionReceipt>): Promise<DecisionReceipt> {
  try {
    return await update;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      throw new RunFailedError(`refused: ${error.cause?.message ?? error.message}`);
    }
    throw error;
  }
}
