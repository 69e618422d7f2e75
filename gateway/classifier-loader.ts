import type { ArtifactStore } from '../adapters/artifacts/artifact-store.ts';
import { modelKinds } from '../adapters/models/model-kinds.ts';
import type { ModelKinds } from '../core/model/model-kind.ts';
import type { LoadClassifier } from './model-cache.ts';

/**
 * Loads a version's model from its content-addressed artifact (checked against its hash on read),
 * whatever its kind.
 */
export function classifierFromArtifacts(
  artifacts: ArtifactStore,
  kinds: ModelKinds = modelKinds,
): LoadClassifier {
  return async (version) => {
    const predictor = await kinds.load(await artifacts.get(version.artifactSha256));
    const labels = predictor.labels;
    // Feedback is checked against the registry's labels: they must be the labels the model answers with.
    if (labels.length !== version.labels.length || labels.some((label, i) => label !== version.labels[i])) {
      throw new Error(
        `model version ${version.id}: artifact labels [${labels.join(', ')}] differ from the registry's [${version.labels.join(', ')}]`,
      );
    }
    return {
      predict: async (text) => (await predictor.predictBatch([text]))[0]!,
    };
  };
}
