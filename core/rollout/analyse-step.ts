import type { RolloutConfig } from '../cycle/cycle-config.ts';
import { figure, percent, signedFigure, signedPercent } from '../figures/format-figures.ts';
import type { StepVerdict } from './rollout-plan.ts';
import type { ArmFigures, StepWindow } from './step-window.ts';

/** One comparison of a step analysis. `insufficient`: too little data to judge it. */
export interface RolloutCheck {
  name: 'samples' | 'shadow-disagreement' | 'feedback-error-rate' | 'latency-p50' | 'latency-p99';
  candidate: number | null;
  champion: number | null;
  outcome: 'pass' | 'fail' | 'insufficient';
  detail: string;
}

export interface StepAnalysis {
  verdict: StepVerdict;
  reasons: string[];
  checks: RolloutCheck[];
  notes: string[];
}

type Bound = RolloutConfig['bounds']['latencyP50Ms'];

/**
 * The online analysis of one rollout step: the candidate against the champion over the same window.
 *
 * - Too little traffic on either arm → inconclusive, never a pass.
 * - Shadow: the share of shadow answers that differ from the served ones must stay under its bound.
 * - Canary: the feedback error rate (when both arms have enough rated predictions; otherwise
 *   inconclusive if feedback is required, a note if not).
 * - Both: latency p50 and p99.
 * A metric fails when it breaches every bound set for it (see RolloutConfig). Any failure → failure;
 * else anything insufficient → inconclusive; else success.
 */
export function analyseRolloutStep(window: StepWindow, rollout: RolloutConfig): StepAnalysis {
  const notes: string[] = [];
  const samples = sampleCheck(window, rollout);
  if (samples.outcome === 'insufficient') {
    return { verdict: 'inconclusive', reasons: [samples.detail], checks: [samples], notes };
  }
  const checks: RolloutCheck[] = [samples];
  if (window.mode === 'shadow') {
    checks.push(shadowCheck(window, rollout));
  } else {
    const feedback = feedbackCheck(window.candidate, window.champion, rollout);
    if (typeof feedback === 'string') notes.push(feedback);
    else if (feedback.outcome === 'insufficient' && !rollout.requireFeedback)
      notes.push(`${feedback.detail}; not judged`);
    else checks.push(feedback);
  }
  for (const [name, key, bound] of [
    ['latency-p50', 'latencyP50Ms', rollout.bounds.latencyP50Ms],
    ['latency-p99', 'latencyP99Ms', rollout.bounds.latencyP99Ms],
  ] as const) {
    const check = increaseCheck(name, window.candidate[key], window.champion[key], bound, 'ms');
    if (typeof check === 'string') notes.push(check);
    else checks.push(check);
  }

  const failed = checks.filter((c) => c.outcome === 'fail');
  if (failed.length > 0) return { verdict: 'failure', reasons: failed.map((c) => c.detail), checks, notes };
  const insufficient = checks.filter((c) => c.outcome === 'insufficient');
  if (insufficient.length > 0) {
    return { verdict: 'inconclusive', reasons: insufficient.map((c) => c.detail), checks, notes };
  }
  return { verdict: 'success', reasons: checks.map((c) => c.detail), checks, notes };
}

function sampleCheck(window: StepWindow, rollout: RolloutConfig): RolloutCheck {
  const candidate = window.candidate.predictions;
  const champion = window.champion.predictions;
  const enough = candidate >= rollout.minSamples && champion >= rollout.minSamples;
  return {
    name: 'samples',
    candidate,
    champion,
    outcome: enough ? 'pass' : 'insufficient',
    detail: enough
      ? `traffic: candidate ${candidate}, champion ${champion} predictions (≥ ${rollout.minSamples} each)`
      : `too little traffic to judge: candidate ${candidate}, champion ${champion} predictions (need ${rollout.minSamples} each)`,
  };
}

function shadowCheck(window: StepWindow, rollout: RolloutConfig): RolloutCheck {
  const compared = window.shadow?.compared ?? 0;
  const disagreements = window.shadow?.disagreements ?? 0;
  const bound = rollout.bounds.maxShadowDisagreement;
  if (compared < rollout.minSamples) {
    return {
      name: 'shadow-disagreement',
      candidate: null,
      champion: null,
      outcome: 'insufficient',
      detail: `shadow disagreement: only ${compared} served predictions had a shadow twin (need ${rollout.minSamples})`,
    };
  }
  const rate = disagreements / compared;
  const passed = rate <= bound;
  return {
    name: 'shadow-disagreement',
    candidate: rate,
    champion: null,
    outcome: passed ? 'pass' : 'fail',
    detail:
      `shadow disagreement ${percent(rate)} (${disagreements} of ${compared}) ` +
      `${passed ? 'within' : 'beyond'} the bound ${percent(bound)}`,
  };
}

function feedbackCheck(
  candidate: ArmFigures,
  champion: ArmFigures,
  rollout: RolloutConfig,
): RolloutCheck | string {
  const need = rollout.minFeedbackSamples;
  if (candidate.feedback.rated < need || champion.feedback.rated < need) {
    return {
      name: 'feedback-error-rate',
      candidate: null,
      champion: null,
      outcome: 'insufficient',
      detail:
        `feedback error rate: candidate ${candidate.feedback.rated}, champion ${champion.feedback.rated} ` +
        `rated predictions (need ${need} each)`,
    };
  }
  return increaseCheck(
    'feedback-error-rate',
    candidate.feedback.negative / candidate.feedback.rated,
    champion.feedback.negative / champion.feedback.rated,
    rollout.bounds.feedbackErrorRate,
    'rate',
  );
}

/**
 * How much higher (worse) the candidate is than the champion, judged against the absolute and the
 * relative bound. Returns a note instead of a check when it cannot be judged.
 */
function increaseCheck(
  name: RolloutCheck['name'],
  candidate: number | null,
  champion: number | null,
  bound: Bound,
  unit: 'ms' | 'rate',
): RolloutCheck | string {
  const label = name.replace(/-/g, ' ');
  if (candidate === null || champion === null) return `${label} not compared: no measurements on one arm`;
  if (bound.maxAbsoluteIncrease === null && bound.maxRelativeIncrease === null)
    return `${label}: no bounds set`;
  const increase = candidate - champion;
  // Relative to a champion at 0: any increase is infinitely large, none is none.
  const relative = champion > 0 ? increase / champion : increase > 0 ? Number.POSITIVE_INFINITY : 0;
  const breachesAbsolute = bound.maxAbsoluteIncrease === null || increase > bound.maxAbsoluteIncrease;
  const breachesRelative = bound.maxRelativeIncrease === null || relative > bound.maxRelativeIncrease;
  const failed = breachesAbsolute && breachesRelative;
  const show = (value: number) => (unit === 'ms' ? `${figure(value)}ms` : percent(value));
  const showIncrease = unit === 'ms' ? `${signedFigure(increase)}ms` : signedFigure(increase);
  const showRelative = Number.isFinite(relative) ? signedPercent(relative) : 'from 0';
  const limits = [
    bound.maxAbsoluteIncrease === null
      ? null
      : unit === 'ms'
        ? `+${figure(bound.maxAbsoluteIncrease)}ms`
        : `+${figure(bound.maxAbsoluteIncrease)}`,
    bound.maxRelativeIncrease === null ? null : `+${percent(bound.maxRelativeIncrease)}`,
  ]
    .filter((limit) => limit !== null)
    .join(' and ');
  return {
    name,
    candidate,
    champion,
    outcome: failed ? 'fail' : 'pass',
    detail:
      `${label} ${show(candidate)} vs champion ${show(champion)} (${showIncrease}, ${showRelative}): ` +
      (failed ? `beyond ${limits}` : `within bounds (fails only beyond ${limits})`),
  };
}
