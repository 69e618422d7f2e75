import { type DailySpend, TRAINING_COST_AUDIT } from '../../core/cycle/training-budget.ts';
import type { ActivityDeps } from '../deps.ts';
import type { DailySpendInput } from './contracts.ts';

/**
 * What the model spent since the start of the UTC day, from the store rather than any workflow's memory:
 * cycles from the cycle records, training CPU-seconds from the cost records every training attempt leaves in
 * the audit trail (attempts that crashed or were stopped by their budget included).
 */
export function dailySpendActivity({ store }: ActivityDeps) {
  return async function dailySpend(input: DailySpendInput): Promise<DailySpend> {
    const cycles = (await store.cycles.list(input.model)).filter(
      (cycle) =>
        cycle.id !== input.cycleId && cycle.startedAt >= input.since && cycle.outcome !== 'over-budget',
    ).length;
    const costs = await store.audit.list({
      model: input.model,
      kind: TRAINING_COST_AUDIT,
      since: input.since,
    });
    const trainingCpuSeconds = costs.reduce((sum, event) => {
      const seconds = event.details.cpuSeconds;
      return sum + (typeof seconds === 'number' ? seconds : 0);
    }, 0);
    return { cycles, trainingCpuSeconds: Math.round(trainingCpuSeconds * 1000) / 1000 };
  };
}
