import { modelKinds } from '../../adapters/models/model-kinds.ts';
import type { DatasetItem } from '../../core/datasets/dataset.ts';
import { summarizeModel } from '../../core/evaluation/summarize-model.ts';
import { evaluateGate } from '../../core/gate/evaluate-gate.ts';
import { labelsOf, type ModelPredictor } from '../../core/model/model-kind.ts';
import { contentIdOf } from '../../core/review/batch-items.ts';
import { perturbHoldout } from '../../core/robustness/perturbed-holdout.ts';
import { notFound } from '../activity-errors.ts';
import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { EvaluateInput, EvaluateResult } from './contracts.ts';
import { heartbeating } from './heartbeating.ts';

/** Texts scored between two heartbeats: a batch of this size is a fraction of a second for any kind. */
const SCORED_PER_BEAT = 500;

/**
 * The gate: candidate and champion measured on the same holdout, golden set, slices, this cycle's
 * mined mistakes and the holdout as each perturbation family rewrites it (seeded, so a retry agrees);
 * the verdict persisted as a report, and a blessing recorded when it passes.
 */
export function evaluateCandidateActivity({ store, artifacts, logger }: ActivityDeps) {
  const load = async (versionId: string): Promise<ModelPredictor> => {
    const version = await store.models.get(versionId);
    if (!version) throw notFound(`model version ${versionId} is not in the registry`);
    return modelKinds.load(await artifacts.get(version.artifactSha256));
  };

  return (input: EvaluateInput): Promise<EvaluateResult> =>
    heartbeating((beat) => evaluateCandidate(input, beat));

  async function evaluateCandidate(input: EvaluateInput, beat: () => void): Promise<EvaluateResult> {
    const candidate = await load(input.candidateVersion);
    const champion = input.championVersion ? await load(input.championVersion) : null;
    const holdout = await store.datasets.items(input.datasetId, 'holdout');
    const golden = await store.datasets.items(input.datasetId, 'golden');
    const minedMistakes = await cycleMistakes(input, await store.datasets.items(input.datasetId));
    const labels = candidate.labels;
    const { families, seed } = input.gate.robustness;
    const robustnessStartedAt = performance.now();
    const sets = {
      holdout,
      golden,
      minedMistakes,
      perturbedHoldouts: perturbHoldout(holdout, families, seed),
    };
    // Each model scores every distinct text once, in batches, whatever its kind; the summaries look up.
    const texts = [holdout, golden, minedMistakes, ...sets.perturbedHoldouts.map((set) => set.items)]
      .flat()
      .map((item) => item.text);
    const candidateLabels = await labelsInSteps(candidate, texts, beat);
    const candidateSummary = summarizeModel((text) => candidateLabels.get(text)!, labels, sets);
    const championLabels = champion ? await labelsInSteps(champion, texts, beat) : null;
    const championSummary = championLabels
      ? summarizeModel((text) => championLabels.get(text)!, labels, sets)
      : null;
    const robustnessMs = Math.round(performance.now() - robustnessStartedAt);
    logger.info(
      { cycleId: input.cycleId, families: families.length, robustnessMs },
      'gate measured both models',
    );
    const verdict = evaluateGate({ candidate: candidateSummary, champion: championSummary }, input.gate);

    const reportId = `gate-${input.cycleId}-${input.candidateVersion}`;
    await store.reports.save({
      id: reportId,
      model: input.model,
      candidateVersion: input.candidateVersion,
      championVersion: input.championVersion,
      passed: verdict.passed,
      reasons: verdict.reasons,
      body: { verdict, candidate: candidateSummary, champion: championSummary, datasetId: input.datasetId },
      createdAt: Date.now(),
    });
    if (verdict.passed) await store.models.setBlessing(input.candidateVersion, reportId);
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: verdict.passed ? 'candidate-blessed' : 'candidate-rejected',
        actor: 'gate',
        details: { reportId, candidateVersion: input.candidateVersion, reasons: verdict.reasons },
      },
      activityAuditKey(),
    );
    return {
      reportId,
      passed: verdict.passed,
      reasons: verdict.reasons,
      candidate: candidateSummary.holdout,
      champion: championSummary?.holdout ?? null,
    };
  }

  /**
   * This cycle's corrected mistakes, wherever the split put them: the fix-rate asks whether the candidate
   * learned what it was meant to fix. Most were trained on; whether the fix generalizes is what the
   * golden set (never trained on, growing every cycle) and the holdout measure.
   */
  async function cycleMistakes(input: EvaluateInput, items: DatasetItem[]): Promise<DatasetItem[]> {
    const byId = new Map(items.map((item) => [item.id, item]));
    const mistakes: DatasetItem[] = [];
    for (const review of await store.reviewItems.listByCycle(input.cycleId)) {
      const item = byId.get(contentIdOf(review.id));
      if (!item || review.predictionId === null) continue;
      const served = await store.predictions.get(review.predictionId);
      if (served && served.label !== item.label) mistakes.push(item);
    }
    return mistakes;
  }
}

/** labelsOf, scored SCORED_PER_BEAT distinct texts at a time with a heartbeat after each step. */
async function labelsInSteps(
  predictor: ModelPredictor,
  texts: readonly string[],
  beat: () => void,
): Promise<Map<string, string>> {
  const distinct = [...new Set(texts)];
  const labels = new Map<string, string>();
  for (let from = 0; from < distinct.length; from += SCORED_PER_BEAT) {
    for (const [text, label] of await labelsOf(predictor, distinct.slice(from, from + SCORED_PER_BEAT))) {
      labels.set(text, label);
    }
    beat();
  }
  return labels;
}
