import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  advanceRollout,
  type RolloutEffect,
  type RolloutEvent,
  type RolloutMachine,
  type RolloutSettings,
  rolloutWaitOver,
  type StepAnalysisResult,
  startRolloutMachine,
} from './rollout-machine.ts';
import type { StepVerdict } from './rollout-plan.ts';
import { CHAMPION_ONLY, type RolloutState } from './rollout-state.ts';
import type { RolloutSignalName } from './rollout-status.ts';

const CHAMPION = 'champion-v1';
/** An event as the test states it; `dispatch` stamps the time. */
type Untimed = RolloutEvent extends infer E ? (E extends RolloutEvent ? Omit<E, 'at'> : never) : never;
const CANDIDATE = 'candidate-v2';

/** One thing that happens to a running rollout: a human control, or the effect under way ending somehow. */
type Happening =
  | { kind: 'signal'; signal: RolloutSignalName }
  | {
      kind: 'effect';
      verdict: StepVerdict;
      /** The activity failed for good, or the rollout was cancelled. */
      failure: 'none' | 'error' | 'cancel';
      /** A wait that could time out does (else it goes on, when nothing wakes it). */
      timeout: boolean;
      /** The history grew past its limit while a step was held. */
      historyFull: boolean;
      patched: boolean;
      /** An abandoned analysis could still have answered first. */
      analysisFirst: boolean;
    };

const happening: fc.Arbitrary<Happening> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('signal' as const),
      signal: fc.constantFrom<RolloutSignalName>('pause', 'resume', 'promote', 'abort'),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('effect' as const),
      verdict: fc.constantFrom<StepVerdict>('success', 'success', 'failure', 'inconclusive'),
      failure: fc.constantFrom(
        'none',
        'none',
        'none',
        'none',
        'none',
        'none',
        'none',
        'error',
        'cancel',
      ) as fc.Arbitrary<'none' | 'error' | 'cancel'>,
      timeout: fc.boolean(),
      historyFull: fc.boolean(),
      // New runs always take the patched path; recorded histories replay the old one (test/replay.test.ts).
      patched: fc.constant(true),
      analysisFirst: fc.boolean(),
    }),
  },
);

const settings: fc.Arbitrary<RolloutSettings> = fc.record({
  steps: fc.constantFrom<RolloutSettings['steps']>(['shadow', 25, 100], [50, 100], ['shadow'], [10, 50]),
  soak: fc.constantFrom(0, 60_000),
  onInconclusive: fc.constantFrom('extend', 'pause') as fc.Arbitrary<'extend' | 'pause'>,
  maxExtensions: fc.integer({ min: 0, max: 2 }),
});

/** What the world looks like to users, and what the run did, as the effects report it. */
interface Run {
  machine: RolloutMachine;
  effect: RolloutEffect | null;
  flags: RolloutState;
  clock: number;
  /** Effects in order, with whether the machine was paused, or had an accepted abort/promote, when it asked. */
  trail: Array<{
    effect: RolloutEffect;
    paused: boolean;
    requested: boolean;
    stepIndex: number | null;
    /** For a wait: whether it was over as soon as it began. */
    over: boolean | null;
  }>;
  failed: boolean;
  abortAccepted: boolean;
  promoteAccepted: boolean;
  continuedAsNew: number;
}

function dispatch(run: Run, event: Untimed) {
  run.clock += 1_000;
  const turn = advanceRollout(run.machine, { ...event, at: run.clock } as RolloutEvent);
  run.machine = turn.machine;
  if (event.type === 'signal') {
    expect(turn.effect).toBeNull();
    const effect = run.machine.status.controls.at(-1)!.effect;
    if (effect === 'rolling back to the champion now') run.abortAccepted = true;
    if (effect === 'promoting the candidate now') run.promoteAccepted = true;
    return;
  }
  run.effect = turn.effect;
  if (turn.effect?.kind === 'continue-as-new') {
    // Nothing comes between the decision and the next run (a signal in between would be in the history
    // the decision was replayed from): the next run starts from what this one carried over.
    run.machine = turn.effect.carried;
    run.continuedAsNew++;
    return dispatch(run, { type: 'started' });
  }
  if (turn.effect) {
    run.trail.push({
      effect: turn.effect,
      paused: run.machine.status.paused !== null,
      requested: rolloutWaitOver(run.machine, 'interrupt'),
      stepIndex: run.machine.status.stepIndex,
      over: turn.effect.kind === 'wait' ? rolloutWaitOver(run.machine, turn.effect.until) : null,
    });
  }
}

function analysis(verdict: StepVerdict): StepAnalysisResult {
  const arm = {
    predictions: 100,
    feedback: { rated: 0, negative: 0, byLabel: {} },
    latencyP50Ms: 1,
    latencyP99Ms: 2,
  } as unknown as StepAnalysisResult['figures']['candidate'];
  return {
    verdict,
    reasons: [`${verdict} reason`],
    checks: [],
    notes: [],
    figures: { mode: 'canary', candidate: arm, champion: arm, shadow: null },
  };
}

/** Activities that can fail for good (or be cancelled); waits can only be cancelled; the rest cannot fail. */
const FAILURE_PRONE: readonly RolloutEffect['kind'][] = ['begin', 'write-flags', 'analyse', 'audit'];

/** Ends the effect under way as the happening says; false when the effect cannot end yet (a hold). */
function settle(run: Run, h: Extract<Happening, { kind: 'effect' }>) {
  const effect = run.effect!;
  const fails = (kind: 'error' | 'cancel') => {
    run.failed = true;
    dispatch(run, {
      type: 'failed',
      reason: kind === 'cancel' ? 'rollout cancelled' : 'rollout failed: boom',
      cancelled: kind === 'cancel',
    });
  };
  // Flag writes, promotion and compensation are not cancellable, and the last two retry without limit.
  // Audits after a promotion or a rollback retry without limit, like the writes before them.
  const compensating = effect.kind === 'audit' && effect.compensation;
  const failure = compensating
    ? 'none'
    : FAILURE_PRONE.includes(effect.kind)
      ? h.failure
      : effect.kind === 'wait' && h.failure === 'cancel'
        ? 'cancel'
        : 'none';
  if (failure !== 'none') return fails(failure);
  switch (effect.kind) {
    case 'begin':
      return dispatch(run, { type: 'begun', championVersion: CHAMPION, blessedBy: 'report-1' });
    case 'write-flags':
      run.flags = effect.state;
      return dispatch(run, { type: 'flags-written' });
    case 'check-patch':
      return dispatch(run, { type: 'patch-checked', patched: h.patched });
    case 'wait': {
      if (rolloutWaitOver(run.machine, effect.until)) return dispatch(run, { type: 'waited', woke: true });
      if (effect.mayContinueAsNew && h.historyFull) return dispatch(run, { type: 'history-full' });
      if (effect.timeoutMs !== null && h.timeout) return dispatch(run, { type: 'waited', woke: false });
      return; // nothing wakes it yet
    }
    case 'analyse': {
      const abandoned = rolloutWaitOver(run.machine, 'interrupt') && !h.analysisFirst;
      return dispatch(run, { type: 'analysed', result: abandoned ? null : analysis(h.verdict) });
    }
    case 'audit':
      return dispatch(run, { type: 'audited' });
    case 'complete':
      run.flags = CHAMPION_ONLY(CANDIDATE);
      return dispatch(run, { type: 'completed' });
    case 'restore':
      run.flags = CHAMPION_ONLY(CHAMPION);
      return dispatch(run, { type: 'restored' });
    case 'continue-as-new': // taken at once by dispatch
    case 'return':
    case 'rethrow':
      return;
  }
}

const ended = (run: Run) => run.effect?.kind === 'return' || run.effect?.kind === 'rethrow';

function play(config: RolloutSettings, happenings: Happening[]): Run {
  const run: Run = {
    machine: startRolloutMachine({
      rolloutId: 'flywheel-rollout-m/run-1',
      model: 'm',
      cycleId: null,
      trigger: 'test',
      candidateVersion: CANDIDATE,
      settings: config,
      at: 0,
    }),
    effect: null,
    flags: CHAMPION_ONLY(CHAMPION),
    clock: 0,
    trail: [],
    failed: false,
    abortAccepted: false,
    promoteAccepted: false,
    continuedAsNew: 0,
  };
  dispatch(run, { type: 'started' });
  for (const h of happenings) {
    if (h.kind === 'signal')
      dispatch(run, { type: 'signal', signal: h.signal, control: { by: 'alice', reason: null } });
    else if (!ended(run)) settle(run, h);
  }
  // Then an on-call engineer aborts and every effect succeeds: any rollout ends.
  const calm: Extract<Happening, { kind: 'effect' }> = {
    kind: 'effect',
    verdict: 'success',
    failure: 'none',
    timeout: true,
    historyFull: false,
    patched: true,
    analysisFirst: false,
  };
  if (!ended(run))
    dispatch(run, { type: 'signal', signal: 'abort', control: { by: 'oncall', reason: 'end of test' } });
  for (let i = 0; i < 500 && !ended(run); i++) settle(run, calm);
  if (!ended(run))
    throw new Error(
      `no end: waiting on ${JSON.stringify(run.effect)} in ${JSON.stringify(run.machine.pending)}, ${JSON.stringify(run.machine.requests)}`,
    );
  return run;
}

const runs = fc.tuple(settings, fc.array(happening, { maxLength: 60 }));

describe('the rollout machine over random event sequences', () => {
  test('production never stays on a half-rolled candidate at an end', () => {
    fc.assert(
      fc.property(runs, ([config, happenings]) => {
        const run = play(config, happenings);
        expect(run.flags.mode).toBe('off');
        expect(run.flags.candidateVersion).toBeNull();
        expect(run.flags.championVersion).toBe(
          run.machine.status.outcome === 'promoted' ? CANDIDATE : CHAMPION,
        );
        expect(run.machine.status.flags ?? CHAMPION_ONLY(CHAMPION)).toEqual(run.flags);
      }),
      { numRuns: 400 },
    );
  });

  test('a failure always ends champion-only, with the error passed on', () => {
    fc.assert(
      fc.property(runs, ([config, happenings]) => {
        const run = play(config, happenings);
        if (!run.failed) return;
        expect(['failed', 'cancelled']).toContain(run.machine.status.outcome);
        expect(run.effect?.kind).toBe('rethrow');
        expect(run.flags).toEqual(CHAMPION_ONLY(CHAMPION));
      }),
      { numRuns: 400 },
    );
  });

  test('promote and abort are final: no step starts after one, abort never ends promoted, signals after the end change nothing', () => {
    fc.assert(
      fc.property(
        runs,
        fc.array(fc.constantFrom<RolloutSignalName>('pause', 'resume', 'promote', 'abort')),
        ([config, happenings], late) => {
          const run = play(config, happenings);
          const firstRequested = run.trail.findIndex((t) => t.requested);
          if (firstRequested >= 0) {
            const after = run.trail.slice(firstRequested);
            const kinds = after.map((t) => t.effect.kind);
            expect(kinds).not.toContain('write-flags');
            expect(kinds).not.toContain('analyse');
            // Only waits that are over as they begin: the rollout ends without soaking again.
            expect(after.filter((t) => t.effect.kind === 'wait').every((t) => t.over)).toBe(true);
          }
          const outcome = run.machine.status.outcome;
          if (run.failed) expect(['failed', 'cancelled']).toContain(outcome);
          else if (run.abortAccepted) expect(outcome).toBe('rolled-back');
          else if (run.promoteAccepted) expect(['promoted', 'rolled-back']).toContain(outcome);
          const before = run.machine.status;
          for (const signal of late)
            dispatch(run, { type: 'signal', signal, control: { by: 'late', reason: null } });
          expect(run.machine.status.outcome).toBe(before.outcome);
          expect(
            run.machine.status.controls
              .slice(before.controls.length)
              .every((c) => c.effect.startsWith('ignored')),
          ).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('pause holds the step: no later step starts while paused, and nothing promotes but a human', () => {
    fc.assert(
      fc.property(runs, ([config, happenings]) => {
        const run = play(config, happenings);
        for (const t of run.trail) {
          // A pause that came before the first step holds that step; none lets a later one start.
          if (t.effect.kind === 'write-flags' && t.paused && t.stepIndex !== 0) {
            throw new Error(`step ${t.stepIndex} started while paused`);
          }
          if (t.effect.kind === 'complete' && t.paused && !t.requested) {
            throw new Error('promoted by the analysis while paused');
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  test('a paused rollout that continues as new carries on where it was', () => {
    fc.assert(
      fc.property(runs, ([config, happenings]) => {
        const run = play(config, happenings);
        if (run.continuedAsNew === 0) return;
        expect(run.machine.status.rolloutId).toBe('flywheel-rollout-m/run-1');
        expect(run.machine.status.startedAt).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the rollout machine, step by step', () => {
  const calm = {
    kind: 'effect',
    verdict: 'success',
    failure: 'none',
    timeout: true,
    historyFull: false,
    patched: true,
    analysisFirst: true,
  } as const;
  const fresh = (config: RolloutSettings): Run => {
    const run = play(config, []);
    return {
      ...run,
      machine: startRolloutMachine({
        rolloutId: 'r',
        model: 'm',
        cycleId: null,
        trigger: 'test',
        candidateVersion: CANDIDATE,
        settings: config,
        at: 0,
      }),
      effect: null,
      flags: CHAMPION_ONLY(CHAMPION),
      trail: [],
      abortAccepted: false,
    };
  };
  const config: RolloutSettings = {
    steps: [25, 100],
    soak: 60_000,
    onInconclusive: 'pause',
    maxExtensions: 0,
  };
  const signal = (run: Run, name: RolloutSignalName) =>
    dispatch(run, { type: 'signal', signal: name, control: { by: 'alice', reason: null } });

  test('every step passing: flags, soak and analysis per step, then the promotion, in the shipped order', () => {
    const run = fresh(config);
    dispatch(run, { type: 'started' });
    while (!ended(run)) settle(run, calm);
    expect(run.trail.map((t) => t.effect.kind)).toEqual([
      'begin',
      'write-flags',
      'wait',
      'analyse',
      'write-flags',
      'wait',
      'analyse',
      'complete',
      'return',
    ]);
    expect(run.machine.status).toMatchObject({ outcome: 'promoted', phase: 'finished' });
    expect(run.machine.status.reasons).toEqual(['every step passed its analysis (canary 25% → canary 100%)']);
  });

  test('a pause that comes after a step passed holds that step instead of starting the next', () => {
    const run = fresh(config);
    dispatch(run, { type: 'started' });
    while (run.effect?.kind !== 'analyse') settle(run, calm);
    signal(run, 'resume'); // ignored (not paused), but waits for its audit after the analysis
    settle(run, calm);
    expect(run.effect?.kind).toBe('audit');
    signal(run, 'pause');
    settle(run, calm); // the resume's audit
    settle(run, calm); // the pause's audit
    expect(run.effect).toEqual({ kind: 'check-patch', patch: 'rollout-controls-between-steps' });
    settle(run, calm);
    expect(run.effect).toMatchObject({
      kind: 'wait',
      until: 'interrupt-or-resume',
      summary: 'paused at canary 25%',
    });
    expect(run.machine.status).toMatchObject({ phase: 'paused', stepName: 'canary 25%' });
    expect(run.flags).toMatchObject({ mode: 'canary', percent: 25 });
  });

  test('an abort that comes while the last analysis passes wins over it', () => {
    const run = fresh(config);
    dispatch(run, { type: 'started' });
    while (!(run.effect?.kind === 'analyse' && run.effect.step.index === 1)) settle(run, calm);
    signal(run, 'abort');
    settle(run, calm); // the analysis answers first and passes
    expect(run.effect).toEqual({ kind: 'check-patch', patch: 'rollout-controls-between-steps' });
    while (!ended(run)) settle(run, calm);
    expect(run.machine.status.outcome).toBe('rolled-back');
    expect(run.machine.status.reasons[0]).toMatch(/^aborted by alice at canary 100%/);
    expect(run.flags).toEqual(CHAMPION_ONLY(CHAMPION));
  });

  test('a held step continues as new with everything the machine needs, and goes on in the next run', () => {
    const run = fresh({ ...config, soak: 0 });
    dispatch(run, { type: 'started' });
    signal(run, 'pause');
    while (!(run.effect?.kind === 'wait' && run.effect.mayContinueAsNew)) settle(run, calm);
    settle(run, { ...calm, historyFull: true });
    expect(run.continuedAsNew).toBe(1);
    expect(run.machine.stage).toBe('rollout: paused');
    expect(run.effect).toMatchObject({ kind: 'wait', until: 'interrupt-or-resume', mayContinueAsNew: true });
    signal(run, 'resume');
    while (!ended(run)) settle(run, calm);
    expect(run.machine.status.outcome).toBe('promoted');
    expect(run.machine.status.controls.map((c) => c.signal)).toEqual(['pause', 'resume']);
  });

  test('an event the machine does not wait for is refused', () => {
    const machine = startRolloutMachine({
      rolloutId: 'r',
      model: 'm',
      cycleId: null,
      trigger: 't',
      candidateVersion: CANDIDATE,
      settings: config,
      at: 0,
    });
    expect(() => advanceRollout(machine, { type: 'audited', at: 1 })).toThrow(
      /audited while waiting for start/,
    );
  });
});
