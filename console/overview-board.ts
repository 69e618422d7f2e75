import type { FlywheelStore } from '../adapters/store/store.ts';
import type { FlywheelClient } from '../client/flywheel-client.ts';
import { monitorStatus } from '../client/monitors.ts';
import type { MonitorStatus } from '../workflows/monitor-messages.ts';
import { monitorWorkflowId } from '../workflows/monitor-messages.ts';
import type { RolloutStatus } from '../workflows/rollout-messages.ts';
import { rolloutWorkflowId } from '../workflows/rollout-messages.ts';

/** A small line chart's worth of numbers, oldest first. */
export interface Series {
  name: string;
  values: number[];
  last: number | null;
}

export interface ModelBoard {
  model: string;
  champion: { versionId: string; metrics: Record<string, number> } | null;
  cycle: { number: number; stage: string | null; workflowId: string; link: string | null } | null;
  rollout: {
    step: string | null;
    stepNumber: number | null;
    steps: number;
    phase: string;
    outcome: string;
    mode: string | null;
    canaryPercent: number | null;
    candidateVersion: string;
    link: string | null;
  } | null;
  monitor: {
    phase: string;
    checks: number;
    lastCheckAt: number | null;
    series: Series[];
    link: string | null;
  } | null;
  recent: Array<{
    number: number;
    outcome: string;
    trigger: string;
    startedAt: number;
    endedAt: number | null;
    link: string | null;
  }>;
}

/** Where each model's loop stands, gathered from the store (history) and Temporal (what runs now). */
export async function readOverview(
  flywheel: FlywheelClient,
  store: FlywheelStore,
  temporalUiUrl: string | null,
): Promise<ModelBoard[]> {
  const linkTo = (workflowId: string) =>
    temporalUiUrl
      ? `${temporalUiUrl}/namespaces/${encodeURIComponent(flywheel.target.namespace)}/workflows/${encodeURIComponent(workflowId)}`
      : null;
  const models = await store.models.models();
  return Promise.all(
    models.map(async (model): Promise<ModelBoard> => {
      const [championId, running, rollout, monitor, cycles] = await Promise.all([
        store.models.alias(model, 'champion'),
        flywheel.listCycles({ model, running: true }).catch(() => []),
        flywheel.rolloutStatus(model).catch((): RolloutStatus | null => null),
        monitorStatus(flywheel, model).catch((): MonitorStatus | null => null),
        store.cycles.list(model),
      ]);
      const champion = championId ? await store.models.get(championId) : null;
      const cycle = running[0];
      return {
        model,
        champion: champion ? { versionId: champion.id, metrics: champion.metrics } : null,
        cycle: cycle
          ? {
              number: cycle.number,
              stage: cycle.stage,
              workflowId: cycle.workflowId,
              link: linkTo(cycle.workflowId),
            }
          : null,
        rollout: rollout
          ? {
              step: rollout.stepName,
              stepNumber: rollout.stepIndex === null ? null : rollout.stepIndex + 1,
              steps: rollout.steps.length,
              phase: rollout.phase,
              outcome: rollout.outcome,
              mode: rollout.flags?.mode ?? null,
              canaryPercent: rollout.flags?.mode === 'canary' ? rollout.flags.percent : null,
              candidateVersion: rollout.candidateVersion,
              link: linkTo(rolloutWorkflowId(model)),
            }
          : null,
        monitor: monitor
          ? {
              phase: monitor.phase,
              checks: monitor.checks,
              lastCheckAt: monitor.recent.at(-1)?.at ?? null,
              series: monitorSeries(monitor),
              link: linkTo(monitorWorkflowId(model)),
            }
          : null,
        recent: cycles
          .slice(-8)
          .reverse()
          .map((record) => ({
            number: record.number,
            outcome: record.outcome,
            trigger: record.trigger,
            startedAt: record.startedAt,
            endedAt: record.endedAt,
            link: linkTo(record.workflowId),
          })),
      };
    }),
  );
}

/** Predictions per check, and each signal's first figure, over the monitor's recent checks. */
function monitorSeries(monitor: MonitorStatus): Series[] {
  const checks = monitor.recent;
  const series: Series[] = [
    { name: 'predictions', values: checks.map((check) => check.predictions), last: null },
  ];
  const names = new Map<string, string>();
  for (const check of checks) {
    for (const reading of check.readings) {
      const figure = Object.keys(reading.figures)[0];
      if (figure && !names.has(reading.signal)) names.set(reading.signal, figure);
    }
  }
  for (const [signal, figure] of names) {
    const values = checks.flatMap((check) => {
      const value = check.readings.find((reading) => reading.signal === signal)?.figures[figure];
      return typeof value === 'number' && Number.isFinite(value) ? [value] : [];
    });
    series.push({ name: `${signal} (${figure})`, values, last: null });
  }
  return series.map((entry) => ({ ...entry, last: entry.values.at(-1) ?? null }));
}
