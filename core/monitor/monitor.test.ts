import { describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../capture/records.ts';
import { feedback, prediction } from '../mining/test-records.ts';
import { defaultMonitorPolicy, parseMonitorPolicy } from './monitor-policy.ts';
import { initialMonitorState, MonitorState, noteCycleEnded, noteCycleStarted } from './monitor-state.ts';
import { readSignals } from './signal-readings.ts';
import { evaluateMonitorCheck, type MonitorObservation } from './trigger-policy.ts';
import { summarizeWindow, type WindowSummary } from './window-summary.ts';

const LABELS = ['ham', 'spam'];
const HOUR = 3_600_000;
const policy = defaultMonitorPolicy();

/** `count` served predictions: `spamShare` of them spam; confidences spread evenly over [low, 1). */
function traffic(count: number, spamShare: number, low = 0.5, textLength = 200): PredictionRecord[] {
  return Array.from({ length: count }, (_, i) =>
    prediction({
      id: `p${i}-${spamShare}-${low}`,
      label: i < count * spamShare ? 'spam' : 'ham',
      confidence: low + ((1 - low) * ((i * 7919) % count)) / count,
      text: 'x'.repeat(textLength + (i % 50)),
    }),
  );
}

function window(predictions: PredictionRecord[], extra: Partial<WindowSummary> = {}): WindowSummary {
  return {
    ...summarizeWindow({ from: 0, to: 6 * HOUR, predictions, feedback: [], labels: LABELS }),
    ...extra,
  };
}

const steady = window(traffic(1000, 0.3));
const drifted = window(traffic(1000, 0.7, 0.5, 400));

describe('summarizeWindow', () => {
  it('summarises served traffic only, with sketches, OOV mean and the feedback tally', () => {
    const predictions = [
      prediction({ id: 'a', label: 'spam', confidence: 0.9, text: 'abcd' }),
      prediction({ id: 'b', label: 'ham', confidence: 0.6, text: 'ab' }),
      prediction({ id: 'c', label: 'ham', confidence: 0.8, text: 'abc' }),
      prediction({ id: 's', variant: 'shadow', label: 'spam', servedPredictionId: 'a' }),
    ];
    const summary = summarizeWindow({
      from: 10,
      to: 20,
      predictions,
      feedback: [feedback('a', 'incorrect'), feedback('b', 'correct')],
      labels: LABELS,
      oovRates: { a: 0.1, b: 0.3, s: 0.9 },
    });
    expect(summary).toEqual({
      from: 10,
      to: 20,
      predictions: 3,
      labelCounts: { spam: 1, ham: 2 },
      confidenceSketch: [0.6, 0.8, 0.9],
      textLengthSketch: [2, 3, 4],
      meanOovRate: expect.closeTo(0.2, 12),
      feedback: { rated: 2, negative: 1 },
    });
  });
});

describe('readSignals', () => {
  it('sees nothing between two windows of the same traffic', () => {
    const readings = readSignals(steady, window(traffic(1000, 0.3)), 0, policy);
    expect(readings.filter((r) => r.fired)).toEqual([]);
    expect(readings.filter((r) => r.judged).map((r) => r.signal)).toEqual([
      'label-mix-drift',
      'confidence-drift',
      'text-length-drift',
      'edge-case-backlog',
    ]);
  });

  it('fires on a shifted label mix and text length, with figures', () => {
    const readings = readSignals(steady, drifted, 0, policy);
    const fired = Object.fromEntries(readings.map((r) => [r.signal, r.fired]));
    expect(fired).toMatchObject({
      'label-mix-drift': true,
      'text-length-drift': true,
      'confidence-drift': false,
    });
    const mix = readings.find((r) => r.signal === 'label-mix-drift')!;
    // Shares 0.7/0.3 → 0.3/0.7: PSI = 0.4·ln(7/3) + 0.4·ln(7/3) = 0.8·0.8472979 = 0.6778383 (by hand).
    expect(mix.figures.psi).toBeCloseTo(0.6778383, 6);
    expect(mix.detail).toMatch(
      /^label-mix-drift: predicted-label mix PSI 0\.6778 \(≥ 0\.25\), chi-square p .* \(< 0\.01\)$/,
    );
  });

  it('judges a numeric shift by PSI and KS with the figures computed by hand', () => {
    // Text lengths 0..99 in the reference, 25..124 now (100 predictions each: the sketches keep every value).
    const lengths = (from: number) =>
      window(
        Array.from({ length: 100 }, (_, i) =>
          prediction({ id: `l${from}-${i}`, text: 'x'.repeat(from + i), confidence: 0.9 }),
        ),
      );
    const readings = readSignals(lengths(0), lengths(25), 0, { ...policy, minWindowPredictions: 100 });
    const length = readings.find((r) => r.signal === 'text-length-drift')!;
    // KS: the ECDFs differ most from 24 on, by 25/100 → D = 0.25. λ = D·√(nm/(n+m)) = 0.25·√50 = 1.767767;
    // Q(λ) = 2(e^{−2λ²} − e^{−8λ²} + …) = 2(e^{−6.25} − e^{−25}) = 0.0038610.
    expect(length.figures.ksStatistic).toBeCloseTo(0.25, 14);
    expect(length.figures.pValue).toBeCloseTo(2 * (Math.exp(-6.25) - Math.exp(-25)), 9);
    // PSI over the reference deciles (cuts 9, 19, …, 89): current shares 0, 0, .05, .1 ×6, .35; reference .1 each.
    // 2·(1e-4 − .1)·ln(1e-4/.1) + (.05 − .1)·ln(.5) + (.35 − .1)·ln(3.5) = 1.3801695 + 0.0346574 + 0.3131907.
    expect(length.figures.psi).toBeCloseTo(1.7280176, 6);
    expect(length.fired).toBe(true);
    // Same confidences on both sides: no confidence drift.
    expect(readings.find((r) => r.signal === 'confidence-drift')).toMatchObject({
      judged: true,
      fired: false,
      figures: { psi: 0, ksStatistic: 0, pValue: 1 },
    });
  });

  it('does not judge drift on small windows', () => {
    const readings = readSignals(steady, window(traffic(150, 0.9)), 0, policy);
    expect(readings[0]).toMatchObject({
      judged: false,
      fired: false,
      detail: 'label-mix-drift not judged: 150 predictions in the current window < 200',
    });
  });

  it('fires on a high or rising feedback error rate once enough is rated', () => {
    const rated = (negative: number, total: number) =>
      window(traffic(1000, 0.3), { feedback: { rated: total, negative } });
    const high = readSignals(steady, rated(8, 40), 0, policy).find(
      (r) => r.signal === 'feedback-error-rate',
    )!;
    expect(high).toMatchObject({
      fired: true,
      detail: 'feedback-error-rate: 20% of 40 rated predictions called wrong (≥ 15%)',
    });
    const rising = readSignals(rated(2, 100), rated(8, 100), 0, policy).find(
      (r) => r.signal === 'feedback-error-rate',
    )!;
    expect(rising.fired).toBe(true);
    expect(rising.detail).toBe(
      'feedback-error-rate: 8% of 100 rated predictions called wrong (< 15%), +0.06 vs the reference 2% (≥ +0.05)',
    );
    const few = readSignals(steady, rated(10, 20), 0, policy).find(
      (r) => r.signal === 'feedback-error-rate',
    )!;
    expect(few).toMatchObject({ judged: false, fired: false });
  });

  it('fires on an OOV rise and on a full backlog', () => {
    const readings = readSignals(
      window(traffic(1000, 0.3), { meanOovRate: 0.05 }),
      window(traffic(1000, 0.3), { meanOovRate: 0.2 }),
      150,
      policy,
    );
    expect(readings.find((r) => r.signal === 'oov-rise')).toMatchObject({
      fired: true,
      detail: 'oov-rise: mean out-of-vocabulary rate 20% vs 5% (+0.15, ≥ 0.1)',
    });
    expect(readings.find((r) => r.signal === 'edge-case-backlog')).toMatchObject({
      fired: true,
      detail: 'edge-case-backlog: 150 mined edge cases waiting (≥ 150)',
    });
  });
});

describe('evaluateMonitorCheck', () => {
  const observe = (at: number, w: WindowSummary, backlog = 0): MonitorObservation => ({
    at,
    championVersion: 'v1',
    window: w,
    backlog,
  });

  it('takes the first big-enough window of a champion as the reference', () => {
    const first = evaluateMonitorCheck(initialMonitorState(), observe(0, steady), policy);
    expect(first.trigger).toBe(false);
    expect(first.state.reference).toEqual(steady);
    expect(first.reasons).toEqual([
      'champion is now v1: drift is measured against a new reference',
      'this window (1000 predictions) becomes the reference',
      'no signal fired',
    ]);
  });

  it('triggers only after a drift persists over consecutive checks, then clears the streaks', () => {
    let state = evaluateMonitorCheck(initialMonitorState(), observe(0, steady), policy).state;
    const second = evaluateMonitorCheck(state, observe(1, drifted), policy);
    expect(second.trigger).toBe(false);
    expect(second.reasons[0]).toMatch(/^label-mix-drift: .* \(1 of 3 checks\)$/);
    // A quiet check in between breaks the streak.
    state = evaluateMonitorCheck(second.state, observe(2, steady), policy).state;
    expect(state.streaks['label-mix-drift']).toBe(0);
    for (const at of [3, 4]) state = evaluateMonitorCheck(state, observe(at, drifted), policy).state;
    const third = evaluateMonitorCheck(state, observe(5, drifted), policy);
    expect(third.trigger).toBe(true);
    expect(third.signals).toEqual(['label-mix-drift', 'text-length-drift']);
    expect(third.reasons.map((r) => r.split(':')[0])).toEqual(third.signals);
    expect(third.state).toMatchObject({ lastTriggerAt: 5, cycleRunning: true });
    expect(Object.values(third.state.streaks).every((n) => n === 0)).toBe(true);
  });

  it('triggers on a full backlog at once', () => {
    const decision = evaluateMonitorCheck(initialMonitorState(), observe(0, steady, 200), policy);
    expect(decision.trigger).toBe(true);
    expect(decision.reasons.at(-1)).toBe('edge-case-backlog: 200 mined edge cases waiting (≥ 150)');
  });

  it('holds back while a cycle runs and during the cooldown after it', () => {
    const running = noteCycleStarted(initialMonitorState());
    const during = evaluateMonitorCheck(running, observe(0, steady, 200), policy);
    expect(during.trigger).toBe(false);
    expect(during.reasons.at(-1)).toMatch(/^a cycle is running; would trigger on: edge-case-backlog/);

    const ended = noteCycleEnded(during.state, 10 * HOUR);
    const cooling = evaluateMonitorCheck(ended, observe(20 * HOUR, steady, 200), policy);
    expect(cooling.trigger).toBe(false);
    expect(cooling.reasons.at(-1)).toMatch(/^cooldown after the last cycle, 2h left; would trigger on: /);
    expect(evaluateMonitorCheck(ended, observe(22 * HOUR, steady, 200), policy).trigger).toBe(true);
  });

  it('starts a new reference when the champion changes', () => {
    const state = evaluateMonitorCheck(initialMonitorState(), observe(0, steady), policy).state;
    const promoted = evaluateMonitorCheck(state, { ...observe(1, drifted), championVersion: 'v2' }, policy);
    expect(promoted.trigger).toBe(false);
    expect(promoted.state.referenceChampion).toBe('v2');
    expect(promoted.state.reference).toEqual(drifted);
    expect(promoted.readings.find((r) => r.signal === 'label-mix-drift')?.judged).toBe(false);
  });

  it('carries its state as plain JSON', () => {
    let state = initialMonitorState();
    for (const [at, w] of [
      [0, steady],
      [1, drifted],
    ] as const) {
      state = evaluateMonitorCheck(state, observe(at, w), policy).state;
    }
    const roundTripped = MonitorState.parse(JSON.parse(JSON.stringify(state)));
    expect(roundTripped).toEqual(state);
  });
});

describe('monitor policy', () => {
  it('has documented defaults and refuses bad fields readably', () => {
    expect(policy).toMatchObject({
      persistence: 3,
      cooldown: 12 * HOUR,
      maxPsi: 0.25,
      backlogThreshold: 150,
    });
    expect(parseMonitorPolicy({ persistance: 2, significance: 1 })).toEqual({
      ok: false,
      errors: ['significance: must be < 1', 'persistance: is not a known field'],
    });
  });
});
