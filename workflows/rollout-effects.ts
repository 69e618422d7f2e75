import { CancellationScope, condition, patched, workflowInfo } from '@temporalio/workflow';
import type { RolloutRef } from '../activities/rollout/contracts.ts';
import type { CycleConfig } from '../core/cycle/cycle-config.ts';
import {
  type RolloutEffect,
  type RolloutEvent,
  type RolloutMachine,
  rolloutWaitOver,
} from '../core/rollout/rollout-machine.ts';
import { rolloutActivities } from './rollout-activities.ts';

/** History events after which a paused rollout continues as new, unless its input says otherwise. */
export const DEFAULT_ROLLOUT_HISTORY_LIMIT = 4_000;
/** Rollouts recorded before paused rollouts could continue as new never do. */
const PAUSED_CONTINUE_AS_NEW_PATCH = 'rollout-paused-continue-as-new';

type Performed = Exclude<RolloutEffect['kind'], 'continue-as-new' | 'return' | 'rethrow'>;

/**
 * Runs one of the rollout machine's effects and returns the event it ends with. Flag writes, the
 * promotion and the compensation are never cancelled half-way: a late write must not land after the
 * compensation's. `machine()` reads the machine as signals leave it, for the waits' conditions.
 */
export function rolloutEffects(options: {
  config: CycleConfig;
  ref: RolloutRef;
  allowUnblessed: boolean;
  historyLimit: number;
  machine: () => RolloutMachine;
}) {
  const { config, ref, machine } = options;
  const activities = rolloutActivities(config);
  const versions = () => ({
    championVersion: machine().status.championVersion,
    candidateVersion: machine().status.candidateVersion,
  });
  const historyFull = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= options.historyLimit;
  };

  return async function perform(effect: Extract<RolloutEffect, { kind: Performed }>): Promise<RolloutEvent> {
    const done = <T extends RolloutEvent['type']>(type: T) => ({ type, at: Date.now() }) as RolloutEvent;
    switch (effect.kind) {
      case 'begin': {
        const begun = await activities.main.beginRollout({
          ...ref,
          candidateVersion: machine().status.candidateVersion,
          allowUnblessed: options.allowUnblessed,
          trigger: machine().status.trigger,
          steps: config.rollout.steps.map(String),
        });
        return { type: 'begun', at: Date.now(), ...begun };
      }
      case 'write-flags':
        await CancellationScope.nonCancellable(() =>
          activities.main.setRolloutFlags({
            ...ref,
            state: effect.state,
            reason: effect.reason,
            actor: 'rollout',
          }),
        );
        return done('flags-written');
      case 'check-patch':
        return { type: 'patch-checked', at: Date.now(), patched: patched(effect.patch) };
      case 'wait': {
        const over = () => rolloutWaitOver(machine(), effect.until);
        const mayContinue = effect.mayContinueAsNew && patched(PAUSED_CONTINUE_AS_NEW_PATCH);
        const full = () => mayContinue && historyFull();
        if (effect.timeoutMs === null) {
          await condition(() => over() || full());
          return over() ? { type: 'waited', at: Date.now(), woke: true } : done('history-full');
        }
        const summary = effect.summary ? { summary: effect.summary } : {};
        const woke = await condition(() => over() || full(), effect.timeoutMs, summary);
        return woke && !over() ? done('history-full') : { type: 'waited', at: Date.now(), woke };
      }
      case 'analyse':
        return { type: 'analysed', at: Date.now(), result: await analyse(effect) };
      case 'audit': {
        // After a promotion or a rollback the audit is part of the compensation: it retries without limit.
        const proxy = effect.compensation ? activities.compensation : activities.main;
        const record = () => proxy.recordRolloutEvent({ ...ref, ...effect.event });
        await (effect.compensation ? CancellationScope.nonCancellable(record) : record());
        return done('audited');
      }
      case 'complete':
        await CancellationScope.nonCancellable(() =>
          activities.compensation.completeRollout({
            ...ref,
            ...versions(),
            reason: effect.reason,
            actor: effect.actor,
          }),
        );
        return done('completed');
      case 'restore':
        await CancellationScope.nonCancellable(() =>
          activities.compensation.restoreChampion({
            ...ref,
            ...versions(),
            reason: effect.reason,
            actor: effect.actor,
          }),
        );
        return done('restored');
    }
  };

  /** The analysis only reads: abort or promote abandon it (null) rather than wait for it. */
  async function analyse(effect: Extract<RolloutEffect, { kind: 'analyse' }>) {
    const analysisScope = new CancellationScope();
    const watchScope = new CancellationScope();
    const analysis = analysisScope.run(() =>
      activities.analysis.analyseRolloutStep({
        ...ref,
        step: effect.step,
        championVersion: machine().status.championVersion!,
        candidateVersion: machine().status.candidateVersion,
        window: effect.window,
        baselineWindow: effect.baselineWindow,
        rollout: config.rollout,
      }),
    );
    const watch = watchScope.run(() => condition(() => rolloutWaitOver(machine(), 'interrupt')));
    try {
      const first = await Promise.race([analysis, watch.then(() => null)]);
      if (first === null) analysisScope.cancel();
      return first;
    } finally {
      watchScope.cancel();
      analysis.catch(() => {});
      watch.catch(() => {});
    }
  }
}
