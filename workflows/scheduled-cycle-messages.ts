export interface ScheduledCycleInput {
  model: string;
  /** The schedule that fired, named in the cycle's trigger. */
  scheduleId: string;
  /** The config of the cycle it starts (validated by the cycle). */
  cycleConfig?: unknown;
}

/** One schedule per model: `flywheel schedule create` on a model that has one refuses. */
export function cycleScheduleId(model: string): string {
  return `flywheel-cycle-schedule-${model}`;
}

/** The id the schedule gives each scheduledCycle run (Temporal appends the firing time). */
export function scheduledCycleWorkflowId(model: string): string {
  return `flywheel-scheduled-cycle-${model}`;
}
