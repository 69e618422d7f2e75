/**
 * How long on-call's `abort` takes to reach users: from the signal until the gateway answers every
 * canary user with the champion, split into its two legs, measured side by side in each round:
 *
 * - signal → champion-only flags written: the rollout's reaction (a workflow task on the worker, then
 *   the non-cancellable restoreChampion activity writing the embedded flag store);
 * - flags written → every canary user served by the champion: the gateway's rollout cache (500 ms).
 *
 *   node bench/rollout-abort.ts [--rounds 7] [--users 200]
 *
 * A private dev server, a worker in a child process (as in production) and the real gateway in this
 * process, all over one data folder; two versions trained on SpamAssassin era 1. Each round starts a
 * rollout at canary 50% (a soak of an hour: nothing but the abort moves it), finds the users the gateway
 * sends to the candidate, then aborts and polls the flag store and the gateway until they show the champion.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { registerModelFromCorpus } from '../activities/training/register-first-model.ts';
import { loadSpamAssassin } from '../adapters/corpus/spamassassin.ts';
import type { ModelVersion } from '../core/registry/model-version.ts';
import { runGateway } from '../gateway/run-gateway.ts';
import { askEach, eventually, modelWith, userKeys } from '../test/support/rollout-traffic.ts';
import { openDeps } from '../workers/open-deps.ts';
import { machineLine, median, progress, table } from './machine.ts';
import { benchLogger, startTemporalRig } from './temporal-rig.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    users: { type: 'string', default: '200' },
  },
});
const rounds = Number(values.rounds);
const userCount = Number(values.users);

const rig = await startTemporalRig();
const dataDir = rig.dataDir();
const worker = await rig.startWorkerProcess(dataDir);
const deps = await openDeps({ dataDir, logger: benchLogger });
const gateway = await runGateway({ dataDir, port: 0, host: '127.0.0.1', logger: benchLogger });
try {
  progress('training two versions on SpamAssassin era 1 …');
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const examples = era1.map(({ id, text, label, group }) => ({ id, text, label, group }));
  const train = async (epochs: number): Promise<ModelVersion> => {
    const trained = await registerModelFromCorpus(deps, {
      model: 'bench-base',
      examples,
      source: 'spamassassin:era-1',
      champion: 'if-none',
      actor: 'bench',
      params: { epochs },
    });
    return (await deps.store.models.get(trained.versionId))!;
  };
  const versions = { champion: await train(1), candidate: await train(2) };
  const messages = loadSpamAssassin({ groups: ['easy-ham-2', 'spam-2'] });

  const rows: string[][] = [['round', 'canary users', 'signal → flags ms', 'flags → gateway ms', 'total ms']];
  const toFlags: number[] = [];
  const toGateway: number[] = [];
  const totals: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const model = `abort-${round}`;
    const { championVersion, candidateVersion } = await modelWith({ deps }, model, versions);
    await worker.client.startRollout(model, candidateVersion, {
      config: { rollout: { steps: [50, 100], soak: '1h' } },
      trigger: 'bench',
    });
    await eventually(
      'the 50% step',
      () => worker.client.rolloutStatus(model),
      (s) => s.phase === 'soaking',
    );
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the gateway's cache bound
    const canary = (await askEach(gateway.address, model, userKeys('user', userCount), messages))
      .filter((answer) => answer.variant === 'canary')
      .map((answer) => answer.user);

    const sentAt = performance.now();
    await worker.client.signalRollout(model, 'abort', { by: 'bench' });
    const flagsAt = (async () => {
      for (;;) {
        if ((await deps.flags.read(model)).mode === 'off') return performance.now();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    let servedAt: number;
    for (;;) {
      const answers = await askEach(gateway.address, model, canary, messages, 32);
      if (answers.every((a) => a.variant === 'champion' && a.modelVersion === championVersion)) {
        servedAt = performance.now();
        break;
      }
      if (performance.now() - sentAt > 30_000) throw new Error(`round ${round}: still on the candidate`);
    }
    const flagged = await flagsAt;
    toFlags.push(flagged - sentAt);
    toGateway.push(servedAt - flagged);
    totals.push(servedAt - sentAt);
    rows.push([
      String(round),
      String(canary.length),
      (flagged - sentAt).toFixed(0),
      (servedAt - flagged).toFixed(0),
      (servedAt - sentAt).toFixed(0),
    ]);
    progress(`round ${round}: ${(servedAt - sentAt).toFixed(0)} ms`);
  }
  rows.push([
    'median',
    '',
    median(toFlags).toFixed(0),
    median(toGateway).toFixed(0),
    median(totals).toFixed(0),
  ]);
  rows.push([
    'max',
    '',
    Math.max(...toFlags).toFixed(0),
    Math.max(...toGateway).toFixed(0),
    Math.max(...totals).toFixed(0),
  ]);
  process.stdout.write(
    `abort → gateway serving only the champion (gateway rollout cache bound 500 ms)\n${table(rows)}\n` +
      `the cache is ${((median(toGateway) / median(totals)) * 100).toFixed(0)}% of the median; ${machineLine()}\n`,
  );
} finally {
  await gateway.close();
  await deps.close();
  await worker.stop();
  await rig.stop();
}
