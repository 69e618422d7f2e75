import {
  condition,
  defineQuery,
  defineSignal,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { STAGE } from '../../workflows/search-attributes.ts';

export const advance = defineSignal<[string]>('advance');
export const stageQuery = defineQuery<string>('stage');

/** The smallest workflow that exercises what every Flywheel workflow relies on. */
export async function probe(): Promise<string> {
  let stage = 'started';
  setHandler(stageQuery, () => stage);
  setHandler(advance, (next) => {
    stage = next;
    upsertSearchAttributes([{ key: STAGE, value: next }] as never);
  });
  await condition(() => stage === 'done');
  return stage;
}
