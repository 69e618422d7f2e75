import type { ArtifactStore } from '../adapters/artifacts/artifact-store.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import { FlywheelError, InvalidRequestError, NotFoundError } from '../client/client-errors.ts';
import type { ReviewClient } from '../client/review-client.ts';
import { deserializeClassifier, type LoadedClassifier } from '../core/model/artifact.ts';
import { type TokenContribution, tokenContributions } from '../core/model/token-contributions.ts';
import type { DecisionReceipt } from '../core/review/review-ledger.ts';
import { cycleWorkflowId } from '../workflows/cycle-messages.ts';
import type { ReviewQueueView } from '../workflows/review-messages.ts';

/** What a reviewer asks for with one key: keep the proposed label, set another, or leave the item out. */
export type DeskAction =
  | { action: 'approve' | 'reject'; item: string }
  | { action: 'correct'; item: string; label: string };

export interface ItemDetail {
  id: string;
  text: string;
  proposedLabel: string;
  reason: string;
  confidence: number | null;
  /** What the model answered when it served the text, and what the user said about it. */
  prediction: { label: string; confidence: number; modelVersion: string } | null;
  feedback: Array<{ kind: string; label: string | null; at: number }>;
  /** Words that pushed the score towards or away from the proposed label (null: no built-in model to read). */
  words: { modelVersion: string; towards: TokenContribution[]; against: TokenContribution[] } | null;
}

export type DeskAnswer =
  | { outcome: 'accepted'; message: string; receipt: DecisionReceipt }
  | { outcome: 'refused'; status: number; message: string };

/**
 * The console's side of a review: full texts and explanations from the store (the workflow holds only
 * excerpts), and decisions sent through the review workflow's `decide` update exactly as the CLI sends
 * them, with the signed-in reviewer as the only possible identity.
 */
export class ReviewDesk {
  private readonly classifiers = new Map<string, Promise<LoadedClassifier>>();

  private readonly reviews: ReviewClient;
  private readonly store: FlywheelStore;
  private readonly artifacts: ArtifactStore;

  constructor(reviews: ReviewClient, store: FlywheelStore, artifacts: ArtifactStore) {
    this.reviews = reviews;
    this.store = store;
    this.artifacts = artifacts;
  }

  queue(model: string, number: number): Promise<ReviewQueueView> {
    return this.reviews.queue(model, number);
  }

  async item(model: string, number: number, id: string): Promise<ItemDetail | null> {
    const item = await this.store.reviewItems.get(id);
    if (!item || item.cycleId !== cycleWorkflowId(model, number)) return null;
    const prediction = item.predictionId ? await this.store.predictions.get(item.predictionId) : null;
    const feedback = item.predictionId
      ? await this.store.feedback.listForPredictions([item.predictionId])
      : [];
    const versionId = prediction?.modelVersion ?? (await this.store.models.alias(model, 'champion'));
    let words: ItemDetail['words'] = null;
    if (versionId) {
      const classifier = await this.classifier(versionId);
      if (classifier) {
        words = {
          modelVersion: versionId,
          ...tokenContributions(classifier.model, item.text, item.proposedLabel),
        };
      }
    }
    return {
      id: item.id,
      text: item.text,
      proposedLabel: item.proposedLabel,
      reason: item.reason,
      confidence: item.confidence,
      prediction: prediction
        ? {
            label: prediction.label,
            confidence: prediction.confidence,
            modelVersion: prediction.modelVersion,
          }
        : null,
      feedback: feedback.map((entry) => ({ kind: entry.kind, label: entry.label, at: entry.createdAt })),
      words,
    };
  }

  /**
   * Sends one decision as `reviewer` straight to the review's `decide` update: the review itself refuses
   * a decision on an item that is already settled or a review that is closed, atomically, so a stale
   * page is told why and nothing counts twice.
   */
  async decide(model: string, number: number, reviewer: string, wanted: DeskAction): Promise<DeskAnswer> {
    const decision =
      wanted.action === 'correct'
        ? { action: 'correct' as const, reviewer, items: [wanted.item], label: wanted.label }
        : { action: wanted.action, reviewer, items: [wanted.item] };
    try {
      const receipt = await this.reviews.decide(model, number, decision);
      const change = receipt.changes[0];
      const ref = change?.ref ?? wanted.item;
      const what =
        wanted.action === 'approve'
          ? `approved ${ref}`
          : wanted.action === 'correct'
            ? `labelled ${ref} ${wanted.label}`
            : `rejected ${ref}`;
      return {
        outcome: 'accepted',
        receipt,
        message: `accepted: ${what}${change?.change === 'overridden' ? ' (replaces your earlier vote)' : ''}; ${receipt.open} item(s) still open`,
      };
    } catch (error) {
      if (error instanceof FlywheelError) return refused(error);
      throw error;
    }
  }

  /** Takes back `reviewer`'s last vote on an item through the review's `retract` update. */
  async retract(model: string, number: number, reviewer: string, item: string): Promise<DeskAnswer> {
    try {
      const receipt = await this.reviews.retract(model, number, { reviewer, item });
      const change = receipt.changes[0]!;
      const taken = change.previous === null ? 'reject' : change.previous;
      const now =
        change.change === 'restored'
          ? `your earlier vote (${change.restored === null ? 'reject' : change.restored}) counts again`
          : 'you have no vote on it';
      return {
        outcome: 'accepted',
        receipt,
        message: `accepted: took back your vote (${taken}) on ${change.ref}: ${now}; the item is ${change.state}; ${receipt.open} item(s) still open`,
      };
    } catch (error) {
      if (error instanceof FlywheelError) return refused(error);
      throw error;
    }
  }

  private async classifier(versionId: string): Promise<LoadedClassifier | null> {
    let loading = this.classifiers.get(versionId);
    if (!loading) {
      loading = (async () => {
        const version = await this.store.models.get(versionId);
        if (!version) throw new Error(`no model version ${versionId}`);
        return deserializeClassifier(await this.artifacts.get(version.artifactSha256));
      })();
      this.classifiers.set(versionId, loading);
    }
    // Another kind of model (ONNX) has no weights to read: the page then says so.
    return loading.catch(() => null);
  }
}

function refused(error: FlywheelError): DeskAnswer {
  const status = error instanceof NotFoundError ? 404 : error instanceof InvalidRequestError ? 400 : 409;
  return { outcome: 'refused', status, message: error.message };
}
