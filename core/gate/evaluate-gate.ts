import type { ChangeThreshold, GateConfig, RobustnessConfig, ValueThreshold } from '../cycle/cycle-config.ts';
import { figure, percent, signedFigure, signedPercent } from '../figures/format-figures.ts';
import type {
  EvaluationSummary,
  GateCheck,
  GateVerdict,
  MetricSet,
  SliceMetrics,
} from './evaluation-summary.ts';
import type { EvaluationSet, MetricDirection } from './metric-direction.ts';

/**
 * The evaluation gate: may this candidate go on to rollout?
 *
 * - Value thresholds: levels the candidate must reach on its own.
 * - Change thresholds: candidate vs champion on the same set, absolute or relative, in the metric's
 *   better direction.
 * - Slices (per label, per data group): no slice may regress beyond a bound; small slices are noted,
 *   not judged.
 * - Fix-rate: the share of this cycle's mined mistakes the candidate now gets right.
 * - Robustness: on the holdout rewritten by each perturbation family (look-alike characters, markup,
 *   appended good words…) the candidate may not fall more than a bound below the champion.
 *
 * With no champion (the first model), only value thresholds and the fix-rate apply. A threshold whose
 * metric the candidate lacks fails: an unmeasured model is not blessed. Comparisons the champion
 * cannot support (metric or set missing on its side) are skipped with a note.
 */
export function evaluateGate(
  models: { candidate: EvaluationSummary; champion: EvaluationSummary | null },
  config: GateConfig,
): GateVerdict {
  const { candidate, champion } = models;
  const checks: GateCheck[] = [];
  const notes: string[] = [];

  for (const threshold of config.valueThresholds) {
    const check = valueCheck(candidate, threshold);
    if (typeof check === 'string') notes.push(check);
    else checks.push(check);
  }

  if (champion === null) {
    if (config.changeThresholds.length > 0 || candidate.slices.length > 0) {
      notes.push('no champion: change and slice checks skipped');
    }
  } else {
    for (const threshold of config.changeThresholds) {
      const check = changeCheck(candidate, champion, threshold);
      if (typeof check === 'string') notes.push(check);
      else checks.push(check);
    }
    sliceChecks(candidate.slices, champion.slices, config.slices, checks, notes);
    robustnessChecks(candidate, champion, config.robustness, checks, notes);
  }

  const fixRate = fixRateCheck(candidate, config);
  if (typeof fixRate === 'string') notes.push(fixRate);
  else if (fixRate !== null) checks.push(fixRate);

  const failed = checks.filter((check) => !check.passed);
  return {
    passed: failed.length === 0,
    reasons: (failed.length > 0 ? failed : checks).map((check) => check.detail),
    checks,
    notes,
  };
}

/**
 * Metrics are ratios of counts; 0.94 − 0.95 is −0.010000000000000009 in floating point. Comparisons allow
 * this much so that a figure exactly at its threshold passes, as it reads.
 */
const FLOAT_SLACK = 1e-9;

function metricsOf(summary: EvaluationSummary, set: EvaluationSet): MetricSet | null {
  return set === 'holdout' ? summary.holdout : summary.golden;
}

function isBetterOrEqual(value: number, threshold: number, direction: MetricDirection): boolean {
  return direction === 'higher-is-better'
    ? value >= threshold - FLOAT_SLACK
    : value <= threshold + FLOAT_SLACK;
}

function valueCheck(candidate: EvaluationSummary, threshold: ValueThreshold): GateCheck | string {
  const label = `${threshold.on} ${threshold.metric}`;
  const sign = threshold.direction === 'higher-is-better' ? '≥' : '≤';
  const name = `value:${threshold.on}.${threshold.metric}`;
  const metrics = metricsOf(candidate, threshold.on);
  if (metrics === null)
    return `${label} ${sign} ${figure(threshold.threshold)} not checked: no ${threshold.on} set yet`;
  const value = metrics[threshold.metric];
  if (value === undefined) {
    return {
      name,
      kind: 'value',
      value: null,
      threshold: threshold.threshold,
      passed: false,
      detail: `${label} was not measured for the candidate (required ${sign} ${figure(threshold.threshold)})`,
    };
  }
  const passed = isBetterOrEqual(value, threshold.threshold, threshold.direction);
  return {
    name,
    kind: 'value',
    value,
    threshold: threshold.threshold,
    passed,
    detail: `${label} ${figure(value)} ${passed ? 'meets' : 'misses'} the threshold ${sign} ${figure(threshold.threshold)}`,
  };
}

function changeCheck(
  candidate: EvaluationSummary,
  champion: EvaluationSummary,
  threshold: ChangeThreshold,
): GateCheck | string {
  const label = `${threshold.on} ${threshold.metric}`;
  const name = `change:${threshold.on}.${threshold.metric}:${threshold.kind}`;
  const candidateMetrics = metricsOf(candidate, threshold.on);
  if (candidateMetrics === null) return `${label} change not checked: no ${threshold.on} set yet`;
  const candidateValue = candidateMetrics[threshold.metric];
  const championValue = metricsOf(champion, threshold.on)?.[threshold.metric];
  if (candidateValue === undefined) {
    return {
      name,
      kind: 'change',
      value: null,
      threshold: threshold.minChange,
      passed: false,
      detail: `${label} was not measured for the candidate, so its change vs the champion is unknown`,
    };
  }
  if (championValue === undefined) return `${label} change not checked: the champion has no ${label}`;
  if (threshold.kind === 'relative' && championValue === 0) {
    return `${label} relative change not checked: the champion's value is 0`;
  }
  const difference = candidateValue - championValue;
  const raw = threshold.kind === 'absolute' ? difference : difference / Math.abs(championValue);
  // Counted in the better direction, so that minChange reads the same for accuracy and for error rates.
  const improvement = threshold.direction === 'higher-is-better' ? raw : -raw;
  const accepted = acceptedChange(threshold, candidateMetrics.size);
  const passed = improvement >= accepted - FLOAT_SLACK;
  const shown = threshold.kind === 'absolute' ? signedFigure : signedPercent;
  const direction = threshold.direction === 'higher-is-better' ? '' : ' (lower is better)';
  return {
    name,
    kind: 'change',
    value: improvement,
    threshold: accepted,
    passed,
    detail:
      `${label} change vs champion ${shown(improvement)}${direction} ` +
      `(${figure(candidateValue)} vs ${figure(championValue)}, ${threshold.kind}) ` +
      `${passed ? 'within' : 'below'} the accepted ${shown(accepted)}` +
      (accepted === threshold.minChange
        ? ''
        : ` (${threshold.toleratedItems} of ${size(candidateMetrics)} items; ${shown(threshold.minChange)} as a share)`),
  };
}

/**
 * The threshold's minChange, or the change worth `toleratedItems` items of the set when that is more lenient.
 * Only absolute changes have an item's worth (1 / size); reports without a set size keep minChange.
 */
function acceptedChange(threshold: ChangeThreshold, setSize: number | undefined): number {
  const items = threshold.toleratedItems ?? 0;
  if (items === 0 || threshold.kind !== 'absolute' || !setSize) return threshold.minChange;
  return Math.min(threshold.minChange, -items / setSize);
}

function size(metrics: MetricSet): number {
  return metrics.size ?? 0;
}

function sliceChecks(
  candidateSlices: readonly SliceMetrics[],
  championSlices: readonly SliceMetrics[],
  config: GateConfig['slices'],
  checks: GateCheck[],
  notes: string[],
): void {
  const championByKey = new Map(championSlices.map((slice) => [`${slice.kind}=${slice.name}`, slice]));
  const ordered = [...candidateSlices].sort((a, b) =>
    a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1,
  );
  for (const slice of ordered) {
    const key = `${slice.kind}=${slice.name}`;
    const label = `slice ${key} ${config.metric}`;
    const championSlice = championByKey.get(key);
    const candidateValue = slice.metrics[config.metric];
    const championValue = championSlice?.metrics[config.metric];
    if (championSlice === undefined || championValue === undefined) {
      notes.push(`${label} not compared: the champion has no such slice`);
      continue;
    }
    if (slice.size < config.minSize) {
      notes.push(`${label} not judged: ${slice.size} items < ${config.minSize}`);
      continue;
    }
    if (candidateValue === undefined) {
      checks.push({
        name: `slice:${key}.${config.metric}`,
        kind: 'slice',
        value: null,
        threshold: config.maxRegression,
        passed: false,
        detail: `${label} was not measured for the candidate`,
      });
      continue;
    }
    // Positive = the candidate is worse on this slice.
    const regression =
      config.direction === 'higher-is-better'
        ? championValue - candidateValue
        : candidateValue - championValue;
    const passed = regression <= config.maxRegression + FLOAT_SLACK;
    checks.push({
      name: `slice:${key}.${config.metric}`,
      kind: 'slice',
      value: regression,
      threshold: config.maxRegression,
      passed,
      detail:
        `${label} ${figure(candidateValue)} vs champion ${figure(championValue)} (${slice.size} items): ` +
        (regression > 0
          ? `regression ${figure(regression)} ${passed ? 'within' : 'beyond'} the bound ${figure(config.maxRegression)}`
          : 'no regression'),
    });
  }
}

/** On each perturbed holdout the candidate may fall at most the family's bound below the champion. */
function robustnessChecks(
  candidate: EvaluationSummary,
  champion: EvaluationSummary,
  config: RobustnessConfig,
  checks: GateCheck[],
  notes: string[],
): void {
  if (config.families.length === 0) return;
  if (candidate.robustness === undefined) {
    notes.push('robustness not checked: the candidate was measured on no perturbed holdout');
    return;
  }
  const championByFamily = new Map((champion.robustness ?? []).map((figure) => [figure.family, figure]));
  for (const family of config.families) {
    const label = `robustness ${family} accuracy`;
    const bound = config.bounds[family] ?? config.maxDropBelowChampion;
    const mine = candidate.robustness.find((figure) => figure.family === family);
    const theirs = championByFamily.get(family);
    if (mine === undefined) {
      checks.push({
        name: `robustness:${family}`,
        kind: 'robustness',
        value: null,
        threshold: bound,
        passed: false,
        detail: `${label} was not measured for the candidate`,
      });
      continue;
    }
    if (theirs === undefined) {
      notes.push(`${label} not compared: the champion was not measured on it`);
      continue;
    }
    if (mine.size === 0) {
      notes.push(`${label} not judged: empty holdout`);
      continue;
    }
    const drop = theirs.accuracy - mine.accuracy;
    const passed = drop <= bound + FLOAT_SLACK;
    checks.push({
      name: `robustness:${family}`,
      kind: 'robustness',
      value: drop,
      threshold: bound,
      passed,
      detail:
        `${label} ${figure(mine.accuracy)} vs champion ${figure(theirs.accuracy)} (${mine.size} items): ` +
        (drop > 0
          ? `drop ${figure(drop)} ${passed ? 'within' : 'beyond'} the bound ${figure(bound)}`
          : 'no drop'),
    });
  }
}

function fixRateCheck(candidate: EvaluationSummary, config: GateConfig): GateCheck | string | null {
  if (config.minFixRate === null) return null;
  const mistakes = candidate.minedMistakes;
  if (mistakes === null || mistakes.total === 0) return 'fix-rate not checked: no mined mistakes this cycle';
  if (mistakes.total < config.minFixRateItems) {
    return `fix-rate not judged: ${mistakes.total} mined mistakes < ${config.minFixRateItems}`;
  }
  const rate = mistakes.fixed / mistakes.total;
  const passed = rate >= config.minFixRate - FLOAT_SLACK;
  return {
    name: 'fix-rate',
    kind: 'fix-rate',
    value: rate,
    threshold: config.minFixRate,
    passed,
    detail:
      `fix-rate ${percent(rate)} (${mistakes.fixed} of ${mistakes.total} mined mistakes now right) ` +
      `${passed ? 'meets' : 'misses'} the minimum ${percent(config.minFixRate)}`,
  };
}
