import { activityAuditKey } from '../audit-key.ts';
import type { ActivityDeps } from '../deps.ts';
import type { FinishCycleInput } from './contracts.ts';

/** Records how the cycle ended and, unless it failed, the capture position the next cycle starts after. */
export function finishCycleActivity({ store }: ActivityDeps) {
  return async function finishCycle(input: FinishCycleInput): Promise<void> {
    const existing = await store.cycles.get(input.cycleId);
    if (existing) {
      await store.cycles.upsert({
        ...existing,
        outcome: input.outcome,
        watermark: input.to,
        endedAt: input.endedAt,
        summary: input.summary,
      });
    }
    await store.audit.append(
      {
        at: Date.now(),
        model: input.model,
        cycleId: input.cycleId,
        kind: 'cycle-finished',
        actor: 'flywheel',
        details: { outcome: input.outcome, to: input.to },
      },
      activityAuditKey(),
    );
  };
}
