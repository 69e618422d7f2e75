import { vocabularyMeter } from '../monitor/out-of-vocabulary.ts';
import { ARTIFACT_FORMAT, ArtifactError, deserializeClassifier } from './artifact.ts';
import type { TextClassifier } from './linear-model.ts';
import { type ModelKind, ModelKindError, type ModelPredictor } from './model-kind.ts';

/** The built-in text classifier as a predictor. */
export function builtinPredictor(classifier: TextClassifier): ModelPredictor {
  return {
    format: ARTIFACT_FORMAT,
    labels: classifier.model.labels,
    input: { kind: 'hashed-ngrams', features: classifier.model.features },
    predictBatch: async (texts) => texts.map((text) => classifier.predict(text)),
    vocabularyMeter: () => vocabularyMeter(classifier.model),
  };
}

/** `flywheel.text-classifier/v1`: hashed n-grams and a linear layer, JSON (core/model/artifact.ts). */
export const builtinKind: ModelKind = {
  format: ARTIFACT_FORMAT,
  // JSON documents whose first key is the format; anything else JSON-looking is left to load's message.
  recognizes: (artifact) => artifact[0] === 0x7b,
  async load(artifact) {
    try {
      return builtinPredictor(deserializeClassifier(artifact));
    } catch (error) {
      if (error instanceof ArtifactError) throw new ModelKindError(error.message);
      throw error;
    }
  },
};
