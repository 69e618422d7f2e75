import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { parseCycleConfig } from '../core/cycle/cycle-config.ts';
import { ModelName } from '../core/model-name.ts';
import { rulesOf } from '../core/validation/zod-issues.ts';
import { championChange } from '../workflows/champion-change.ts';
import {
  type ChampionChangeInput,
  type ChampionChangeResult,
  championChangeWorkflowId,
} from '../workflows/champion-change-messages.ts';
import { cycle } from '../workflows/cycle.ts';
import {
  type CycleInput,
  type CycleStatus,
  cycleStatusQuery,
  cycleWorkflowId,
} from '../workflows/cycle-messages.ts';
import { rollout } from '../workflows/rollout.ts';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  promoteRolloutSignal,
  type RolloutInput,
  type RolloutSignalName,
  type RolloutStatus,
  resumeRolloutSignal,
  rolloutStatusQuery,
  rolloutWorkflowId,
} from '../workflows/rollout-messages.ts';
import { CYCLE_NUMBER, MODEL, OUTCOME, STAGE, TRIGGER } from '../workflows/search-attributes.ts';
import { FLYWHEEL_TASK_QUEUE, TRAINING_TASK_QUEUE } from '../workflows/task-queues.ts';
import { trainModel } from '../workflows/train-model.ts';
import {
  type TrainModelInput,
  type TrainModelResult,
  trainModelWorkflowId,
} from '../workflows/train-model-messages.ts';
import { ConflictError, InvalidRequestError, NotFoundError, RunFailedError } from './client-errors.ts';
import type { TemporalTarget } from './connection.ts';

export interface CycleSummary {
  workflowId: string;
  model: string;
  number: number;
  status: string;
  stage: string | null;
  outcome: string | null;
  trigger: string | null;
  startTime: Date;
  closeTime: Date | null;
}

/**
 * The typed Flywheel client: what the CLI, the gateway and tests use to start, inspect and steer
 * workflows. Every mistake a user can make comes back as a domain error (client-errors.ts) with one readable line.
 */
export class FlywheelClient {
  readonly temporal: Client;
  readonly target: TemporalTarget;
  /** Task queue the workflows are started on (tests use their own). */
  readonly taskQueue: string;
  /** Task queue of training activities, for the workflows that train (as the workers poll it). */
  readonly trainingTaskQueue: string;
  private readonly connection: Connection;

  private constructor(
    connection: Connection,
    target: TemporalTarget,
    queues: { taskQueue: string; trainingTaskQueue: string },
  ) {
    this.connection = connection;
    this.target = target;
    this.taskQueue = queues.taskQueue;
    this.trainingTaskQueue = queues.trainingTaskQueue;
    this.temporal = new Client({
      connection,
      namespace: target.namespace,
      ...(target.dataConverter ? { dataConverter: target.dataConverter } : {}),
    });
  }

  static async connect(
    target: TemporalTarget,
    options: { taskQueue?: string; trainingTaskQueue?: string } = {},
  ): Promise<FlywheelClient> {
    const connection = await Connection.connect({
      ...(target.connectionOptions as { address: string }),
      connectTimeout: 5_000,
    });
    return new FlywheelClient(connection, target, {
      taskQueue: options.taskQueue ?? FLYWHEEL_TASK_QUEUE,
      trainingTaskQueue: options.trainingTaskQueue ?? TRAINING_TASK_QUEUE,
    });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /**
   * Starts the model's next cycle. The number is one more than the cycles that ended; while one runs
   * that number is taken, so Temporal refuses the id and the caller hears which cycle runs.
   */
  async startCycle(
    model: string,
    options: {
      config?: unknown;
      trigger?: string;
      /** Why the cycle starts, in full (the trigger is the short form): kept in its memo and details. */
      reasons?: string[];
      /** Anything else worth keeping in the cycle's memo (e.g. the monitor's request id). */
      memo?: Record<string, unknown>;
    } = {},
  ): Promise<{ workflowId: string; number: number }> {
    checkModelName(model);
    checkCycleConfig(options.config ?? {});
    const running = await this.listCycles({ model, running: true });
    if (running[0]) {
      throw new ConflictError(
        `cycle ${running[0].number} of ${model} is already running (${running[0].workflowId}); wait for it or cancel it`,
      );
    }
    const ended = await this.temporal.workflow.count(`${cycleQuery(model)} AND ExecutionStatus != 'Running'`);
    const number = ended.count + 1;
    const workflowId = cycleWorkflowId(model, number);
    const trigger = options.trigger ?? 'manual';
    const input: CycleInput = { model, number, trigger, config: options.config ?? {} };
    try {
      await this.temporal.workflow.start(cycle, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: MODEL, value: model },
          { key: CYCLE_NUMBER, value: number },
          { key: STAGE, value: 'starting' },
          { key: OUTCOME, value: 'running' },
          { key: TRIGGER, value: trigger },
        ]),
        staticSummary: `Flywheel cycle ${number} of ${model} (${trigger})`,
        staticDetails:
          `Collect edge cases → review → dataset → train → evaluate → rollout for model **${model}**.` +
          (options.reasons?.length ? `\n\nWhy: ${options.reasons.join('; ')}` : ''),
        memo: { ...options.memo, trigger, reasons: options.reasons ?? [] },
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ConflictError(
          `cycle ${number} of ${model} is already running or has just ended (${workflowId}); try again in a moment`,
        );
      }
      throw error;
    }
    return { workflowId, number };
  }

  /** The whole state of a cycle (the latest of the model when no number is given). */
  async cycleStatus(model: string, number?: number): Promise<CycleStatus> {
    checkModelName(model);
    const workflowId = number ? cycleWorkflowId(model, number) : (await this.latestCycle(model)).workflowId;
    try {
      return await this.temporal.workflow.getHandle(workflowId).query(cycleStatusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new NotFoundError(`no cycle ${workflowId}: list them with \`flywheel cycle list ${model}\``);
      }
      throw error;
    }
  }

  async cancelCycle(model: string, number?: number): Promise<string> {
    checkModelName(model);
    const workflowId = number
      ? cycleWorkflowId(model, number)
      : ((await this.listCycles({ model, running: true }))[0]?.workflowId ??
        notFound(`no running cycle of ${model}`));
    try {
      await this.temporal.workflow.getHandle(workflowId).cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new NotFoundError(`no running cycle ${workflowId}`);
      }
      throw error;
    }
    return workflowId;
  }

  async listCycles(
    filter: { model?: string; running?: boolean; limit?: number } = {},
  ): Promise<CycleSummary[]> {
    if (filter.model) checkModelName(filter.model);
    let query = filter.model ? cycleQuery(filter.model) : "WorkflowType = 'cycle'";
    if (filter.running) query += " AND ExecutionStatus = 'Running'";
    const cycles: CycleSummary[] = [];
    for await (const execution of this.temporal.workflow.list({ query })) {
      const attributes = execution.typedSearchAttributes;
      cycles.push({
        workflowId: execution.workflowId,
        model: attributes.get(MODEL) ?? '',
        number: attributes.get(CYCLE_NUMBER) ?? 0,
        status: execution.status.name,
        stage: attributes.get(STAGE) ?? null,
        outcome: attributes.get(OUTCOME) ?? null,
        trigger: attributes.get(TRIGGER) ?? null,
        startTime: execution.startTime,
        closeTime: execution.closeTime ?? null,
      });
      if (cycles.length >= (filter.limit ?? 100)) break;
    }
    return cycles;
  }

  /**
   * Starts the staged rollout of a registered candidate against the model's champion. One rollout per
   * model at a time: while one runs, Temporal refuses the id and the caller hears so.
   */
  async startRollout(
    model: string,
    candidateVersion: string,
    options: { config?: unknown; trigger?: string; allowUnblessed?: boolean } = {},
  ): Promise<{ workflowId: string }> {
    checkModelName(model);
    checkCycleConfig(options.config ?? {});
    const workflowId = rolloutWorkflowId(model);
    const trigger = options.trigger ?? 'manual';
    const input: RolloutInput = {
      model,
      candidateVersion,
      trigger,
      config: options.config ?? {},
      allowUnblessed: options.allowUnblessed ?? false,
    };
    try {
      await this.temporal.workflow.start(rollout, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: MODEL, value: model },
          { key: STAGE, value: 'rollout: starting' },
          { key: OUTCOME, value: 'running' },
          { key: TRIGGER, value: trigger },
        ]),
        staticSummary: `Flywheel rollout of ${model} ${candidateVersion} (${trigger})`,
        staticDetails:
          'Shadow → canary steps → promotion, each step analysed on live traffic. Signals: pause, resume, ' +
          'promote, abort with an optional JSON payload {"by": "you", "reason": "why"}.',
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ConflictError(
          `a rollout of ${model} is already running (${workflowId}): see \`flywheel rollout status ${model}\``,
        );
      }
      throw error;
    }
    return { workflowId };
  }

  /** The state of the model's rollout: the running one, or the last one when none runs. */
  async rolloutStatus(model: string): Promise<RolloutStatus> {
    checkModelName(model);
    try {
      return await this.temporal.workflow.getHandle(rolloutWorkflowId(model)).query(rolloutStatusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new NotFoundError(`${model} has had no rollout`);
      }
      throw error;
    }
  }

  /** Sends a human control (pause, resume, promote, abort) to the model's running rollout. */
  async signalRollout(
    model: string,
    signal: RolloutSignalName,
    control: { by?: string; reason?: string } = {},
  ): Promise<void> {
    checkModelName(model);
    const definition = {
      pause: pauseRolloutSignal,
      resume: resumeRolloutSignal,
      promote: promoteRolloutSignal,
      abort: abortRolloutSignal,
    }[signal];
    const payload = { by: control.by ?? 'cli', ...(control.reason ? { reason: control.reason } : {}) };
    try {
      await this.temporal.workflow.getHandle(rolloutWorkflowId(model)).signal(definition, payload);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new NotFoundError(`${model} has no running rollout`);
      }
      throw error;
    }
  }

  /**
   * The id of the model's running rollout, or null when none runs. Asks the server (describe), not the
   * workflow (a query), so it answers with no worker polling; any other failure is thrown, never taken
   * for "no rollout".
   */
  async runningRollout(model: string): Promise<string | null> {
    checkModelName(model);
    const workflowId = rolloutWorkflowId(model);
    try {
      const described = await this.temporal.workflow.getHandle(workflowId).describe();
      return described.status.name === 'RUNNING' ? `${workflowId} (run ${described.runId})` : null;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  /** Refuses (naming it) while a rollout of the model runs: a hand-made change would fight its flags. */
  async refuseWhileRollingOut(model: string): Promise<void> {
    const rollout = await this.runningRollout(model);
    if (rollout) {
      throw new ConflictError(
        `a rollout of ${model} is running (${rollout}): abort it first (\`flywheel rollout abort ${model}\`)`,
      );
    }
  }

  /**
   * Trains a model on a public corpus through the trainModel workflow (the workers version the corpus
   * and train on the training queue) and waits for it. Registers a version; changes nothing that serves.
   */
  async trainModel(input: Omit<TrainModelInput, 'trainingTaskQueue'>): Promise<TrainModelResult> {
    checkModelName(input.model);
    const workflowId = trainModelWorkflowId(input.model);
    try {
      const handle = await this.temporal.workflow.start(trainModel, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [{ ...input, trainingTaskQueue: this.trainingTaskQueue }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes([{ key: MODEL, value: input.model }]),
        staticSummary: `Flywheel training of ${input.model} on ${input.source}`,
      });
      return await handle.result();
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ConflictError(
          `a training of ${input.model} is already running (${workflowId}): wait for it, then run this again`,
        );
      }
      if (error instanceof WorkflowFailedError) {
        throw new RunFailedError(`the training of ${input.model} failed: ${rootCause(error)}`);
      }
      throw error;
    }
  }

  /**
   * Makes a named version the champion through the championChange workflow and waits for it. Refused
   * while a rollout of the model runs (its id in the message), or while another change of it runs.
   */
  async changeChampion(input: ChampionChangeInput): Promise<ChampionChangeResult> {
    await this.refuseWhileRollingOut(input.model);
    const workflowId = championChangeWorkflowId(input.model);
    try {
      const handle = await this.temporal.workflow.start(championChange, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: MODEL, value: input.model },
          { key: TRIGGER, value: input.actor },
        ]),
        staticSummary: `Flywheel champion change of ${input.model} to ${input.to} (${input.actor})`,
      });
      return await handle.result();
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ConflictError(
          `a champion change of ${input.model} is already running (${workflowId}): wait for it, then run this again`,
        );
      }
      if (error instanceof WorkflowFailedError) {
        throw new RunFailedError(`the champion change of ${input.model} failed: ${rootCause(error)}`);
      }
      throw error;
    }
  }

  /** Polls the rollout's status until `done` holds (or the time runs out: then the last status). */
  async waitForRollout(
    model: string,
    done: (status: RolloutStatus) => boolean,
    timeoutMs = 30_000,
  ): Promise<RolloutStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.rolloutStatus(model);
      if (done(status) || Date.now() >= deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async latestCycle(model: string): Promise<CycleSummary> {
    const [latest] = await this.listCycles({ model, limit: 1 });
    if (!latest)
      throw new NotFoundError(`${model} has no cycles yet: start one with \`flywheel cycle start ${model}\``);
    return latest;
  }
}

function cycleQuery(model: string): string {
  return `WorkflowType = 'cycle' AND FlywheelModel = '${model}'`;
}

/** Refuses a malformed model name before anything is sent (it also keeps visibility queries well-formed). */
export function checkModelName(model: string): void {
  const result = ModelName.safeParse(model);
  if (!result.success) throw new InvalidRequestError(`model name "${model}": ${rulesOf(result.error)}`);
}

/** Refuses a cycle config with the field and the rule, before anything starts. */
export function checkCycleConfig(config: unknown): void {
  const parsed = parseCycleConfig(config);
  if (!parsed.ok) throw new InvalidRequestError(`invalid cycle config: ${parsed.errors.join('; ')}`);
}

function notFound(message: string): never {
  throw new NotFoundError(message);
}

function rootCause(error: Error): string {
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
