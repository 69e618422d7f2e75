import { heartbeat } from '@temporalio/activity';
import type { FlywheelStore } from '../../adapters/store/store.ts';
import type { FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import { mineEdgeCases } from '../../core/mining/mine-edge-cases.ts';
import { reviewItemsFromBatch } from '../../core/review/batch-items.ts';
import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import { VocabularyMeters } from '../vocabulary-meters.ts';
import type { CollectInput, CollectResult } from './contracts.ts';

const PAGE = 5_000;

/**
 * Reads what was captured since the last cycle's watermark, mines the edge cases (core rules) and
 * keeps them as the cycle's review items: auto-labelled ones settled, the rest pending for review.
 */
export function collectEdgeCasesActivity({ store, artifacts }: ActivityDeps) {
  return async function collectEdgeCases(input: CollectInput): Promise<CollectResult> {
    const to = await store.captureHead(input.model);
    const predictions = await readPredictions(store, input.model, input.from.predictionSeq, to.predictionSeq);
    const feedback = await readFeedback(store, input.model, input.from.feedbackSeq, to.feedbackSeq);
    // Feedback in the window may be about predictions captured before it; and new predictions' feedback
    // may have landed before the feedback watermark moved. Complete both sides.
    const knownPredictions = new Set(predictions.map((p) => p.id));
    for (const row of feedback) {
      if (!knownPredictions.has(row.predictionId)) {
        const prediction = await store.predictions.get(row.predictionId);
        if (prediction) {
          predictions.push(prediction);
          knownPredictions.add(prediction.id);
        }
      }
    }
    const feedbackIds = new Set(feedback.map((f) => f.id));
    for (const row of await store.feedback.listForPredictions([...knownPredictions])) {
      if (!feedbackIds.has(row.id)) feedback.push(row);
    }
    heartbeat({ read: predictions.length });
    // Measured only when asked for: tokenising every captured text is the costly part of the read.
    const oovRates = input.mining.reasons.includes('drifted-input')
      ? await new VocabularyMeters({ store, artifacts }).rates(predictions)
      : undefined;

    const knownItemIds = (await store.datasets.items(input.parentDatasetId)).map((item) => item.id);
    const batch = mineEdgeCases(
      { labels: input.labels, predictions, feedback, knownItemIds, ...(oovRates ? { oovRates } : {}) },
      { mining: input.mining, autoLabel: input.autoLabel },
    );
    const batchId = input.cycleId;
    await store.reviewItems.upsertMany(
      reviewItemsFromBatch(batch, { batchId, cycleId: input.cycleId, model: input.model, at: Date.now() }),
    );
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: 'edge-cases-mined',
        actor: 'flywheel',
        details: { from: input.from, to, counts: batch.counts },
      },
      activityAuditKey(),
    );
    return {
      batchId,
      to,
      scanned: batch.counts.scanned,
      autoLabelled: batch.counts.autoLabelled,
      needsReview: batch.counts.needsReview,
      minedByReason: batch.counts.selected,
      droppedByCause: batch.counts.dropped,
    };
  };
}

async function readPredictions(store: FlywheelStore, model: string, after: number, upTo: number) {
  const rows: PredictionRecord[] = [];
  let cursor = after;
  while (cursor < upTo) {
    const page = await store.predictions.listAfter(model, cursor, PAGE);
    if (page.length === 0) break;
    for (const { seq, ...row } of page) if (seq <= upTo) rows.push(row);
    cursor = page[page.length - 1]!.seq;
  }
  return rows;
}

async function readFeedback(store: FlywheelStore, model: string, after: number, upTo: number) {
  const rows: FeedbackRecord[] = [];
  let cursor = after;
  while (cursor < upTo) {
    const page = await store.feedback.listAfter(model, cursor, PAGE);
    if (page.length === 0) break;
    for (const { seq, ...row } of page) if (seq <= upTo) rows.push(row);
    cursor = page[page.length - 1]!.seq;
  }
  return rows;
}
