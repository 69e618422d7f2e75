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

export const FLYWHEEL_SEARCH_ATTRIBUTES = [MODEL, STAGE, CYCLE_NUMBER, OUTCOME, TRIGGER] as const;
