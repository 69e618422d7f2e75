import { analyseRolloutStep } from '../../core/rollout/analyse-step.ts';
import type { StepWindow } from '../../core/rollout/step-window.ts';
import { invalidInput, notFound } from '../activity-errors.ts';
import { activityAuditKey } from '../audit-key.ts';
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
    // The tally needs no label list (a label the model lacks counts as wrong, like any other), but a
    // step of an unknown candidate is a mistake worth stopping on.
    const candidate = await store.models.get(input.candidateVersion);
    if (!candidate) throw notFound(`candidate ${input.candidateVersion} is not in the registry`);

    // Only this rollout's two versions: traffic of an earlier state still draining from gateway caches,
    // or of another version, is not this step's evidence. The store aggregates the window (counts,
    // feedback tally, latency percentiles, shadow comparison), so no prediction is loaded here.
    const windowFigures = (window: TimeWindow, mode: StepWindow['mode']) =>
      store.predictions.stepWindow({
        model: input.model,
        from: window.from,
        to: window.to,
        mode,
        championVersion: input.championVersion,
        candidateVersion: input.candidateVersion,
      });

    let figures = await windowFigures(window, input.step.mode);
    if (input.baselineWindow) {
      const baseline = await windowFigures(input.baselineWindow, 'canary');
      figures = { ...figures, champion: baseline.champion };
    }
    const analysis = analyseRolloutStep(figures, input.rollout);
    await store.audit.append(
      {
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
      },
      activityAuditKey(),
    );
    return { ...analysis, figures, window };
  };
}
