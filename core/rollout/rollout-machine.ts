import type { RolloutCommand, RolloutEffect, RolloutEvent, RolloutMachine } from './rollout-machine-state.ts';
import { Turn } from './rollout-turn.ts';

export * from './rollout-machine-state.ts';

/**
 * The staged rollout's decisions as a pure state machine: `advanceRollout(machine, event)` returns the
 * next machine, the commands to run at once (search attributes, logs) and at most one effect to wait
 * on (an activity, a wait, continue-as-new, the end); the effect's outcome is the next event. Signals
 * are events too: they only record the request and change what the running wait waits for.
 *
 * For each step of the plan: write the flags, soak, analyse the traffic captured in the step's window
 * and act on the verdict (advance, extend, pause, roll back); after the last step passes, promote.
 * Whatever ends it other than promotion (failed analysis, abort, an error, a cancellation) leaves the
 * champion serving alone. The order of effects is the shipped workflow's, so recorded histories replay.
 */

export interface RolloutTurn {
  machine: RolloutMachine;
  commands: RolloutCommand[];
  /** Null only after a signal: the effect under way goes on. */
  effect: RolloutEffect | null;
}

export function advanceRollout(machine: RolloutMachine, event: RolloutEvent): RolloutTurn {
  const turn = new Turn(copy(machine), event.at);
  turn.apply(event);
  return { machine: turn.m, commands: turn.commands, effect: turn.effect };
}

/** Copies what a turn changes in place, so the machine handed in stays as it was. */
function copy(machine: RolloutMachine): RolloutMachine {
  const { status } = machine;
  return {
    ...machine,
    status: {
      ...status,
      analyses: [...status.analyses],
      controls: [...status.controls],
      reasons: [...status.reasons],
    },
    cursor: { ...machine.cursor },
    requests: { ...machine.requests },
    unaudited: [...machine.unaudited],
  };
}
