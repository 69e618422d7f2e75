import { ApplicationFailure } from '@temporalio/common';
import type { CycleStarter, ModelCycleState } from '../activities/monitor/contracts.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from '../client/client-errors.ts';
import type { TemporalTarget } from '../client/connection.ts';
import { FlywheelClient } from '../client/flywheel-client.ts';

/**
 * The cycle starter the monitor's and schedules' activities use: the typed client itself, so a cycle
 * they start is numbered, identified and refused exactly like one started from the CLI.
 */
export function cycleStarterOf(client: FlywheelClient): CycleStarter {
  return {
    async start(request) {
      try {
        const started = await client.startCycle(request.model, {
          config: request.config,
          trigger: request.trigger,
          reasons: request.reasons,
          memo: { requestId: request.requestId },
        });
        return { started: true, ...started };
      } catch (error) {
        if (error instanceof InvalidRequestError || error instanceof NotFoundError) {
          throw ApplicationFailure.nonRetryable(error.message, 'InvalidInput');
        }
        if (!(error instanceof ConflictError)) throw error;
        const running = (await client.listCycles({ model: request.model, running: true }))[0];
        if (!running) {
          // The number was taken by a cycle that has just ended and visibility has not counted it yet:
          // a retry a moment later gets the next number.
          throw ApplicationFailure.retryable(error.message, 'CycleNumberSettling');
        }
        const description = await client.temporal.workflow.getHandle(running.workflowId).describe();
        const ref = { workflowId: running.workflowId, number: running.number };
        // A retried request whose first attempt did start the cycle: that start is the answer.
        if (description.memo?.requestId === request.requestId) return { started: true, ...ref };
        return { started: false, reason: error.message, running: ref };
      }
    },

    async state(model): Promise<ModelCycleState> {
      const cycles = await client.listCycles({ model, limit: 10 });
      const running = cycles.find((cycle) => cycle.status === 'RUNNING');
      let lastEnded: ModelCycleState['lastEnded'] = null;
      for (const cycle of cycles) {
        if (cycle.status === 'RUNNING' || cycle.closeTime === null) continue;
        const endedAt = cycle.closeTime.getTime();
        if (lastEnded === null || endedAt > lastEnded.endedAt) {
          lastEnded = { workflowId: cycle.workflowId, number: cycle.number, endedAt };
        }
      }
      return {
        running: running ? { workflowId: running.workflowId, number: running.number } : null,
        lastEnded,
      };
    },
  };
}

/** A typed client on the worker's Temporal and main task queue, and the cycle starter over it. */
export async function connectCycleStarter(
  target: TemporalTarget,
  taskQueue?: string,
): Promise<{ cycles: CycleStarter; close(): Promise<void> }> {
  const client = await FlywheelClient.connect(target, taskQueue ? { taskQueue } : {});
  return { cycles: cycleStarterOf(client), close: () => client.close() };
}
