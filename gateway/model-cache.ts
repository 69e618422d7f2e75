import type { ModelRegistry } from '../adapters/store/store.ts';
import type { ModelVersion } from '../core/registry/model-version.ts';
import { GatewayError } from './errors.ts';

/** What the gateway needs of a classifier, whatever its kind (core/model/model-kind.ts). */
export interface ServingClassifier {
  predict(text: string): Promise<{ label: string; confidence: number; scores: Record<string, number> }>;
}

/** Turns a registered version into a classifier ready to predict (reads and deserializes its artifact). */
export type LoadClassifier = (version: ModelVersion) => Promise<ServingClassifier>;

export interface LoadedModel {
  version: ModelVersion;
  classifier: ServingClassifier;
}

/** Champion, candidate and a previous champion or two: enough to never reload during a rollout. */
const DEFAULT_MAX_VERSIONS = 8;

/**
 * Deserialized classifiers by version id. A version is loaded once however many requests ask for it at
 * the same time; a failed load is forgotten so the next request tries again.
 */
export class ModelCache {
  readonly #registry: ModelRegistry;
  readonly #load: LoadClassifier;
  readonly #maxVersions: number;
  readonly #loaded = new Map<string, Promise<LoadedModel>>();

  constructor(registry: ModelRegistry, load: LoadClassifier, maxVersions = DEFAULT_MAX_VERSIONS) {
    this.#registry = registry;
    this.#load = load;
    this.#maxVersions = maxVersions;
  }

  get(versionId: string): Promise<LoadedModel> {
    const cached = this.#loaded.get(versionId);
    if (cached) {
      // Re-inserting keeps the map in least-recently-used order.
      this.#loaded.delete(versionId);
      this.#loaded.set(versionId, cached);
      return cached;
    }
    const loading = this.#loadVersion(versionId);
    this.#loaded.set(versionId, loading);
    loading.catch(() => {
      if (this.#loaded.get(versionId) === loading) this.#loaded.delete(versionId);
    });
    if (this.#loaded.size > this.#maxVersions) {
      const eldest = this.#loaded.keys().next().value;
      if (eldest !== undefined) this.#loaded.delete(eldest);
    }
    return loading;
  }

  async #loadVersion(versionId: string): Promise<LoadedModel> {
    const version = await this.#registry.get(versionId);
    if (!version) {
      throw new GatewayError(503, 'model_unavailable', `model version ${versionId} is not in the registry`);
    }
    try {
      return { version, classifier: await this.#load(version) };
    } catch (err) {
      throw new GatewayError(
        503,
        'model_unavailable',
        `model version ${versionId} could not be loaded`,
        undefined,
        {
          cause: err,
        },
      );
    }
  }
}
