import type { ArtifactStore } from '../adapters/artifacts/artifact-store.ts';
import { modelKinds } from '../adapters/models/model-kinds.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import type { VocabularyMeter } from '../core/monitor/out-of-vocabulary.ts';

/**
 * Vocabulary meters of registered model versions, each read from its artifact once. The monitor measures
 * its window's out-of-vocabulary rate with these, and mining its drifted inputs: one measure for both,
 * so a cycle mines as drifted what the monitor counted as unfamiliar.
 */
export class VocabularyMeters {
  private readonly meters = new Map<string, Promise<VocabularyMeter | null>>();
  private readonly deps: { store: FlywheelStore; artifacts: ArtifactStore };

  constructor(deps: { store: FlywheelStore; artifacts: ArtifactStore }) {
    this.deps = deps;
  }

  /** The meter of a version; null when the registry no longer knows it or its kind has none (ONNX). */
  of(versionId: string): Promise<VocabularyMeter | null> {
    let meter = this.meters.get(versionId);
    if (!meter) {
      meter = this.load(versionId);
      this.meters.set(versionId, meter);
    }
    return meter;
  }

  /** Keeps a meter already built by the caller (the monitor has its champion loaded anyway). */
  remember(versionId: string, meter: VocabularyMeter | null): void {
    this.meters.set(versionId, Promise.resolve(meter));
  }

  /**
   * The out-of-vocabulary rate of each served prediction, measured against the version that answered it:
   * an input unfamiliar to that model is the one its answer is least to be trusted on. Shadow rows are
   * skipped (mining takes their served twin), and so are texts without words and versions gone from the
   * registry: an unmeasured prediction is simply not a drifted-input candidate.
   */
  async rates(predictions: readonly PredictionRecord[]): Promise<Record<string, number>> {
    const rates: Record<string, number> = {};
    for (const prediction of predictions) {
      if (prediction.variant === 'shadow') continue;
      const meter = await this.of(prediction.modelVersion);
      const rate = meter?.rate(prediction.text) ?? null;
      if (rate !== null) rates[prediction.id] = rate;
    }
    return rates;
  }

  private async load(versionId: string): Promise<VocabularyMeter | null> {
    const version = await this.deps.store.models.get(versionId);
    if (!version) return null;
    const predictor = await modelKinds.load(await this.deps.artifacts.get(version.artifactSha256));
    return predictor.vocabularyMeter();
  }
}
