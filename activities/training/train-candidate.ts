import { Context } from '@temporalio/activity';
import {
  deserializeCheckpoint,
  serializeCheckpoint,
  type TrainingCheckpoint,
} from '../../core/model/checkpoint.ts';
import type { TrainInput, TrainResult } from '../cycle/contracts.ts';
import type { ActivityDeps } from '../deps.ts';
import { trainModelVersion } from './train-model-version.ts';

/** What a training attempt heartbeats: enough for the next attempt to resume where this one was. */
export interface TrainingHeartbeat {
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
    let resumeFrom: TrainingCheckpoint | null = null;
    if (previous?.checkpointSha256) {
      resumeFrom = deserializeCheckpoint(await deps.artifacts.get(previous.checkpointSha256));
      deps.logger.info(
        { datasetId: input.datasetId, epoch: resumeFrom.epoch },
        'resuming training from checkpoint',
      );
    }
    return trainModelVersion(
      deps,
      { model: input.model, datasetId: input.datasetId, params: input.params },
      {
        resumeFrom,
        signal: context.cancellationSignal,
        onEpoch: async (checkpoint, progress) => {
          const checkpointSha256 = await deps.artifacts.put(serializeCheckpoint(checkpoint));
          context.heartbeat({
            epoch: progress.epoch,
            epochs: progress.epochs,
            loss: progress.loss,
            checkpointSha256,
          } satisfies TrainingHeartbeat);
        },
      },
    );
  };
}
