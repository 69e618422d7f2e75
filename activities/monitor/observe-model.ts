import { heartbeat } from '@temporalio/activity';
import { modelKinds } from '../../adapters/models/model-kinds.ts';
import type { FlywheelStore } from '../../adapters/store/store.ts';
import { START_OF_CAPTURE } from '../../core/capture/records.ts';
import { DEFAULT_SKETCH_POINTS } from '../../core/drift/quantile-sketch.ts';
import { outOfVocabularyRates } from '../../core/monitor/out-of-vocabulary.ts';
import { summaryOfServedWindow } from '../../core/monitor/served-window.ts';
import { summarizeWindow } from '../../core/monitor/window-summary.ts';
import { invalidInput, notFound } from '../activity-errors.ts';
import type { ActivityDeps } from '../deps.ts';
import { walkCapture } from '../edge-case-walk.ts';
import { VocabularyMeters } from '../vocabulary-meters.ts';
import type { CycleStarter, EdgeCaseBacklog, ObserveModelInput, ObserveModelResult } from './contracts.ts';

/**
 * At most this many captured predictions are read for the backlog on one check. The walk's memory is
 * bounded whatever it reads (walkCapture); this bounds the check's time (each e-mail is tokenised for
 * its out-of-vocabulary rate). Past it the count is a lower bound, which is all the trigger needs: a
 * backlog that large is far over any sensible threshold.
 */
export const MAX_BACKLOG_SCAN = 50_000;

/**
 * Out-of-vocabulary rates are measured on at most this many predictions of a window, spread evenly over
 * it: the mean of a thousand rates is within about ±0.01 of the window's, and tokenising every long
 * e-mail of a busy window would cost more than the rest of the check.
 */
export const MAX_OOV_SAMPLE = 1_000;

/**
 * One monitor check's figures, read from the store: a summary of the champion's served traffic in
 * [at − window, at) (label mix, confidence and text-length sketches, out-of-vocabulary rate, feedback
 * tally), the edge-case backlog since the last cycle, and what Temporal says about the model's cycles.
 */
export function observeModelActivity(deps: ActivityDeps) {
  const { store, artifacts } = deps;
  return async function observeModel(input: ObserveModelInput): Promise<ObserveModelResult> {
    if (!(input.window > 0)) throw invalidInput(`window must be a positive duration, got ${input.window}`);
    const cycles = requireCycleStarter(deps);
    const from = input.at - input.window;
    const championVersion = await store.models.alias(input.model, 'champion');
    if (championVersion === null) {
      return {
        championVersion: null,
        window: summarizeWindow({ from, to: input.at, predictions: [], feedback: [], labels: [] }),
        backlog: { count: 0, scanned: 0, capped: false },
        vocabularyCoverage: null,
        cycles: await cycles.state(input.model),
      };
    }
    const version = await store.models.get(championVersion);
    if (!version) throw notFound(`champion ${championVersion} of ${input.model} is not in the registry`);
    const predictor = await modelKinds.load(await artifacts.get(version.artifactSha256));

    // The champion's own traffic only: a canary's answers are judged by its rollout, not by drift.
    // Aggregated by the store: a busy window holds millions of predictions.
    const figures = await store.predictions.servedWindow({
      model: input.model,
      version: championVersion,
      from,
      to: input.at,
      sketchPoints: DEFAULT_SKETCH_POINTS,
      sampleSize: MAX_OOV_SAMPLE,
    });
    heartbeat({ window: figures.predictions });
    // Kinds whose weights say nothing about which words they saw have no out-of-vocabulary rate.
    const meter = predictor.vocabularyMeter();
    const meters = new VocabularyMeters(deps);
    meters.remember(championVersion, meter);
    const window = summaryOfServedWindow(
      { from, to: input.at },
      figures,
      meter ? outOfVocabularyRates(meter, figures.sample) : undefined,
    );
    const backlog = await edgeCaseBacklog(store, meters, input, version.labels);
    return {
      championVersion,
      window,
      backlog,
      vocabularyCoverage: meter?.coverage ?? null,
      cycles: await cycles.state(input.model),
    };
  };
}

/**
 * What the next cycle would mine if it started now: the capture since the last cycle's watermark
 * through the cycle's own mining rules (same settings, out-of-vocabulary rates measured the same way
 * when drifted-input is enabled: about a quarter of a millisecond per e-mail). Cheaper than the cycle in one way: items
 * already in the champion's dataset are not looked up (fresh traffic rarely repeats them), and late
 * feedback on predictions before the watermark is not walked. Streamed page by page like the cycle's
 * collection (walkCapture): memory stays flat however large the backlog.
 */
async function edgeCaseBacklog(
  store: FlywheelStore,
  meters: VocabularyMeters,
  input: ObserveModelInput,
  labels: readonly string[],
): Promise<EdgeCaseBacklog> {
  const from = (await store.cycles.lastWatermark(input.model)) ?? START_OF_CAPTURE;
  const batch = await walkCapture(
    { store, meters },
    {
      model: input.model,
      from,
      to: await store.captureHead(input.model),
      labels,
      settings: { mining: input.mining, autoLabel: input.autoLabel },
      lateFeedback: false,
      rowLimit: MAX_BACKLOG_SCAN,
      onProgress: (progress) => heartbeat({ backlogRead: progress.predictionCursor - from.predictionSeq }),
    },
  );
  return {
    count: batch.autoLabelled.length + batch.needsReview.length,
    scanned: batch.counts.scanned,
    capped: !batch.complete,
  };
}

export function requireCycleStarter(deps: ActivityDeps): CycleStarter {
  if (!deps.cycles) {
    throw invalidInput(
      'this worker has no cycle starter: build its activities with `cycles` in their deps (see workers/cycle-starter.ts)',
    );
  }
  return deps.cycles;
}
