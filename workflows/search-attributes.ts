import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes Flywheel sets on its workflows, so on-call can filter the Temporal UI by model,
 * stage, cycle number and outcome. Registered on the namespace at start-up (workers/search-attributes.ts).
 */
export const MODEL = defineSearchAttributeKey('FlywheelModel', SearchAttributeType.KEYWORD);
export const STAGE = defineSearchAttributeKey('FlywheelStage', SearchAttributeType.KEYWORD);
export const CYCLE_NUMBER = defineSearchAttributeKey('FlywheelCycle', SearchAttributeType.INT);
export const OUTCOME = defineSearchAttributeKey('FlywheelOutcome', SearchAttributeType.KEYWORD);
export const TRIGGER = defineSearchAttributeKey('FlywheelTrigger', SearchAttributeType.KEYWORD);

/** A cycle's cost when it ends: CPU-seconds of its activities, and reviewers' decisions. */
export const CPU_SECONDS = defineSearchAttributeKey('FlywheelCpuSeconds', SearchAttributeType.DOUBLE);
export const REVIEWER_DECISIONS = defineSearchAttributeKey(
  'FlywheelReviewerDecisions',
  SearchAttributeType.INT,
);

export const FLYWHEEL_SEARCH_ATTRIBUTES = [
  MODEL,
  STAGE,
  CYCLE_NUMBER,
  OUTCOME,
  TRIGGER,
  CPU_SECONDS,
  REVIEWER_DECISIONS,
] as const;
