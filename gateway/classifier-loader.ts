import type { ArtifactStore } from '../adapters/artifacts/artifact-store.ts';
import { deserializeClassifier } from '../core/model/artifact.ts';
import type { LoadClassifier } from './model-cache.ts';

/** Loads a version's classifier from its content-addressed artifact (checked against its hash on read). */
export function classifierFromArtifacts(artifacts: ArtifactStore): LoadClassifier {
  return async (version) => {
    const classifier = deserializeClassifier(await artifacts.get(version.artifactSha256));
    const labels = classifier.model.labels;
    // Feedback is checked against the registry's labels: they must be the labels the model answers with.
    if (labels.length !== version.labels.length || labels.some((label, i) => label !== version.labels[i])) {
      throw new Error(
        `model version ${version.id}: artifact labels [${labels.join(', ')}] differ from the registry's [${version.labels.join(', ')}]`,
      );
    }
    return classifier;
  };
}
