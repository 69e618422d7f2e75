import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { parseCycleConfig } from '../core/cycle/cycle-config.ts';
import { describeRollout } from '../core/rollout/describe-rollout.ts';
import {
  advanceRollout,
  type RolloutCommand,
  type RolloutEffect,
  type RolloutEvent,
  type RolloutMachine,
  startRolloutMachine,
} from '../core/rollout/rollout-machine.ts';
import { rootMessage } from './failure-cause.ts';
import { DEFAULT_ROLLOUT_HISTORY_LIMIT, rolloutEffects } from './rollout-effects.ts';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  promoteRolloutSignal,
  type RolloutInput,
  type RolloutResult,
  readControl,
  resumeRolloutSignal,
  rolloutStatusQuery,
} from './rollout-messages.ts';
import { CYCLE_NUMBER, MODEL, OUTCOME, STAGE, TRIGGER } from './search-attributes.ts';

/**
 * The staged rollout of a candidate (see core/rollout/rollout-machine.ts for its decisions): this
 * workflow only feeds the machine its events — signals, the ends of activities and waits, errors and
 * cancellation — and runs what the machine asks for. A rollout paused for long continues as new,
 * handing the machine over.
 */
export async function rollout(input: RolloutInput): Promise<RolloutResult> {
  const parsed = parseCycleConfig(input.config ?? {});
  if (!parsed.ok) {
    throw ApplicationFailure.nonRetryable(
      `invalid rollout config: ${parsed.errors.join('; ')}`,
      'InvalidRolloutConfig',
    );
  }
  const config = parsed.config;
  const info = workflowInfo();
  let machine: RolloutMachine =
    input.carried ??
    startRolloutMachine({
      rolloutId: `${info.workflowId}/${info.runId}`,
      model: input.model,
      cycleId: input.cycleId ?? null,
      trigger: input.trigger,
      candidateVersion: input.candidateVersion,
      settings: config.rollout,
      at: Date.now(),
    });
  upsertSearchAttributes([
    { key: MODEL, value: input.model },
    { key: TRIGGER, value: input.trigger },
    { key: OUTCOME, value: 'running' },
    ...(input.cycleNumber ? [{ key: CYCLE_NUMBER, value: input.cycleNumber }] : []),
  ]);

  const apply = (event: RolloutEvent): RolloutEffect | null => {
    const turn = advanceRollout(machine, event);
    machine = turn.machine;
    for (const command of turn.commands) run(command);
    setCurrentDetails(describeRollout(machine.status, 'markdown'));
    return turn.effect;
  };
  const signals = [
    ['pause', pauseRolloutSignal],
    ['resume', resumeRolloutSignal],
    ['promote', promoteRolloutSignal],
    ['abort', abortRolloutSignal],
  ] as const;
  for (const [signal, definition] of signals) {
    setHandler(definition, (payload) => {
      apply({ type: 'signal', at: Date.now(), signal, control: readControl(payload) });
    });
  }
  setHandler(rolloutStatusQuery, () => machine.status);

  const perform = rolloutEffects({
    config,
    ref: { rolloutId: machine.status.rolloutId, model: input.model, cycleId: input.cycleId ?? null },
    allowUnblessed: input.allowUnblessed ?? false,
    historyLimit: input.historyLimit ?? DEFAULT_ROLLOUT_HISTORY_LIMIT,
    machine: () => machine,
  });
  let failure: unknown = null;
  let effect = apply({ type: 'started', at: Date.now() });
  for (;;) {
    if (effect === null) throw new Error('the rollout machine asked for nothing to wait on');
    switch (effect.kind) {
      case 'return':
        return machine.status;
      case 'rethrow':
        throw failure;
      case 'continue-as-new':
        await condition(allHandlersFinished);
        return continueAsNew<typeof rollout>({ ...input, carried: effect.carried });
    }
    let event: RolloutEvent;
    try {
      event = await perform(effect);
    } catch (error) {
      failure = error;
      const cancelled = isCancellation(error);
      const reason = cancelled ? 'rollout cancelled' : `rollout failed: ${rootMessage(error)}`;
      event = { type: 'failed', at: Date.now(), reason, cancelled };
    }
    effect = apply(event);
  }
}

function run(command: RolloutCommand): void {
  if (command.kind === 'stage') upsertSearchAttributes([{ key: STAGE, value: command.value }]);
  else if (command.kind === 'outcome') upsertSearchAttributes([{ key: OUTCOME, value: command.value }]);
  else log[command.level](command.message, command.fields);
}
