import { Context } from '@temporalio/activity';
import { reviewItemsFromBatch } from '../../core/review/batch-items.ts';
import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import { walkCapture, walkProgressIn } from '../edge-case-walk.ts';
import { VocabularyMeters } from '../vocabulary-meters.ts';
import type { CollectInput, CollectResult } from './contracts.ts';

/** Sizes of the walk; the defaults suit production, tests make them small to cross page boundaries. */
export interface CollectLimits {
  pageSize?: number;
  capacity?: number;
  progressEveryMs?: number;
}

/**
 * Mines what was captured since the last cycle's watermark (core rules, streamed page by page in
 * bounded memory: see walkCapture) and keeps the edge cases as the cycle's review items: auto-labelled
 * ones settled, the rest pending for review. The walk heartbeats where it got to; a retried attempt
 * resumes from there, over the same capture range.
 */
export function collectEdgeCasesActivity(
  { store, artifacts, logger }: ActivityDeps,
  limits: CollectLimits = {},
) {
  return async function collectEdgeCases(input: CollectInput): Promise<CollectResult> {
    const context = Context.current();
    const resumeFrom = walkProgressIn(context.info.heartbeatDetails);
    if (resumeFrom) {
      logger.info(
        { model: input.model, cycleId: input.cycleId, predictionCursor: resumeFrom.predictionCursor },
        'resuming edge-case collection',
      );
    }
    const to = resumeFrom?.to ?? (await store.captureHead(input.model));
    const knownItemIds = (await store.datasets.items(input.parentDatasetId)).map((item) => item.id);
    const batch = await walkCapture(
      { store, meters: new VocabularyMeters({ store, artifacts }) },
      {
        model: input.model,
        from: input.from,
        to,
        labels: input.labels,
        knownItemIds,
        settings: { mining: input.mining, autoLabel: input.autoLabel },
        lateFeedback: true,
        ...limits,
        ...(resumeFrom ? { resumeFrom } : {}),
        onProgress: (progress) => context.heartbeat(progress),
        signal: context.cancellationSignal,
      },
    );
    const batchId = input.cycleId;
    await store.reviewItems.upsertMany(
      reviewItemsFromBatch(batch, { batchId, cycleId: input.cycleId, model: input.model, at: Date.now() }),
    );
    // Candidates let go past the walk's capacity with no cause known: 0 unless the capture held more
    // candidates than the walk keeps.
    const droppedByCause: Record<string, number> = { ...batch.counts.dropped };
    if (batch.beyondCapacity > 0) droppedByCause['beyond-capacity'] = batch.beyondCapacity;
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: 'edge-cases-mined',
        actor: 'flywheel',
        details: {
          from: input.from,
          to,
          counts: batch.counts,
          ...(batch.beyondCapacity > 0 ? { beyondCapacity: batch.beyondCapacity } : {}),
        },
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
      droppedByCause,
    };
  };
}
