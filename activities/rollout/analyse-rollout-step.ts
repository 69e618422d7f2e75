import type { PredictionRecord } from '../../core/capture/records.ts';
import { analyseRolloutStep } from '../../core/rollout/analyse-step.ts';
import { summarizeStepWindow } from '../../core/rollout/step-window.ts';
import { invalidInput, notFound } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';
import type { AnalyseStepInput, AnalyseStepResult, TimeWindow } from './contracts.ts';

/**
 * The online analysis of one step: the traffic the gateways captured in the step's window, split into
 * the candidate's and the champion's arms with their users' feedback, judged by core/rollout. Read-only
 * but for its audit line, so a retry or an abandoned attempt is harmless.
 */
export function analyseRolloutStepActivity({ store }: ActivityDeps) {
  return async function analyseRolloutStepOnce(input: AnalyseStepInput): Promise<AnalyseStepResult> {
    // An open window ends now; never before it starts, whatever the two clocks say.
    const window: TimeWindow = {
      from: input.window.from,
      to: input.window.to ?? Math.max(input.window.from, Date.now()),
    };
    if (window.to < window.from) {
      throw invalidInput(`step window ends (${window.to}) before it starts (${window.from})`);
    }
    const candidate = await store.models.get(input.candidateVersion);
    if (!candidate) throw notFound(`candidate ${input.candidateVersion} is not in the registry`);
    const labels = candidate.labels;

    // Only this rollout's two versions: traffic of an earlier state still draining from gateway caches,
    // or of another version, is not this step's evidence.
    const ofThisRollout = (p: PredictionRecord) =>
      p.variant === 'champion'
        ? p.modelVersion === input.championVersion
        : p.modelVersion === input.candidateVersion;
    const windowTraffic = async (window: TimeWindow) => {
      const predictions = (await store.predictions.listBetween(input.model, window.from, window.to)).filter(
        ofThisRollout,
      );
      const served = predictions.filter((p) => p.variant !== 'shadow').map((p) => p.id);
      return { predictions, feedback: await store.feedback.listForPredictions(served) };
    };

    const current = await windowTraffic(window);
    let figures = summarizeStepWindow(input.step.mode, current.predictions, current.feedback, labels);
    if (input.baselineWindow) {
      const baseline = await windowTraffic(input.baselineWindow);
      figures = {
        ...figures,
        champion: summarizeStepWindow('canary', baseline.predictions, baseline.feedback, labels).champion,
      };
    }
    const analysis = analyseRolloutStep(figures, input.rollout);
    await store.audit.append({
      at: Date.now(),
      model: input.model,
      cycleId: input.cycleId,
      kind: 'rollout-analysis',
      actor: 'rollout-analysis',
      details: {
        rolloutId: input.rolloutId,
        step: input.step.name,
        stepIndex: input.step.index,
        championVersion: input.championVersion,
        candidateVersion: input.candidateVersion,
        window,
        baselineWindow: input.baselineWindow,
        verdict: analysis.verdict,
        reasons: analysis.reasons,
        notes: analysis.notes,
        checks: analysis.checks,
        figures,
      },
    });
    return { ...analysis, figures, window };
  };
}
