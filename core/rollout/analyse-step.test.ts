import { describe, expect, it } from 'vitest';
import { defaultCycleConfig, RolloutConfig } from '../cycle/cycle-config.ts';
import { feedback, prediction } from '../mining/test-records.ts';
import { analyseRolloutStep } from './analyse-step.ts';
import { type ArmFigures, percentile, type StepWindow, summarizeStepWindow } from './step-window.ts';

const rollout = defaultCycleConfig().rollout;

function arm(overrides: Partial<ArmFigures> = {}): ArmFigures {
  return {
    predictions: 1000,
    feedback: { rated: 100, negative: 3 },
    latencyP50Ms: 20,
    latencyP99Ms: 120,
    ...overrides,
  };
}

function canary(candidate: Partial<ArmFigures> = {}, champion: Partial<ArmFigures> = {}): StepWindow {
  return { mode: 'canary', candidate: arm(candidate), champion: arm(champion), shadow: null };
}

describe('percentile', () => {
  it('uses the nearest rank', () => {
    // 1..100: p50 is the 50th value, p99 the 99th; 1..10: p99 is the 10th (ceil(9.9)).
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 99)).toBe(10);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('summarizeStepWindow', () => {
  it('splits canary traffic into arms with their own feedback and latency', () => {
    const predictions = [
      prediction({ id: 'c1', variant: 'canary', latencyMs: 30 }),
      prediction({ id: 'c2', variant: 'canary', latencyMs: 50 }),
      prediction({ id: 'h1', variant: 'champion', latencyMs: 10 }),
    ];
    const window = summarizeStepWindow('canary', predictions, [feedback('c1', 'incorrect')], ['ham', 'spam']);
    expect(window.candidate).toEqual({
      predictions: 2,
      feedback: { rated: 1, negative: 1 },
      latencyP50Ms: 30,
      latencyP99Ms: 50,
    });
    expect(window.champion.predictions).toBe(1);
    expect(window.shadow).toBeNull();
  });

  it('counts shadow twins that disagree with the served answer', () => {
    const predictions = [
      prediction({ id: 'a', label: 'ham' }),
      prediction({ id: 'b', label: 'spam' }),
      prediction({ id: 'c', label: 'ham' }),
      prediction({ id: 'sa', variant: 'shadow', label: 'spam', servedPredictionId: 'a' }),
      prediction({ id: 'sb', variant: 'shadow', label: 'spam', servedPredictionId: 'b' }),
    ];
    const window = summarizeStepWindow('shadow', predictions, [], ['ham', 'spam']);
    expect(window.shadow).toEqual({ compared: 2, disagreements: 1 });
    expect(window.candidate.predictions).toBe(2);
    expect(window.champion.predictions).toBe(3);
  });
});

describe('analyseRolloutStep', () => {
  it('passes a candidate within every bound, with figures', () => {
    const analysis = analyseRolloutStep(
      canary({ feedback: { rated: 100, negative: 4 }, latencyP50Ms: 22 }),
      rollout,
    );
    expect(analysis.verdict).toBe('success');
    expect(analysis.reasons).toEqual([
      'traffic: candidate 1000, champion 1000 predictions (≥ 200 each)',
      'feedback error rate 4% vs champion 3% (+0.01, +33.33%): within bounds (fails only beyond +0.02 and +25%)',
      'latency p50 22ms vs champion 20ms (+2ms, +10%): within bounds (fails only beyond +10ms and +25%)',
      'latency p99 120ms vs champion 120ms (0ms, 0%): within bounds (fails only beyond +50ms and +50%)',
    ]);
  });

  it('fails when a metric breaches both its absolute and its relative bound', () => {
    const analysis = analyseRolloutStep(canary({ feedback: { rated: 100, negative: 8 } }), rollout);
    expect(analysis.verdict).toBe('failure');
    expect(analysis.reasons).toEqual([
      'feedback error rate 8% vs champion 3% (+0.05, +166.67%): beyond +0.02 and +25%',
    ]);
  });

  it('does not fail a large relative rise that is small in absolute terms', () => {
    // 0.5% → 1.5% is +200% but only +0.01.
    const analysis = analyseRolloutStep(
      canary({ feedback: { rated: 200, negative: 3 } }, { feedback: { rated: 200, negative: 1 } }),
      rollout,
    );
    expect(analysis.verdict).toBe('success');
  });

  it('fails on latency when only an absolute bound is set and it is exceeded', () => {
    const config = RolloutConfig.parse({
      bounds: { latencyP99Ms: { maxAbsoluteIncrease: 30, maxRelativeIncrease: null } },
    });
    const analysis = analyseRolloutStep(canary({ latencyP99Ms: 160 }), config);
    expect(analysis.verdict).toBe('failure');
    expect(analysis.reasons).toEqual(['latency p99 160ms vs champion 120ms (+40ms, +33.33%): beyond +30ms']);
  });

  it('is inconclusive, never a pass, with too little traffic', () => {
    const analysis = analyseRolloutStep(canary({ predictions: 40 }), rollout);
    expect(analysis.verdict).toBe('inconclusive');
    expect(analysis.reasons).toEqual([
      'too little traffic to judge: candidate 40, champion 1000 predictions (need 200 each)',
    ]);
  });

  it('notes sparse feedback, or is inconclusive when feedback is required', () => {
    const sparse = canary({ feedback: { rated: 5, negative: 5 } });
    const lenient = analyseRolloutStep(sparse, rollout);
    expect(lenient.verdict).toBe('success');
    expect(lenient.notes).toEqual([
      'feedback error rate: candidate 5, champion 100 rated predictions (need 30 each); not judged',
    ]);
    const strict = analyseRolloutStep(sparse, { ...rollout, requireFeedback: true });
    expect(strict.verdict).toBe('inconclusive');
    expect(strict.reasons).toEqual([
      'feedback error rate: candidate 5, champion 100 rated predictions (need 30 each)',
    ]);
  });

  it('judges a shadow step on disagreement and latency', () => {
    const shadow = (disagreements: number, compared = 1000): StepWindow => ({
      mode: 'shadow',
      candidate: arm({ feedback: { rated: 0, negative: 0 } }),
      champion: arm(),
      shadow: { compared, disagreements },
    });
    expect(analyseRolloutStep(shadow(80), rollout).verdict).toBe('success');
    const failed = analyseRolloutStep(shadow(200), rollout);
    expect(failed.verdict).toBe('failure');
    expect(failed.reasons).toEqual(['shadow disagreement 20% (200 of 1000) beyond the bound 15%']);
    expect(analyseRolloutStep(shadow(0, 50), rollout).verdict).toBe('inconclusive');
  });

  it('treats any rise from a champion at zero as unbounded in relative terms', () => {
    const analysis = analyseRolloutStep(
      canary({ feedback: { rated: 100, negative: 3 } }, { feedback: { rated: 100, negative: 0 } }),
      rollout,
    );
    expect(analysis.verdict).toBe('failure');
    expect(analysis.reasons).toEqual([
      'feedback error rate 3% vs champion 0% (+0.03, from 0): beyond +0.02 and +25%',
    ]);
  });
});
