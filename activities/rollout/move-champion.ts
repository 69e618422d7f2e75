import { CHAMPION_ONLY } from '../../core/rollout/rollout-state.ts';
import type { ActivityDeps } from '../deps.ts';

export interface ChampionMove {
  model: string;
  /** The version that becomes the champion. */
  to: string;
  /** The champion it replaces (becomes `previous`); null when there was none. */
  from: string | null;
  reason: string;
  actor: string;
}

/**
 * Makes a version the champion everywhere it counts: the registry's aliases (champion, and previous =
 * the one it replaces, each move kept in the alias history) and the flags the gateways serve from
 * (champion-only). Every part is idempotent, so a retry after a partial failure finishes the move.
 * The registry moves first: it is the record; the flags follow it.
 */
export async function moveChampion(deps: Pick<ActivityDeps, 'store' | 'flags'>, move: ChampionMove) {
  const at = Date.now();
  if (move.from !== null && move.from !== move.to) {
    await deps.store.models.moveAlias({
      model: move.model,
      alias: 'previous',
      versionId: move.from,
      reason: move.reason,
      actor: move.actor,
      at,
    });
  }
  await deps.store.models.moveAlias({
    model: move.model,
    alias: 'champion',
    versionId: move.to,
    reason: move.reason,
    actor: move.actor,
    at,
  });
  await deps.flags.write(move.model, CHAMPION_ONLY(move.to));
}

/**
 * `flywheel models rollback`: the previous champion serves again, in one step (aliases and flags). The
 * version rolled back from becomes `previous`, so running it again undoes it.
 */
export async function restorePreviousChampion(
  deps: Pick<ActivityDeps, 'store' | 'flags'>,
  request: { model: string; actor: string; reason: string },
): Promise<{ champion: string; previous: string }> {
  const current = await deps.store.models.alias(request.model, 'champion');
  const previous = await deps.store.models.alias(request.model, 'previous');
  if (!current || !previous) {
    throw new Error(`${request.model} has no previous champion to go back to`);
  }
  await moveChampion(deps, {
    model: request.model,
    to: previous,
    from: current,
    reason: request.reason,
    actor: request.actor,
  });
  await deps.store.audit.append({
    at: Date.now(),
    model: request.model,
    cycleId: null,
    kind: 'champion-rolled-back',
    actor: request.actor,
    details: { championVersion: previous, previousVersion: current, reason: request.reason },
  });
  return { champion: previous, previous: current };
}

/**
 * Champion-only flags for the registry's champion, when a rollout left others behind and can no longer
 * restore them itself (it was terminated: no code runs). What `flywheel rollout abort` does when no rollout
 * of the model runs. Changes nothing when the flags are champion-only already.
 */
export async function resetFlagsToChampion(
  deps: Pick<ActivityDeps, 'store' | 'flags'>,
  request: { model: string; actor: string },
): Promise<{ changed: boolean; championVersion: string | null }> {
  const flags = await deps.flags.read(request.model);
  if (flags.mode === 'off' && flags.candidateVersion === null) {
    return { changed: false, championVersion: flags.championVersion };
  }
  const championVersion = await deps.store.models.alias(request.model, 'champion');
  const { changed } = await deps.flags.write(request.model, CHAMPION_ONLY(championVersion));
  await deps.store.audit.append({
    at: Date.now(),
    model: request.model,
    cycleId: null,
    kind: 'rollout-flags-reset',
    actor: request.actor,
    details: { before: flags, championVersion },
  });
  return { changed, championVersion };
}
