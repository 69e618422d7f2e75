import type { Command } from 'commander';
import { type ChampionChangeResult, changeChampion } from '../../activities/rollout/move-champion.ts';
import { type FirstModel, registerModelFromCorpus } from '../../activities/training/register-first-model.ts';
import { loadSpamAssassin, parseSpamAssassinSpec } from '../../adapters/corpus/spamassassin.ts';
import { checkModelName } from '../../client/flywheel-client.ts';
import { CliError, describeForTerminal, EXIT } from '../cli-error.ts';
import { formatTable, printResult } from '../table.ts';
import { withClient } from './cycle.ts';
import { withLocalDeps } from './local-deps.ts';
import { registerModelsExportCommand } from './models-export.ts';

export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('the model registry: train, list, show, rollback, export');

  models
    .command('train <model>')
    .description(
      'train a model on a labelled corpus and register it (the champion with --champion, or when it has none)',
    )
    .requiredOption(
      '--dataset <spec>',
      'spamassassin:<group>[,<group>…] (groups: easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2, era-1, era-2, all)',
    )
    .option('--champion', 'make it the champion even if the model has one')
    .option('--epochs <n>', 'training epochs', (value) => Number(value))
    .option(
      '--offline',
      'break-glass when Temporal is down: train in this process and make it the champion from here, audited',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        model: string,
        options: { dataset: string; champion?: boolean; epochs?: number; offline?: boolean; json?: boolean },
      ) => {
        checkModelName(model);
        try {
          parseSpamAssassinSpec(options.dataset);
        } catch (error) {
          throw new CliError((error as Error).message, EXIT.usage);
        }
        const actor = `cli${options.offline ? '-offline' : ''}:${process.env.USER ?? 'unknown'}`;
        const params = options.epochs ? { epochs: options.epochs } : {};
        const again = `models train ${model} --dataset ${options.dataset}${options.champion ? ' --champion' : ''}`;
        // On the workers (trainModel workflow, training queue); only the break-glass trains in this process.
        const { trained, champion } = options.offline
          ? await trainHere(model, options.dataset, params, actor)
          : await withClient(async (client) => {
              const result = await client.trainModel({ model, source: options.dataset, params });
              return { trained: result, champion: result.championBefore };
            }).catch((error: unknown) => {
              throw offlineHint(error, again);
            });
        const promote = (options.champion || champion === null) && champion !== trained.versionId;
        if (promote) {
          // Making it the champion is a change of who serves: the championChange workflow (refused under
          // a running rollout, audited), or its audited offline form.
          const request = {
            model,
            to: trained.versionId,
            actor,
            reason: `trained on ${options.dataset}`,
            purpose: 'trained' as const,
          };
          if (options.offline) {
            await withLocalDeps((deps) => changeChampion(deps, { ...request, via: 'offline' }));
          } else {
            await withClient((client) => client.changeChampion(request)).catch((error: unknown) => {
              throw offlineHint(error, again);
            });
          }
        }
        const result = {
          versionId: trained.versionId,
          datasetId: trained.datasetId,
          counts: trained.counts,
          holdoutAccuracy: trained.holdoutAccuracy,
          reused: trained.reused,
          isChampion: promote || champion === trained.versionId,
        };
        printResult(result, Boolean(options.json), () =>
          [
            `${result.reused ? 'already registered' : 'trained'} ${model} version ${result.versionId}`,
            `  dataset:  ${result.datasetId} (${result.counts.train} train, ${result.counts.holdout} holdout)`,
            `  accuracy: ${result.holdoutAccuracy.toFixed(4)} on the holdout`,
            `  champion: ${result.isChampion ? 'yes' : 'no (use --champion to make it one)'}`,
          ].join('\n'),
        );
      },
    );

  models
    .command('list [model]')
    .description('registered versions (of one model, or every model)')
    .option('--json', 'print JSON')
    .action(async (model: string | undefined, options: { json?: boolean }) => {
      if (model) checkModelName(model);
      const rows = await withLocalDeps(async ({ store }) => {
        const names = model ? [model] : await store.models.models();
        const result = [];
        for (const name of names) {
          const champion = await store.models.alias(name, 'champion');
          const previous = await store.models.alias(name, 'previous');
          for (const version of await store.models.list(name)) {
            result.push({
              model: name,
              version: version.id,
              alias: version.id === champion ? 'champion' : version.id === previous ? 'previous' : '',
              accuracy: version.metrics.accuracy ?? null,
              dataset: version.datasetId,
              blessedBy: version.blessedBy,
              created: new Date(version.createdAt),
            });
          }
        }
        return result;
      });
      printResult(rows, Boolean(options.json), () =>
        formatTable(rows, ['model', 'version', 'alias', 'accuracy', 'dataset', 'blessedBy', 'created']),
      );
    });

  models
    .command('show <model>')
    .description('a model: its aliases, their history and its versions')
    .option('--json', 'print JSON')
    .action(async (model: string, options: { json?: boolean }) => {
      checkModelName(model);
      const shown = await withLocalDeps(async ({ store }) => {
        const versions = await store.models.list(model);
        if (versions.length === 0)
          throw new CliError(
            `no model ${model}: train one with \`flywheel models train ${model} --dataset spamassassin:era-1\``,
            EXIT.notFound,
          );
        return {
          model,
          champion: await store.models.alias(model, 'champion'),
          previous: await store.models.alias(model, 'previous'),
          aliasHistory: await store.models.aliasHistory(model),
          versions,
        };
      });
      printResult(shown, Boolean(options.json), () =>
        [
          `${model}: champion ${shown.champion ?? '-'}, previous ${shown.previous ?? '-'}`,
          '',
          formatTable(
            shown.versions.map((version) => ({ ...version, accuracy: version.metrics.accuracy ?? null })),
            ['id', 'accuracy', 'datasetId', 'trainer', 'blessedBy'],
          ),
          '',
          'alias history:',
          formatTable(
            shown.aliasHistory.map((move) => ({ ...move, at: new Date(move.at) })),
            ['at', 'alias', 'versionId', 'previousVersionId', 'actor', 'reason'],
          ),
        ].join('\n'),
      );
    });

  models
    .command('rollback <model>')
    .description(
      'make a version the champion again (registry aliases and serving flags) through a workflow; refused while a rollout runs',
    )
    .option('--to <version>', 'the version to serve (default: the previous champion, read once at the start)')
    .option('--reason <text>', 'why (kept in the alias history and the audit trail)')
    .option('--offline', 'break-glass when Temporal is down: write the registry and flags from here, audited')
    .option('--json', 'print JSON')
    .action(
      async (model: string, options: { to?: string; reason?: string; offline?: boolean; json?: boolean }) => {
        checkModelName(model);
        // Refused first under a running rollout (the default target means nothing then); the workflow's
        // start checks again.
        if (!options.offline) {
          await withClient((client) => client.refuseWhileRollingOut(model)).catch((error: unknown) => {
            throw offlineHint(error, `models rollback ${model} --to ${options.to ?? '<version>'}`);
          });
        }
        const to = options.to ?? (await previousChampion(model));
        const request = {
          model,
          to,
          actor: `cli${options.offline ? '-offline' : ''}:${process.env.USER ?? 'unknown'}`,
          reason: options.reason ?? 'rolled back by hand',
        };
        const result: ChampionChangeResult = options.offline
          ? await withLocalDeps((deps) => changeChampion(deps, { ...request, via: 'offline' }))
          : await withClient((client) => client.changeChampion(request)).catch((error: unknown) => {
              throw offlineHint(error, `models rollback ${model} --to ${to}`);
            });
        printResult(result, Boolean(options.json), () =>
          result.changed
            ? `${model}: ${result.champion} is the champion (${result.previous ?? '-'} is previous); ` +
              'gateways serve it within their rollout cache bound (0.5 s by default). ' +
              `Running it again with \`--to ${result.champion}\` changes nothing.`
            : `${model}: ${result.champion} is the champion already and the flags serve it; nothing changed`,
        );
      },
    );

  registerModelsExportCommand(models);
}

/** The break-glass: versions the corpus and trains in this process, on the store the CLI is configured with. */
async function trainHere(
  model: string,
  dataset: string,
  params: Record<string, unknown>,
  actor: string,
): Promise<{ trained: FirstModel; champion: string | null }> {
  const examples = loadSpamAssassin({ groups: parseSpamAssassinSpec(dataset) }).map((message) => ({
    id: message.id,
    text: message.text,
    label: message.label,
    group: message.group,
  }));
  return withLocalDeps(async (deps) => ({
    champion: await deps.store.models.alias(model, 'champion'),
    trained: await registerModelFromCorpus(deps, {
      model,
      examples,
      source: dataset,
      champion: 'never',
      params,
      actor,
    }),
  }));
}

/** With Temporal unreachable, the one line also names the break-glass, with the target resolved here. */
function offlineHint(error: unknown, command: string): unknown {
  const { line, exitCode } = describeForTerminal(error, process.env.TEMPORAL_ADDRESS ?? 'localhost:7233');
  if (exitCode !== EXIT.unreachable) return error;
  return new CliError(`${line}; in an emergency: \`flywheel ${command} --offline\``, exitCode);
}

/** The default target of a rollback, read once before the change starts so every retry aims at it. */
async function previousChampion(model: string): Promise<string> {
  const previous = await withLocalDeps(({ store }) => store.models.alias(model, 'previous'));
  if (!previous) {
    throw new CliError(
      `${model} has no previous champion to go back to: name one with \`--to <version>\` (see \`flywheel models list ${model}\`)`,
      EXIT.notFound,
    );
  }
  return previous;
}
