import { START_OF_CAPTURE } from '../../core/capture/records.ts';
import { notFound } from '../activity-errors.ts';
import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { BeginCycleInput, BeginCycleResult } from './contracts.ts';

/** Finds the champion and where the last cycle stopped, and records that this cycle runs. */
export function beginCycleActivity({ store }: ActivityDeps) {
  return async function beginCycle(input: BeginCycleInput): Promise<BeginCycleResult> {
    const championVersion = await store.models.alias(input.model, 'champion');
    if (!championVersion) {
      throw notFound(
        `${input.model} has no champion: train one first (flywheel models train ${input.model} --dataset spamassassin:easy-ham-1,spam-1)`,
      );
    }
    const champion = await store.models.get(championVersion);
    if (!champion) throw notFound(`champion ${championVersion} of ${input.model} is not in the registry`);
    const from = (await store.cycles.lastWatermark(input.model)) ?? START_OF_CAPTURE;
    await store.cycles.upsert({
      id: input.cycleId,
      model: input.model,
      number: input.number,
      workflowId: input.workflowId,
      outcome: 'running',
      watermark: null,
      trigger: input.trigger,
      startedAt: input.startedAt,
      endedAt: null,
      summary: {},
    });
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: 'cycle-started',
        actor: input.trigger,
        details: { number: input.number, championVersion, from },
      },
      activityAuditKey(),
    );
    return { championVersion, parentDatasetId: champion.datasetId, labels: champion.labels, from };
  };
}
