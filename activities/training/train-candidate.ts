import { Context } from '@temporalio/activity';
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
  loss: number | null;
  checkpointSha256: string;
}

/**
 * The training activity (its own task queue). Checkpoints are stored as artifacts at most every
 * CHECKPOINT_EVERY_MS and their address heartbeated with the progress; a retry after a worker crash
 * resumes from the last one and ends with the same weights, and the same request always names the same
 * version. Cancellation reaches the trainer through the activity's signal.
 */
export function trainCandidateActivity(deps: ActivityDeps) {
  return async function trainCandidate(input: TrainInput): Promise<TrainResult> {
    const context = Context.current();
    const previous = context.info.heartbeatDetails as TrainingHeartbeat | undefined;
    // Tell the server at once that this attempt is alive (keeping the last checkpoint's address), so
    // loading data before the first epoch does not count as silence.
    context.heartbeat(previous);
    let beat: TrainingHeartbeat = previous ?? { epoch: 0, epochs: 0, loss: null, checkpointSha256: '' };
    const resumeFrom = previous?.checkpointSha256
      ? await deps.artifacts.get(previous.checkpointSha256)
      : null;
    if (resumeFrom) {
      deps.logger.info(
        { datasetId: input.datasetId, epoch: previous?.epoch },
        'resuming training from checkpoint',
      );
    }
    return trainModelVersion(
      deps,
      { model: input.model, datasetId: input.datasetId, params: input.params, trainer: input.trainer },
      {
        resumeFrom,
        signal: context.cancellationSignal,
        checkpointEveryMs: CHECKPOINT_EVERY_MS,
        onCheckpoint: async (checkpoint, at) => {
          beat = { ...beat, epoch: at.epoch, checkpointSha256: await deps.artifacts.put(checkpoint) };
          context.heartbeat(beat);
        },
        onProgress: (progress) => {
          beat = { ...beat, epochs: progress.epochs, loss: progress.loss };
          context.heartbeat(beat);
        },
      },
    );
  };
}
