import { CHAMPION_ONLY } from '../../core/rollout/rollout-state.ts';
import { activityAuditKey } from '../audit-key.ts';
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

/** A hand-made change of who serves: the version named up front, so running it again changes nothing. */
export interface ChampionChangeRequest {
  model: string;
  /** The version that serves afterwards. Resolved once, before the change starts, never re-read. */
  to: string;
  actor: string;
  reason: string;
  /** How it was asked for: through its workflow, or the break-glass path with Temporal down. */
  via: 'workflow' | 'offline';
  /**
   * What the audit calls it: a rollback (the default), champion-only flags put back for the registry's
   * champion after a terminated rollout left the candidate's behind (`flywheel rollout abort`), or a
   * version just trained made the champion (`flywheel models train`).
   */
  purpose?: 'rollback' | 'flags-reset' | 'trained';
}

export interface ChampionChangeResult {
  model: string;
  champion: string;
  /** What `previous` points at afterwards. */
  previous: string | null;
  /** False when the champion was `to` already and the flags served it champion-only. */
  changed: boolean;
}

/**
 * `flywheel models rollback`: makes a named version the champion and the flags champion-only for it.
 * Idempotent by its target: with the champion on `to` already, `previous` stays as it is (a re-run after
 * a crash half-way cannot lose a version), only flags that disagree are written, and nothing is audited
 * when nothing changed. Each part is idempotent, so a retry after any partial failure finishes the move.
 */
export async function changeChampion(
  deps: Pick<ActivityDeps, 'store' | 'flags'>,
  request: ChampionChangeRequest,
): Promise<ChampionChangeResult> {
  const version = await deps.store.models.get(request.to);
  if (!version || version.model !== request.model) {
    throw new UnknownVersionError(
      `${request.model} has no version ${request.to}: see \`flywheel models list ${request.model}\``,
    );
  }
  const current = await deps.store.models.alias(request.model, 'champion');
  const registryMoves = current !== request.to;
  if (registryMoves) {
    await moveChampion(deps, {
      model: request.model,
      to: request.to,
      from: current,
      reason: request.reason,
      actor: request.actor,
    });
  }
  const { changed: flagsChanged } = await deps.flags.write(request.model, CHAMPION_ONLY(request.to));
  const changed = registryMoves || flagsChanged;
  if (changed) {
    await deps.store.audit.append(
      {
        at: Date.now(),
        model: request.model,
        cycleId: null,
        kind: AUDIT_KIND[request.purpose ?? 'rollback'],
        actor: request.actor,
        details: {
          championVersion: request.to,
          previousVersion: registryMoves ? current : await deps.store.models.alias(request.model, 'previous'),
          reason: request.reason,
          via: request.via,
          registryMoved: registryMoves,
          flagsWritten: flagsChanged,
        },
      },
      activityAuditKey(),
    );
  }
  return {
    model: request.model,
    champion: request.to,
    previous: await deps.store.models.alias(request.model, 'previous'),
    changed,
  };
}

const AUDIT_KIND = {
  rollback: 'champion-rolled-back',
  'flags-reset': 'rollout-flags-reset',
  trained: 'champion-trained',
} as const;

/** The target of a champion change is no version of the model: retrying cannot help. */
export class UnknownVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownVersionError';
  }
}
