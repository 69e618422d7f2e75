import { Context } from '@temporalio/activity';
import {
  deserializeCheckpoint,
  serializeCheckpoint,
  type TrainingCheckpoint,
} from '../../core/model/checkpoint.ts';
import type { TrainInput, TrainResult } from '../cycle/contracts.ts';
import type { ActivityDeps } from '../deps.ts';
import { trainModelVersion } from './train-model-version.ts';

/** How often a training attempt stores a checkpoint; a crash loses at most this much work. */
export const CHECKPOINT_EVERY_MS = 2_000;

/** What a training attempt heartbeats: enough for the next attempt to resume where this one was. */
export interface TrainingHeartbeat {
  /** Epochs completed in the checkpoint named by checkpointSha256. */
  epoch: number;
  epochs: number;
  loss: number;
  checkpointSha256: string;
}

/**
 * The training activity (its own task queue). Each epoch stores a checkpoint artifact and heartbeats
 * its address; a retry after a worker crash resumes from it and ends with the same weights, and the
 * same request always names the same version. Cancellation reaches the loop through the signal.
 */
export function trainCandidateActivity(deps: ActivityDeps) {
  return async function trainCandidate(input: TrainInput): Promise<TrainResult> {
    const context = Context.current();
    const previous = context.info.heartbeatDetails as TrainingHeartbeat | undefined;
    // Tell the server at once that this attempt is alive (keeping the last checkpoint's address), so
    // loading data before the first epoch does not count as silence.
    context.heartbeat(previous);
    let resumeFrom: TrainingCheckpoint | null = null;
    if (previous?.checkpointSha256) {
      resumeFrom = deserializeCheckpoint(await deps.artifacts.get(previous.checkpointSha256));
      deps.logger.info(
        { datasetId: input.datasetId, epoch: resumeFrom.epoch },
        'resuming training from checkpoint',
      );
    }
    let checkpointSha256 = previous?.checkpointSha256 ?? '';
    let checkpointEpoch = previous?.epoch ?? 0;
    let lastCheckpointAt = Date.now();
    return trainModelVersion(
      deps,
      { model: input.model, datasetId: input.datasetId, params: input.params },
      {
        resumeFrom,
        signal: context.cancellationSignal,
        onEpoch: async (checkpoint, progress) => {
          // A checkpoint is megabytes: write one at most every CHECKPOINT_EVERY_MS, heartbeat every epoch.
          if (Date.now() - lastCheckpointAt >= CHECKPOINT_EVERY_MS || progress.epoch === progress.epochs) {
            checkpointSha256 = await deps.artifacts.put(serializeCheckpoint(checkpoint));
            checkpointEpoch = progress.epoch;
            lastCheckpointAt = Date.now();
          }
          context.heartbeat({
            epoch: checkpointEpoch,
            epochs: progress.epochs,
            loss: progress.loss,
            checkpointSha256,
          } satisfies TrainingHeartbeat);
        },
      },
    );
  };
}
