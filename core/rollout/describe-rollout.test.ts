import { describe, expect, test } from 'vitest';
import { describeRollout } from './describe-rollout.ts';
import type { RolloutAnalysisRecord, RolloutStatus } from './rollout-status.ts';

const arm = (predictions: number, rated: number, negative: number) =>
  ({ predictions, feedback: { rated, negative }, latencyP50Ms: 3, latencyP99Ms: 9 }) as never;

const analysis = (attempt: number): RolloutAnalysisRecord => ({
  stepIndex: 1,
  stepName: 'canary 25%',
  attempt,
  at: Date.UTC(2026, 0, 2, 3, 4, attempt),
  window: { from: 0, to: 1 },
  baselineWindow: null,
  verdict: 'inconclusive',
  action: 'hold',
  reasons: [`too little traffic #${attempt}`],
  notes: ['no feedback yet'],
  checks: [],
  figures: { mode: 'canary', candidate: arm(40, 10, 1), champion: arm(120, 0, 0), shadow: null },
});

const paused: RolloutStatus = {
  rolloutId: 'flywheel-rollout-spam/run-1',
  model: 'spam',
  cycleId: null,
  trigger: 'cli:alice',
  championVersion: 'champion-0123456789abcdef',
  candidateVersion: 'candidate-0123456789abcdef',
  blessedBy: 'report-7',
  steps: [
    { name: 'shadow', soakMs: 1 },
    { name: 'canary 25%', soakMs: 1 },
    { name: 'canary 100%', soakMs: 1 },
  ],
  stepIndex: 1,
  stepName: 'canary 25%',
  stepStartedAt: 0,
  soakUntil: null,
  extensions: 0,
  phase: 'paused',
  outcome: 'running',
  flags: {
    championVersion: 'champion-0123456789abcdef',
    candidateVersion: 'candidate-0123456789abcdef',
    mode: 'canary',
    percent: 25,
  },
  paused: { by: 'erin', reason: 'lunch', since: Date.UTC(2026, 0, 2) },
  analyses: [1, 2, 3, 4].map(analysis),
  controls: [
    {
      signal: 'pause',
      by: 'erin',
      reason: 'lunch',
      at: Date.UTC(2026, 0, 2),
      effect: 'paused at canary 25%',
    },
  ],
  reasons: [],
  startedAt: 0,
  endedAt: null,
};

describe('describeRollout', () => {
  test('as text for the command line: every field, every analysis with its figures, every control', () => {
    const text = describeRollout(paused);
    expect(text.split('\n').slice(0, 7)).toEqual([
      'rollout of spam (flywheel-rollout-spam/run-1)',
      '  candidate: candidate-0123456789abcdef (blessed by report-7)',
      '  champion:  champion-0123456789abcdef',
      '  phase:     paused',
      '  step:      canary 25% (step 2 of 3: shadow → canary 25% → canary 100%)',
      '  paused:    by erin since 2026-01-02T00:00:00.000Z — lunch',
      '  flags:     canary 25% (champion champion-0123456789abcdef, candidate candidate-0123456789abcdef)',
    ]);
    expect(text).toContain(
      '    2026-01-02T03:04:01.000Z canary 25% #1: inconclusive → hold (candidate 40 predictions, error 10%; champion 120, error -)',
    );
    expect(text).toContain('      too little traffic #4\n      note: no feedback yet');
    expect(text).toContain(
      '  controls:\n    2026-01-02T00:00:00.000Z pause by erin (lunch): paused at canary 25%',
    );
  });

  test('as markdown for the Temporal UI: a headline, the latest analyses and how to steer it while it runs', () => {
    const markdown = describeRollout(paused, 'markdown');
    expect(markdown.split('\n')[0]).toBe(
      '**spam** rollout of candidate-012345 against champion-0123456 — canary 25% (step 2 of 3): paused',
    );
    expect(markdown).toContain('- paused: by erin since 2026-01-02T00:00:00.000Z — lunch');
    expect(markdown).not.toContain('#1:');
    expect(markdown).toContain('#4: inconclusive → hold');
    expect(markdown).toMatch(/signals: pause \| resume \| promote \| abort/);
    const ended = describeRollout(
      { ...paused, phase: 'finished', outcome: 'promoted', reasons: ['promoted by bob'] },
      'markdown',
    );
    expect(ended.split('\n')[0]).toMatch(/: finished, promoted$/);
    expect(ended).toContain('- phase: finished — promoted: promoted by bob');
    expect(ended).not.toContain('signals:');
  });
});
