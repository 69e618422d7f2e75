import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { TrainingActivities } from '../activities/cycle/contracts.ts';
import type { ModelTrainingActivities } from '../activities/training/seed-corpus-dataset.ts';
import type { TrainModelInput, TrainModelResult } from './train-model-messages.ts';

const NON_RETRYABLE = ['InvalidInput', 'NotFound'];

/**
 * `flywheel models train` on the workers: the corpus is versioned on the main queue and the model
 * trained by the cycle's own training activity on the training queue (heartbeats, checkpoints, resume).
 * It registers a version and changes nothing that serves: making it the champion is the championChange
 * workflow's, started by the caller.
 */
export async function trainModel(input: TrainModelInput): Promise<TrainModelResult> {
  const { seedCorpusDataset } = proxyActivities<ModelTrainingActivities>({
    startToCloseTimeout: '10 minutes',
    retry: { maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
  });
  const { trainCandidate } = proxyActivities<TrainingActivities>({
    taskQueue: input.trainingTaskQueue,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '1 minute',
    retry: { maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
  });
  setCurrentDetails(`**${input.model}**: versioning ${input.source}`);
  const dataset = await seedCorpusDataset({ model: input.model, source: input.source });
  setCurrentDetails(
    `**${input.model}**: training on ${dataset.datasetId} (${dataset.counts.train} examples)`,
  );
  const trained = await trainCandidate({
    model: input.model,
    datasetId: dataset.datasetId,
    params: input.params,
    variant: 0,
    ...(input.trainer ? { trainer: input.trainer } : {}),
  });
  setCurrentDetails(
    `**${input.model}**: ${trained.reused ? 'already registered' : 'trained'} **${trained.versionId}** ` +
      `(holdout accuracy ${trained.holdoutAccuracy.toFixed(4)})`,
  );
  return {
    ...trained,
    datasetId: dataset.datasetId,
    counts: dataset.counts,
    championBefore: dataset.champion,
  };
}
