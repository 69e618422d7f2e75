import { loadSpamAssassin, parseSpamAssassinSpec } from '../../adapters/corpus/spamassassin.ts';
import { invalidInput } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';
import { versionCorpus } from './register-first-model.ts';

export interface CorpusDatasetRequest {
  model: string;
  /** `spamassassin:<group>[,<group>…]`: the worker loads the corpus, so no text travels through a history. */
  source: string;
}

export interface CorpusDataset {
  datasetId: string;
  counts: { train: number; holdout: number; golden: number };
  /** The model's champion when the dataset was versioned (null: none yet). */
  champion: string | null;
}

/** The activities of `flywheel models train` on the main queue (training itself is the cycle's activity). */
export interface ModelTrainingActivities {
  /** Versions a labelled public corpus as a dataset; the same corpus names the same dataset. */
  seedCorpusDataset(request: CorpusDatasetRequest): Promise<CorpusDataset>;
}

export function createModelTrainingActivities(deps: ActivityDeps): ModelTrainingActivities {
  return {
    async seedCorpusDataset(request) {
      let groups: ReturnType<typeof parseSpamAssassinSpec>;
      try {
        groups = parseSpamAssassinSpec(request.source);
      } catch (error) {
        throw invalidInput((error as Error).message);
      }
      const examples = loadSpamAssassin({ groups }).map((message) => ({
        id: message.id,
        text: message.text,
        label: message.label,
        group: message.group,
      }));
      const version = await versionCorpus(deps, { model: request.model, examples, source: request.source });
      return {
        datasetId: version.id,
        counts: version.counts,
        champion: await deps.store.models.alias(request.model, 'champion'),
      };
    },
  };
}
