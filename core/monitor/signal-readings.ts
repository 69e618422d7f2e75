import { chiSquareHomogeneity } from '../drift/chi-square.ts';
import { kolmogorovSmirnovPValue, kolmogorovSmirnovStatistic } from '../drift/kolmogorov-smirnov.ts';
import { categoricalStabilityIndex, populationStabilityIndex } from '../drift/population-stability.ts';
import { figure, percent, signedFigure } from '../figures/format-figures.ts';
import type { MonitorPolicy } from './monitor-policy.ts';
import type { MonitorSignal } from './monitor-state.ts';
import type { WindowSummary } from './window-summary.ts';

/** One signal on one check: whether it could be judged, whether it fired, the figures and a readable line. */
export interface SignalReading {
  signal: MonitorSignal;
  judged: boolean;
  fired: boolean;
  figures: Record<string, number | null>;
  detail: string;
}

/**
 * Reads every signal of the current window against the reference window (null: none yet, so drift
 * cannot be judged) and the edge-case backlog.
 */
export function readSignals(
  reference: WindowSummary | null,
  current: WindowSummary,
  backlog: number,
  policy: MonitorPolicy,
): SignalReading[] {
  const drift = driftComparable(reference, current, policy);
  return [
    typeof drift === 'string' ? notJudged('label-mix-drift', drift) : labelMix(drift, current, policy),
    typeof drift === 'string'
      ? notJudged('confidence-drift', drift)
      : numericDrift(
          'confidence-drift',
          'confidence',
          drift.confidenceSketch,
          current.confidenceSketch,
          drift,
          current,
          policy,
        ),
    typeof drift === 'string'
      ? notJudged('text-length-drift', drift)
      : numericDrift(
          'text-length-drift',
          'text length',
          drift.textLengthSketch,
          current.textLengthSketch,
          drift,
          current,
          policy,
        ),
    typeof drift === 'string' ? notJudged('oov-rise', drift) : oovRise(drift, current, policy),
    feedbackErrorRate(reference, current, policy),
    edgeCaseBacklog(backlog, policy),
  ];
}

function driftComparable(
  reference: WindowSummary | null,
  current: WindowSummary,
  policy: MonitorPolicy,
): WindowSummary | string {
  if (reference === null) return 'no reference window yet';
  if (reference.predictions < policy.minWindowPredictions) {
    return `${reference.predictions} predictions in the reference window < ${policy.minWindowPredictions}`;
  }
  if (current.predictions < policy.minWindowPredictions) {
    return `${current.predictions} predictions in the current window < ${policy.minWindowPredictions}`;
  }
  return reference;
}

function notJudged(signal: MonitorSignal, why: string): SignalReading {
  return { signal, judged: false, fired: false, figures: {}, detail: `${signal} not judged: ${why}` };
}

function shiftDetail(
  what: string,
  psi: number,
  testName: string,
  pValue: number,
  policy: MonitorPolicy,
): string {
  return (
    `${what} PSI ${figure(psi)} (${psi >= policy.maxPsi ? '≥' : '<'} ${figure(policy.maxPsi)}), ` +
    `${testName} p ${figure(pValue)} (${pValue < policy.significance ? '<' : '≥'} ${figure(policy.significance)})`
  );
}

function labelMix(reference: WindowSummary, current: WindowSummary, policy: MonitorPolicy): SignalReading {
  const psi = categoricalStabilityIndex(reference.labelCounts, current.labelCounts);
  const test = chiSquareHomogeneity(reference.labelCounts, current.labelCounts);
  return {
    signal: 'label-mix-drift',
    judged: true,
    fired: psi >= policy.maxPsi && test.pValue < policy.significance,
    figures: { psi, chiSquare: test.statistic, degreesOfFreedom: test.degreesOfFreedom, pValue: test.pValue },
    detail: `label-mix-drift: ${shiftDetail('predicted-label mix', psi, 'chi-square', test.pValue, policy)}`,
  };
}

function numericDrift(
  signal: MonitorSignal,
  what: string,
  referenceSketch: readonly number[],
  currentSketch: readonly number[],
  reference: WindowSummary,
  current: WindowSummary,
  policy: MonitorPolicy,
): SignalReading {
  const psi = populationStabilityIndex(referenceSketch, currentSketch).psi;
  const statistic = kolmogorovSmirnovStatistic(referenceSketch, currentSketch);
  const pValue = kolmogorovSmirnovPValue(statistic, reference.predictions, current.predictions);
  return {
    signal,
    judged: true,
    fired: psi >= policy.maxPsi && pValue < policy.significance,
    figures: { psi, ksStatistic: statistic, pValue },
    detail: `${signal}: ${shiftDetail(what, psi, `KS D ${figure(statistic)},`, pValue, policy)}`,
  };
}

function oovRise(reference: WindowSummary, current: WindowSummary, policy: MonitorPolicy): SignalReading {
  if (reference.meanOovRate === null || current.meanOovRate === null) {
    return notJudged('oov-rise', 'out-of-vocabulary rates not measured');
  }
  const increase = current.meanOovRate - reference.meanOovRate;
  const fired = increase >= policy.maxOovRateIncrease;
  return {
    signal: 'oov-rise',
    judged: true,
    fired,
    figures: { reference: reference.meanOovRate, current: current.meanOovRate, increase },
    detail:
      `oov-rise: mean out-of-vocabulary rate ${percent(current.meanOovRate)} vs ${percent(reference.meanOovRate)} ` +
      `(${signedFigure(increase)}, ${fired ? '≥' : '<'} ${figure(policy.maxOovRateIncrease)})`,
  };
}

function feedbackErrorRate(
  reference: WindowSummary | null,
  current: WindowSummary,
  policy: MonitorPolicy,
): SignalReading {
  const { rated, negative } = current.feedback;
  if (rated < policy.minFeedback) {
    return notJudged('feedback-error-rate', `${rated} rated predictions < ${policy.minFeedback}`);
  }
  const rate = negative / rated;
  const referenceRate =
    reference !== null && reference.feedback.rated >= policy.minFeedback
      ? reference.feedback.negative / reference.feedback.rated
      : null;
  const tooHigh = rate >= policy.maxFeedbackErrorRate;
  const rose = referenceRate !== null && rate - referenceRate >= policy.maxFeedbackErrorRateIncrease;
  const parts = [
    `${percent(rate)} of ${rated} rated predictions called wrong (${tooHigh ? '≥' : '<'} ${percent(policy.maxFeedbackErrorRate)})`,
  ];
  if (referenceRate !== null) {
    parts.push(
      `${signedFigure(rate - referenceRate)} vs the reference ${percent(referenceRate)} ` +
        `(${rose ? '≥' : '<'} +${figure(policy.maxFeedbackErrorRateIncrease)})`,
    );
  }
  return {
    signal: 'feedback-error-rate',
    judged: true,
    fired: tooHigh || rose,
    figures: { rate, rated, referenceRate },
    detail: `feedback-error-rate: ${parts.join(', ')}`,
  };
}

function edgeCaseBacklog(backlog: number, policy: MonitorPolicy): SignalReading {
  const fired = backlog >= policy.backlogThreshold;
  return {
    signal: 'edge-case-backlog',
    judged: true,
    fired,
    figures: { backlog },
    detail: `edge-case-backlog: ${backlog} mined edge cases waiting (${fired ? '≥' : '<'} ${policy.backlogThreshold})`,
  };
}
