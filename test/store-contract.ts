import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FEEDBACK_CLOCK_SLACK_MS } from '../adapters/store/step-window-queries.ts';
import type { FlywheelStore, ServedWindowQuery, StepWindowQuery } from '../adapters/store/store.ts';
import type { ApiKeyRecord } from '../core/access/api-key.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import { DEFAULT_SKETCH_POINTS } from '../core/drift/quantile-sketch.ts';
import { evenPositions, sketchRanks, summaryOfServedWindow } from '../core/monitor/served-window.ts';
import { summarizeWindow } from '../core/monitor/window-summary.ts';
import { summarizeStepWindow } from '../core/rollout/step-window.ts';
import { generatedRolloutRows } from './support/generated-rollout-rows.ts';
import {
  aCycle,
  aDatasetItem,
  aDatasetVersion,
  aFeedback,
  aGateReport,
  aModelVersion,
  anAuditEvent,
  aPrediction,
  aReviewItem,
  predictions,
  T0,
} from './support/store-records.ts';

/**
 * The one behaviour both stores must have. `openFreshStore` returns an empty, migrated store; each
 * test gets its own and closes it.
 */
export function describeStoreContract(name: string, openFreshStore: () => Promise<FlywheelStore>): void {
  describe(`${name} store contract`, () => {
    let store: FlywheelStore;
    beforeEach(async () => {
      store = await openFreshStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('predictions', () => {
      it('returns a prediction exactly as it was captured', async () => {
        const served = aPrediction();
        const shadow = aPrediction({
          id: 'p-shadow',
          variant: 'shadow',
          modelVersion: 'v2',
          userKey: null,
          servedPredictionId: 'p-1',
          confidence: 1,
          latencyMs: 0,
          metadata: {},
          scores: { spam: 1, ham: 0 },
        });
        await store.predictions.insertMany([served, shadow]);
        expect(await store.predictions.get('p-1')).toEqual(served);
        expect(await store.predictions.get('p-shadow')).toEqual(shadow);
        expect(await store.predictions.get('p-unknown')).toBeNull();
      });

      it('keeps texts and metadata with tabs, line breaks, backslashes and non-BMP characters as they were', async () => {
        const awkward = [
          aPrediction({
            id: 'p-tabs',
            text: 'col\tcol\r\nline \\N \\. end\\',
            metadata: { group: 'a\tb\\c\n', note: '"quoted" 😀' },
            userKey: 'user\twith\ttabs',
          }),
          aPrediction({
            id: 'p-emoji',
            text: '😀 ünïcödé \u0001 \\\\',
            confidence: 0.1 + 0.2,
            latencyMs: 1e-7,
          }),
          aPrediction({ id: 'p-nulls', userKey: null, metadata: {}, latencyMs: 0 }),
        ];
        await store.predictions.insertMany(awkward);
        for (const prediction of awkward)
          expect(await store.predictions.get(prediction.id)).toEqual(prediction);
        const feedback = [
          aFeedback({ id: 'f-tab', predictionId: 'p-tabs', userKey: 'a\tb', kind: 'label', label: 'x\\y' }),
          aFeedback({ id: 'f-null', predictionId: 'p-emoji', userKey: null, fromPredictionUser: false }),
        ];
        await store.feedback.insertMany(feedback);
        expect(await store.feedback.listForPredictions(['p-tabs', 'p-emoji'])).toEqual(feedback);
      });

      it('skips ids already captured, in a later batch or in the same one, keeping the first', async () => {
        await store.predictions.insertMany([aPrediction({ label: 'spam' })]);
        await store.predictions.insertMany([
          aPrediction({ label: 'ham' }),
          aPrediction({ id: 'p-2' }),
          aPrediction({ id: 'p-2', label: 'ham' }),
        ]);
        expect(await store.predictions.count()).toBe(2);
        expect((await store.predictions.get('p-1'))?.label).toBe('spam');
        expect((await store.predictions.get('p-2'))?.label).toBe('spam');
        const listed = await store.predictions.listAfter('spam', 0, 10);
        expect(listed.map((row) => row.id)).toEqual(['p-1', 'p-2']);
      });

      it('skips repeated ids inside a large batch too', async () => {
        const batch = predictions(250);
        const repeated = [
          ...batch.slice(0, 60),
          aPrediction({ id: 'p-3', label: 'ham' }),
          ...batch.slice(60),
        ];
        await store.predictions.insertMany([...repeated, aPrediction({ id: 'p-249', label: 'ham' })]);
        expect(await store.predictions.count()).toBe(250);
        expect((await store.predictions.get('p-3'))?.label).toBe('spam');
        expect((await store.predictions.get('p-249'))?.label).toBe('spam');
      });

      it('accepts an empty batch', async () => {
        await store.predictions.insertMany([]);
        expect(await store.predictions.count()).toBe(0);
      });

      it('numbers a large batch in the order given, as numbers', async () => {
        const batch = predictions(1234);
        await store.predictions.insertMany(batch);
        const listed = await store.predictions.listAfter('spam', 0, 5000);
        expect(listed.map((row) => row.id)).toEqual(batch.map((row) => row.id));
        for (const row of listed) expect(typeof row.seq).toBe('number');
        const seqs = listed.map((row) => row.seq);
        expect(seqs.every((seq, index) => index === 0 || seq > seqs[index - 1]!)).toBe(true);
        expect(seqs[0]).toBeGreaterThan(0);
      });

      it('lists after a position, one model only, at most `limit`, and pages without gaps', async () => {
        await store.predictions.insertMany(predictions(5, {}, 'a'));
        await store.predictions.insertMany(predictions(3, { model: 'other' }, 'o'));
        await store.predictions.insertMany(predictions(5, {}, 'b'));

        const firstPage = await store.predictions.listAfter('spam', 0, 4);
        expect(firstPage.map((row) => row.id)).toEqual(['a-0', 'a-1', 'a-2', 'a-3']);
        const seen = [...firstPage];
        let after = firstPage.at(-1)!.seq;
        for (;;) {
          const page = await store.predictions.listAfter('spam', after, 4);
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(4);
          seen.push(...page);
          after = page.at(-1)!.seq;
        }
        expect(seen.map((row) => row.id)).toEqual([
          ...predictions(5, {}, 'a').map((row) => row.id),
          ...predictions(5, {}, 'b').map((row) => row.id),
        ]);
        expect((await store.predictions.listAfter('other', 0, 10)).map((row) => row.id)).toEqual([
          'o-0',
          'o-1',
          'o-2',
        ]);
        expect(await store.predictions.listAfter('nobody', 0, 10)).toEqual([]);
      });

      it('lists a time window [from, to) by creation time, optionally of one variant', async () => {
        await store.predictions.insertMany([
          aPrediction({ id: 'late', createdAt: T0 + 20 }),
          aPrediction({ id: 'before', createdAt: T0 - 1 }),
          aPrediction({ id: 'at-from', createdAt: T0 }),
          aPrediction({ id: 'canary', createdAt: T0 + 5, variant: 'canary' }),
          aPrediction({ id: 'shadow', createdAt: T0 + 6, variant: 'shadow' }),
          aPrediction({ id: 'at-to', createdAt: T0 + 30 }),
          aPrediction({ id: 'other-model', createdAt: T0 + 1, model: 'other' }),
        ]);
        const window = await store.predictions.listBetween('spam', T0, T0 + 30);
        expect(window.map((row) => row.id)).toEqual(['at-from', 'canary', 'shadow', 'late']);
        expect(window[0]).toEqual(aPrediction({ id: 'at-from', createdAt: T0 }));
        expect(
          (await store.predictions.listBetween('spam', T0, T0 + 30, 'canary')).map((row) => row.id),
        ).toEqual(['canary']);
        expect(
          (await store.predictions.listBetween('spam', T0, T0 + 30, 'champion')).map((row) => row.id),
        ).toEqual(['at-from', 'late']);
        expect(await store.predictions.listBetween('spam', T0 + 100, T0 + 200)).toEqual([]);
      });

      it('reads many predictions by id, with their positions, leaving out unknown ids', async () => {
        await store.predictions.insertMany([
          aPrediction({ id: 'p-a' }),
          aPrediction({ id: 'p-b', model: 'other' }),
          aPrediction({ id: 'p-c', text: 'tabs\tand\nbreaks 🙂' }),
        ]);
        const rows = await store.predictions.getMany(['p-c', 'nobody', 'p-a', 'p-b', 'p-a']);
        expect(rows.map((row) => row.id)).toEqual(['p-a', 'p-b', 'p-c']);
        const { seq, ...first } = rows[0]!;
        expect(first).toEqual(aPrediction({ id: 'p-a' }));
        const listed = await store.predictions.listAfter('spam', 0, 10);
        expect(rows[2]!.seq).toBe(listed.find((row) => row.id === 'p-c')!.seq);
        expect(seq).toBeLessThan(rows[2]!.seq);
        expect(await store.predictions.getMany([])).toEqual([]);
      });

      it('finds the shadow twins of served predictions within a range of positions, by position', async () => {
        const shadow = (id: string, servedPredictionId: string, overrides: Partial<PredictionRecord> = {}) =>
          aPrediction({ id, servedPredictionId, variant: 'shadow', modelVersion: 'v2', ...overrides });
        await store.predictions.insertMany([aPrediction({ id: 'old' }), shadow('s-early', 'old')]);
        const start = (await store.captureHead('spam')).predictionSeq;
        await store.predictions.insertMany([
          aPrediction({ id: 'a' }),
          aPrediction({ id: 'b' }),
          shadow('s-b', 'b', { label: 'ham' }),
          shadow('s-a', 'a'),
          shadow('s-a2', 'a', { label: 'ham' }),
          shadow('s-other', 'a', { model: 'other' }),
          aPrediction({ id: 'canary-of-a', variant: 'canary', servedPredictionId: 'a' }),
        ]);
        const head = (await store.captureHead('spam')).predictionSeq;
        await store.predictions.insertMany([shadow('s-late', 'a')]);

        const twins = await store.predictions.shadowsOf('spam', ['a', 'b', 'old'], {
          afterSeq: start,
          upToSeq: head,
        });
        expect(twins.map((row) => row.id)).toEqual(['s-b', 's-a', 's-a2']);
        expect(twins[0]).toMatchObject({ label: 'ham', servedPredictionId: 'b', variant: 'shadow' });
        const all = await store.predictions.shadowsOf('spam', ['old', 'a'], {
          afterSeq: 0,
          upToSeq: head + 1,
        });
        expect(all.map((row) => row.id)).toEqual(['s-early', 's-a', 's-a2', 's-late']);
        expect(await store.predictions.shadowsOf('spam', [], { afterSeq: 0, upToSeq: head })).toEqual([]);
      });

      it('counts all predictions or those of one model', async () => {
        await store.predictions.insertMany([...predictions(3), ...predictions(2, { model: 'other' }, 'o')]);
        expect(await store.predictions.count()).toBe(5);
        expect(await store.predictions.count('spam')).toBe(3);
        expect(await store.predictions.count('other')).toBe(2);
        expect(await store.predictions.count('nobody')).toBe(0);
      });
    });

    describe('feedback', () => {
      it('records feedback once per id and says whether it did', async () => {
        const first = aFeedback();
        expect(await store.feedback.insert(first)).toEqual({ inserted: true });
        expect(await store.feedback.insert({ ...first, kind: 'incorrect', label: null })).toEqual({
          inserted: false,
        });
        expect(await store.feedback.count()).toBe(1);
        expect(await store.feedback.listForPredictions(['p-1'])).toEqual([first]);
      });

      it('inserts a batch skipping ids already recorded', async () => {
        await store.feedback.insert(aFeedback({ id: 'f-1', kind: 'correct', label: null }));
        await store.feedback.insertMany([
          aFeedback({ id: 'f-1', kind: 'incorrect', label: null }),
          aFeedback({ id: 'f-2', predictionId: 'p-2' }),
          aFeedback({ id: 'f-3', model: 'other', predictionId: 'p-3' }),
        ]);
        expect(await store.feedback.count()).toBe(3);
        expect(await store.feedback.count('spam')).toBe(2);
        expect(await store.feedback.count('other')).toBe(1);
        const [kept] = await store.feedback.listForPredictions(['p-1']);
        expect(kept?.kind).toBe('correct');
        await store.feedback.insertMany([]);
        expect(await store.feedback.count()).toBe(3);
      });

      it('lists after a position in recording order, one model only, at most `limit`', async () => {
        await store.feedback.insertMany([
          aFeedback({ id: 'f-a' }),
          aFeedback({ id: 'f-o', model: 'other' }),
          aFeedback({ id: 'f-b' }),
          aFeedback({ id: 'f-c' }),
        ]);
        const all = await store.feedback.listAfter('spam', 0, 10);
        expect(all.map((row) => row.id)).toEqual(['f-a', 'f-b', 'f-c']);
        expect(all[0]).toEqual({ ...aFeedback({ id: 'f-a' }), seq: all[0]!.seq });
        for (const row of all) expect(typeof row.seq).toBe('number');
        expect((await store.feedback.listAfter('spam', all[0]!.seq, 1)).map((row) => row.id)).toEqual([
          'f-b',
        ]);
        expect(await store.feedback.listAfter('spam', all[2]!.seq, 10)).toEqual([]);
      });

      it('keeps whether the feedback came from the user who got the answer, one row or a batch', async () => {
        const stranger = aFeedback({ id: 'f-stranger', userKey: 'user-2', fromPredictionUser: false });
        const own = aFeedback({ id: 'f-own', fromPredictionUser: true });
        await store.feedback.insert(stranger);
        await store.feedback.insertMany([
          own,
          aFeedback({ id: 'f-anonymous', userKey: null, fromPredictionUser: false }),
        ]);
        expect(
          (await store.feedback.listForPredictions(['p-1'])).map((row) => [row.id, row.fromPredictionUser]),
        ).toEqual([
          ['f-stranger', false],
          ['f-own', true],
          ['f-anonymous', false],
        ]);
        expect((await store.feedback.listAfter('spam', 0, 10))[0]).toMatchObject({
          fromPredictionUser: false,
        });
      });

      it('lists the feedback on given predictions, in recording order', async () => {
        await store.feedback.insertMany([
          aFeedback({ id: 'f-1', predictionId: 'p-2' }),
          aFeedback({ id: 'f-2', predictionId: 'p-1' }),
          aFeedback({ id: 'f-3', predictionId: 'p-3' }),
          aFeedback({ id: 'f-4', predictionId: 'p-2', kind: 'correct', label: null }),
        ]);
        const found = await store.feedback.listForPredictions(['p-2', 'p-1', 'p-missing']);
        expect(found.map((row) => row.id)).toEqual(['f-1', 'f-2', 'f-4']);
        expect(found[2]).toEqual(aFeedback({ id: 'f-4', predictionId: 'p-2', kind: 'correct', label: null }));
        expect(await store.feedback.listForPredictions([])).toEqual([]);
      });
    });

    describe('step window figures', () => {
      /** The figures as computed before the store aggregated them: every row loaded, then core/rollout. */
      const fromLoadedRows = async (query: StepWindowQuery) => {
        const ofThisRollout = (p: PredictionRecord) =>
          p.variant === 'champion'
            ? p.modelVersion === query.championVersion
            : p.modelVersion === query.candidateVersion;
        const rows = (await store.predictions.listBetween(query.model, query.from, query.to)).filter(
          ofThisRollout,
        );
        const served = rows.filter((p) => p.variant !== 'shadow').map((p) => p.id);
        const feedback = await store.feedback.listForPredictions(served);
        return summarizeStepWindow(query.mode, rows, feedback, ['spam', 'ham']);
      };
      const query = (overrides: Partial<StepWindowQuery> = {}): StepWindowQuery => ({
        model: 'spam',
        from: T0,
        to: T0 + 1_000_000,
        mode: 'canary',
        championVersion: 'v1',
        candidateVersion: 'v2',
        ...overrides,
      });

      it('gives the same figures as summarizeStepWindow over the same rows, in both modes and any window', async () => {
        const traffic = generatedRolloutRows(1_500, 11);
        await store.predictions.insertMany(traffic.predictions);
        await store.feedback.insertMany(traffic.feedback);
        // Another model's traffic at the same times is not this rollout's.
        await store.predictions.insertMany(
          generatedRolloutRows(50, 3).predictions.map((p) => ({ ...p, id: `other-${p.id}`, model: 'other' })),
        );
        const windows = [
          query(),
          query({ mode: 'shadow' }),
          query({ from: T0 + 37, to: T0 + 251 }),
          query({ mode: 'shadow', from: T0 + 37, to: T0 + 251 }),
          query({ mode: 'shadow', from: T0 + 100, to: T0 + 101 }),
          query({ championVersion: 'v0', candidateVersion: 'v1' }),
        ];
        for (const window of windows) {
          const expected = await fromLoadedRows(window);
          expect(await store.predictions.stepWindow(window), JSON.stringify(window)).toEqual(expected);
        }
        // The generated traffic exercises what it claims to: rated, negative, conflicts and disagreements.
        const whole = await store.predictions.stepWindow(query({ mode: 'shadow' }));
        expect(whole.champion.feedback.negative).toBeGreaterThan(0);
        expect(whole.champion.feedback.rated).toBeGreaterThan(whole.champion.feedback.negative);
        expect(whole.shadow?.disagreements).toBeGreaterThan(0);
        expect(whole.shadow?.compared).toBeLessThan(whole.candidate.predictions);
      });

      it('computes nearest-rank latency percentiles and feedback verdicts as core does, row by row', async () => {
        await store.predictions.insertMany([
          ...[10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((latencyMs, i) =>
            aPrediction({ id: `p-${i}`, latencyMs, label: 'spam', modelVersion: 'v1' }),
          ),
          aPrediction({ id: 'c-1', variant: 'canary', modelVersion: 'v2', latencyMs: 3 }),
        ]);
        await store.feedback.insertMany([
          aFeedback({ id: 'f-1', predictionId: 'p-0', kind: 'correct', label: null }),
          aFeedback({ id: 'f-2', predictionId: 'p-0', kind: 'label', label: 'spam' }),
          aFeedback({ id: 'f-3', predictionId: 'p-1', kind: 'incorrect', label: null }),
          aFeedback({ id: 'f-4', predictionId: 'p-1', kind: 'incorrect', label: null }),
          aFeedback({ id: 'f-5', predictionId: 'p-2', kind: 'label', label: 'phishing' }),
          aFeedback({ id: 'f-6', predictionId: 'p-3', kind: 'correct', label: null }),
          aFeedback({ id: 'f-7', predictionId: 'p-3', kind: 'incorrect', label: null }),
          aFeedback({ id: 'f-8', predictionId: 'p-4', kind: 'label', label: 'ham' }),
          aFeedback({ id: 'f-9', predictionId: 'p-4', kind: 'label', label: 'phishing' }),
          aFeedback({ id: 'f-10', predictionId: 'p-5', kind: 'label', label: null }),
        ]);
        const figures = await store.predictions.stepWindow(query({ to: T0 + 1 }));
        // p-0 confirmed, p-1 wrong once, p-2 unknown label (wrong), p-3 and p-4 conflicts, p-5 no claim.
        expect(figures.champion).toEqual({
          predictions: 10,
          feedback: { rated: 3, negative: 2 },
          latencyP50Ms: 5,
          latencyP99Ms: 10,
        });
        expect(figures.candidate).toEqual({
          predictions: 1,
          feedback: { rated: 0, negative: 0 },
          latencyP50Ms: 3,
          latencyP99Ms: 3,
        });
        expect(await store.predictions.stepWindow(query({ from: T0 + 1, to: T0 + 2 }))).toEqual({
          mode: 'canary',
          candidate: {
            predictions: 0,
            feedback: { rated: 0, negative: 0 },
            latencyP50Ms: null,
            latencyP99Ms: null,
          },
          champion: {
            predictions: 0,
            feedback: { rated: 0, negative: 0 },
            latencyP50Ms: null,
            latencyP99Ms: null,
          },
          shadow: null,
        });
      });
      it('counts the feedback recorded from ten minutes before the window opens, and none older (as the monitor does)', async () => {
        const from = T0 + 2 * FEEDBACK_CLOCK_SLACK_MS;
        await store.predictions.insertMany([
          aPrediction({ id: 'p-skewed', createdAt: from + 10, modelVersion: 'v1', label: 'spam' }),
          aPrediction({ id: 'p-stale', createdAt: from + 20, modelVersion: 'v1', label: 'spam' }),
        ]);
        const incorrect = { kind: 'incorrect', label: null } as const;
        await store.feedback.insertMany([
          // Up to ten minutes older than the window: another gateway host's clock.
          aFeedback({
            id: 'f-skewed',
            predictionId: 'p-skewed',
            ...incorrect,
            createdAt: from - FEEDBACK_CLOCK_SLACK_MS,
          }),
          // Older than that: no feedback on this window's traffic can be.
          aFeedback({
            id: 'f-stale',
            predictionId: 'p-stale',
            ...incorrect,
            createdAt: from - FEEDBACK_CLOCK_SLACK_MS - 1,
          }),
        ]);
        const counted = { rated: 1, negative: 1 };
        expect(
          (await store.predictions.stepWindow(query({ from, to: from + 100 }))).champion.feedback,
        ).toEqual(counted);
        const served = await store.predictions.servedWindow({
          model: 'spam',
          version: 'v1',
          from,
          to: from + 100,
          sketchPoints: DEFAULT_SKETCH_POINTS,
          sampleSize: 1,
        });
        expect(served.predictions).toBe(2);
        expect(served.feedback).toEqual(counted);
      });
    });

    describe('served window figures', () => {
      /** Rollout traffic with texts of many lengths (some beyond the BMP) and spread confidences. */
      const insertVariedTraffic = async (count: number) => {
        const traffic = generatedRolloutRows(count, 7);
        const varied = traffic.predictions.map((p, i) => ({
          ...p,
          text: `${'word '.repeat(1 + ((i * 7) % 23))}${i % 5 === 0 ? '😀 ünï' : ''}`,
          confidence: 0.5 + ((i * 37) % 101) / 202,
        }));
        await store.predictions.insertMany(varied);
        await store.feedback.insertMany(traffic.feedback);
      };
      /** A stand-in meter: any deterministic rate per text shows the sample is the one the activity took. */
      const rateOf = (text: string) => (text.length % 7) / 7;
      const query = (overrides: Partial<ServedWindowQuery> = {}): ServedWindowQuery => ({
        model: 'spam',
        version: 'v1',
        from: T0,
        to: T0 + 1_000_000,
        sketchPoints: DEFAULT_SKETCH_POINTS,
        sampleSize: 20,
        ...overrides,
      });
      /** The summary as the monitor made it before the store aggregated: served rows loaded, then core. */
      const fromLoadedRows = async (window: ServedWindowQuery) => {
        const served = (await store.predictions.listBetween(window.model, window.from, window.to)).filter(
          (p) => p.modelVersion === window.version && p.variant !== 'shadow',
        );
        const sample = evenPositions(served.length, window.sampleSize).map((i) => served[i]!);
        return {
          served,
          summary: summarizeWindow({
            from: window.from,
            to: window.to,
            predictions: served,
            feedback: await store.feedback.listForPredictions(served.map((p) => p.id)),
            labels: ['spam', 'ham'],
            oovRates: Object.fromEntries(sample.map((p) => [p.id, rateOf(p.text)])),
          }),
        };
      };
      const storeSummary = async (window: ServedWindowQuery) => {
        const figures = await store.predictions.servedWindow(window);
        return summaryOfServedWindow(
          window,
          figures,
          Object.fromEntries(figures.sample.map((s) => [s.id, rateOf(s.text)])),
        );
      };

      it('gives the summary summarizeWindow gives over the loaded rows, for windows its sketch holds whole', async () => {
        await insertVariedTraffic(400);
        const windows = [
          query({ from: T0 + 10, to: T0 + 60 }),
          query({ from: T0 + 10, to: T0 + 60, version: 'v2' }),
          query({ from: T0 + 100, to: T0 + 101 }),
          query({ from: T0 + 5_000, to: T0 + 6_000 }),
          query({ from: T0, to: T0 + 100, sampleSize: 1_000 }),
        ];
        for (const window of windows) {
          const { served, summary } = await fromLoadedRows(window);
          expect(served.length).toBeLessThanOrEqual(DEFAULT_SKETCH_POINTS);
          expect(await storeSummary(window), JSON.stringify(window)).toEqual(summary);
        }
        const busy = await storeSummary(windows[0]!);
        expect(busy.feedback.negative).toBeGreaterThan(0);
        expect(busy.meanOovRate).not.toBeNull();
      });

      it('reads the exact order statistics the sketch estimates when the window is larger than its points', async () => {
        await insertVariedTraffic(1_200);
        const window = query();
        const { served, summary } = await fromLoadedRows(window);
        expect(served.length).toBeGreaterThan(2 * DEFAULT_SKETCH_POINTS);
        const ranks = sketchRanks(served.length);
        const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
        const confidences = sorted(served.map((p) => p.confidence));
        const lengths = sorted(served.map((p) => p.text.length));
        expect(await storeSummary(window)).toEqual({
          ...summary,
          confidenceSketch: ranks.map((rank) => confidences[rank]),
          textLengthSketch: ranks.map((rank) => lengths[rank]),
        });
      });
    });

    describe('captureHead', () => {
      it('is the start of capture for a model with nothing captured', async () => {
        expect(await store.captureHead('spam')).toEqual({ predictionSeq: 0, feedbackSeq: 0 });
      });

      it("is the newest position of the model's own predictions and feedback", async () => {
        await store.predictions.insertMany(predictions(3));
        await store.feedback.insert(aFeedback());
        await store.predictions.insertMany(predictions(2, { model: 'other' }, 'o'));
        await store.feedback.insert(aFeedback({ id: 'f-other', model: 'other' }));

        const head = await store.captureHead('spam');
        const captured = await store.predictions.listAfter('spam', 0, 10);
        const feedback = await store.feedback.listAfter('spam', 0, 10);
        expect(head).toEqual({ predictionSeq: captured.at(-1)!.seq, feedbackSeq: feedback.at(-1)!.seq });
        expect(await store.predictions.listAfter('spam', head.predictionSeq, 10)).toEqual([]);
        expect(await store.feedback.listAfter('spam', head.feedbackSeq, 10)).toEqual([]);

        const otherHead = await store.captureHead('other');
        expect(otherHead.predictionSeq).toBeGreaterThan(head.predictionSeq);
        expect(otherHead.feedbackSeq).toBeGreaterThan(head.feedbackSeq);
      });
    });

    describe('review items', () => {
      it('inserts, replaces by id keeping each item in its place, and lists one cycle', async () => {
        await store.reviewItems.upsertMany([
          aReviewItem({ id: 'r-1' }),
          aReviewItem({ id: 'r-2', predictionId: null, confidence: null }),
          aReviewItem({ id: 'r-x', cycleId: 'spam-cycle-2' }),
        ]);
        const decided = aReviewItem({
          id: 'r-1',
          status: 'corrected',
          finalLabel: 'ham',
          decidedBy: ['alice', 'bob'],
          updatedAt: T0 + 60_000,
        });
        await store.reviewItems.upsertMany([aReviewItem({ id: 'r-3' }), decided]);

        const listed = await store.reviewItems.listByCycle('spam-cycle-1');
        expect(listed.map((item) => item.id)).toEqual(['r-1', 'r-2', 'r-3']);
        expect(listed[0]).toEqual(decided);
        expect(listed[1]).toEqual(aReviewItem({ id: 'r-2', predictionId: null, confidence: null }));
        expect(await store.reviewItems.get('r-1')).toEqual(decided);
        expect(await store.reviewItems.get('r-missing')).toBeNull();
        expect(await store.reviewItems.listByCycle('no-such-cycle')).toEqual([]);
      });

      it('keeps the last of the same id given twice in one batch', async () => {
        await store.reviewItems.upsertMany([
          aReviewItem({ status: 'pending' }),
          aReviewItem({ status: 'approved', finalLabel: 'spam', decidedBy: ['alice'] }),
        ]);
        expect(await store.reviewItems.listByCycle('spam-cycle-1')).toEqual([
          aReviewItem({ status: 'approved', finalLabel: 'spam', decidedBy: ['alice'] }),
        ]);
      });
    });

    describe('reviewer accounts', () => {
      it('creates an account, replaces only its password hash, and lists by name', async () => {
        await store.reviewers.upsert({
          name: 'bob',
          passwordHash: 'scrypt$b1',
          createdAt: T0,
          updatedAt: T0,
        });
        await store.reviewers.upsert({
          name: 'alice',
          passwordHash: 'scrypt$a1',
          createdAt: T0,
          updatedAt: T0,
        });
        await store.reviewers.upsert({
          name: 'bob',
          passwordHash: 'scrypt$b2',
          createdAt: T0 + 5,
          updatedAt: T0 + 5,
        });
        expect(await store.reviewers.get('bob')).toEqual({
          name: 'bob',
          passwordHash: 'scrypt$b2',
          createdAt: T0,
          updatedAt: T0 + 5,
        });
        expect(await store.reviewers.get('carol')).toBeNull();
        expect((await store.reviewers.list()).map((account) => account.name)).toEqual(['alice', 'bob']);
      });
    });

    describe('datasets', () => {
      const seedItems = [
        aDatasetItem({ id: 'i-1', text: 'one', split: 'train' }),
        aDatasetItem({ id: 'i-2', text: 'two', split: 'holdout', label: 'spam', group: null }),
        aDatasetItem({
          id: 'i-3',
          text: 'three',
          split: 'golden',
          source: { kind: 'human', by: 'alice', cycle: 2, batchId: 'batch-7' },
          predictionId: 'p-9',
          reason: 'negative-feedback',
        }),
        aDatasetItem({ id: 'i-4', text: 'four', split: 'train' }),
      ];

      it('creates a version once; the same id again is left as it is', async () => {
        const version = aDatasetVersion(seedItems);
        expect(await store.datasets.create(version, seedItems)).toEqual({ created: true });
        const other = [aDatasetItem({ id: 'i-9', text: 'nine' })];
        expect(
          await store.datasets.create(aDatasetVersion(other, { createdAt: T0 + 1, cycle: 5 }), other),
        ).toEqual({ created: false });
        expect(await store.datasets.get('ds-1')).toEqual(version);
        expect(await store.datasets.items('ds-1')).toEqual(seedItems);
        expect(await store.datasets.get('ds-missing')).toBeNull();
        expect(await store.datasets.items('ds-missing')).toEqual([]);
      });

      it('lists the items of one split in creation order', async () => {
        await store.datasets.create(aDatasetVersion(seedItems), seedItems);
        expect((await store.datasets.items('ds-1', 'train')).map((item) => item.id)).toEqual(['i-1', 'i-4']);
        expect(await store.datasets.items('ds-1', 'golden')).toEqual([seedItems[2]]);
      });

      it("lists a model's versions oldest first; versions share items", async () => {
        const parent = aDatasetVersion(seedItems);
        const childItems = [
          ...seedItems.slice(0, 2),
          aDatasetItem({ id: 'i-5', text: 'five', label: 'spam' }),
        ];
        const child = aDatasetVersion(childItems, {
          id: 'ds-2',
          parentId: 'ds-1',
          cycle: 1,
          batchId: 'batch-1',
          createdAt: T0 + 10,
        });
        const foreign = aDatasetVersion(seedItems, { id: 'ds-other', model: 'other' });
        await store.datasets.create(parent, seedItems);
        await store.datasets.create(child, childItems);
        await store.datasets.create(foreign, seedItems);
        expect(await store.datasets.list('spam')).toEqual([parent, child]);
        expect(await store.datasets.items('ds-2')).toEqual(childItems);
        expect(await store.datasets.items('ds-1')).toEqual(seedItems);
      });

      it('refuses a version whose counts do not match its items', async () => {
        const version = aDatasetVersion(seedItems, { counts: { train: 3, holdout: 1, golden: 1 } });
        await expect(store.datasets.create(version, seedItems)).rejects.toThrow(/counts/);
        expect(await store.datasets.get('ds-1')).toBeNull();
      });
    });

    describe('model registry', () => {
      it('registers a version once and reads it back', async () => {
        const version = aModelVersion();
        expect(await store.models.register(version)).toEqual({ created: true });
        expect(await store.models.register({ ...version, trainer: 'other' })).toEqual({ created: false });
        expect(await store.models.get('mv-1')).toEqual(version);
        expect(await store.models.get('mv-missing')).toBeNull();
      });

      it("lists a model's versions in registration order and the models alphabetically", async () => {
        await store.models.register(aModelVersion({ id: 'mv-b', model: 'zeta' }));
        await store.models.register(aModelVersion({ id: 'mv-2', createdAt: T0 + 5 }));
        await store.models.register(aModelVersion({ id: 'mv-1', createdAt: T0 + 10 }));
        expect((await store.models.list('spam')).map((version) => version.id)).toEqual(['mv-2', 'mv-1']);
        expect(await store.models.models()).toEqual(['spam', 'zeta']);
        expect(await store.models.list('nobody')).toEqual([]);
      });

      it('records which report blessed a version, and refuses an unknown version', async () => {
        await store.models.register(aModelVersion());
        await store.models.setBlessing('mv-1', 'report-7');
        expect((await store.models.get('mv-1'))?.blessedBy).toBe('report-7');
        await expect(store.models.setBlessing('mv-missing', 'report-7')).rejects.toThrow(/mv-missing/);
      });

      it('moves aliases, returning and recording where each pointed before', async () => {
        await store.models.register(aModelVersion({ id: 'mv-1' }));
        await store.models.register(aModelVersion({ id: 'mv-2' }));
        const by = { model: 'spam', reason: 'test', actor: 'alice' };

        expect(await store.models.alias('spam', 'champion')).toBeNull();
        const first = await store.models.moveAlias({ ...by, alias: 'champion', versionId: 'mv-1', at: T0 });
        expect(first).toEqual({
          ...by,
          alias: 'champion',
          versionId: 'mv-1',
          previousVersionId: null,
          at: T0,
        });
        await store.models.moveAlias({ ...by, alias: 'candidate', versionId: 'mv-2', at: T0 + 1 });
        const promotion = await store.models.moveAlias({
          ...by,
          alias: 'champion',
          versionId: 'mv-2',
          at: T0 + 2,
        });
        expect(promotion.previousVersionId).toBe('mv-1');
        const cleared = await store.models.moveAlias({
          ...by,
          alias: 'candidate',
          versionId: null,
          at: T0 + 3,
        });
        expect(cleared.previousVersionId).toBe('mv-2');

        expect(await store.models.alias('spam', 'champion')).toBe('mv-2');
        expect(await store.models.alias('spam', 'candidate')).toBeNull();
        expect(await store.models.alias('spam', 'previous')).toBeNull();
        expect(await store.models.aliasHistory('spam')).toEqual([
          first,
          { ...by, alias: 'candidate', versionId: 'mv-2', previousVersionId: null, at: T0 + 1 },
          promotion,
          cleared,
        ]);
        expect(await store.models.aliasHistory('other')).toEqual([]);
      });

      it('does not record a move to where the alias already points (a retried move)', async () => {
        await store.models.register(aModelVersion());
        const move = {
          model: 'spam',
          alias: 'champion' as const,
          versionId: 'mv-1',
          reason: 'r',
          actor: 'a',
          at: T0,
        };
        await store.models.moveAlias(move);
        const retried = await store.models.moveAlias({ ...move, at: T0 + 1 });
        expect(retried.previousVersionId).toBe('mv-1');
        expect(await store.models.aliasHistory('spam')).toHaveLength(1);
      });

      it('refuses to point an alias at an unknown version or one of another model', async () => {
        await store.models.register(aModelVersion({ id: 'mv-other', model: 'other' }));
        const move = { model: 'spam', alias: 'champion' as const, reason: 'r', actor: 'a', at: T0 };
        await expect(store.models.moveAlias({ ...move, versionId: 'mv-missing' })).rejects.toThrow(
          /mv-missing/,
        );
        await expect(store.models.moveAlias({ ...move, versionId: 'mv-other' })).rejects.toThrow(/other/);
        expect(await store.models.alias('spam', 'champion')).toBeNull();
        expect(await store.models.aliasHistory('spam')).toEqual([]);
      });
    });

    describe('cycles', () => {
      it('inserts and updates a cycle by id', async () => {
        await store.cycles.upsert(aCycle());
        const finished = aCycle({
          outcome: 'promoted',
          watermark: { predictionSeq: 120, feedbackSeq: 7 },
          endedAt: T0 + 3_600_000,
          summary: { mined: 42, review: { approved: 40, corrected: 2 } },
        });
        await store.cycles.upsert(finished);
        expect(await store.cycles.get('spam-cycle-1')).toEqual(finished);
        expect(await store.cycles.list()).toEqual([finished]);
        expect(await store.cycles.get('missing')).toBeNull();
      });

      it('lists cycles in the order first recorded, of all models or one', async () => {
        await store.cycles.upsert(aCycle({ id: 'c-1' }));
        await store.cycles.upsert(aCycle({ id: 'o-1', model: 'other' }));
        await store.cycles.upsert(aCycle({ id: 'c-2', number: 2 }));
        await store.cycles.upsert(aCycle({ id: 'c-1', outcome: 'failed', endedAt: T0 + 1 }));
        expect((await store.cycles.list()).map((cycle) => cycle.id)).toEqual(['c-1', 'o-1', 'c-2']);
        expect((await store.cycles.list('spam')).map((cycle) => cycle.id)).toEqual(['c-1', 'c-2']);
      });

      it('gives the watermark of the highest-numbered finished cycle that recorded one', async () => {
        expect(await store.cycles.lastWatermark('spam')).toBeNull();
        const mark = (predictionSeq: number) => ({ predictionSeq, feedbackSeq: predictionSeq + 1 });
        await store.cycles.upsert(aCycle({ id: 'c-1', number: 1, outcome: 'promoted', watermark: mark(10) }));
        await store.cycles.upsert(aCycle({ id: 'c-3', number: 3, outcome: 'rejected', watermark: mark(30) }));
        await store.cycles.upsert(aCycle({ id: 'c-2', number: 2, outcome: 'blessed', watermark: mark(20) }));
        await store.cycles.upsert(aCycle({ id: 'c-4', number: 4, outcome: 'failed', watermark: null }));
        await store.cycles.upsert(aCycle({ id: 'c-5', number: 5, outcome: 'running', watermark: mark(50) }));
        await store.cycles.upsert(
          aCycle({ id: 'o-9', model: 'other', number: 9, outcome: 'promoted', watermark: mark(90) }),
        );
        expect(await store.cycles.lastWatermark('spam')).toEqual(mark(30));
        expect(await store.cycles.lastWatermark('other')).toEqual(mark(90));
        expect(await store.cycles.lastWatermark('nobody')).toBeNull();
      });
    });

    describe('gate reports', () => {
      it('saves, replaces by id, and lists the reports of a model', async () => {
        const rejected = aGateReport({ id: 'report-2', passed: false, championVersion: null, reasons: [] });
        await store.reports.save(aGateReport());
        await store.reports.save(rejected);
        await store.reports.save(aGateReport({ id: 'report-o', model: 'other' }));
        const revised = aGateReport({ reasons: ['revised'], body: { nested: { deep: [1, 'two', null] } } });
        await store.reports.save(revised);

        expect(await store.reports.get('report-1')).toEqual(revised);
        expect(await store.reports.get('report-2')).toEqual(rejected);
        expect(await store.reports.get('missing')).toBeNull();
        expect(await store.reports.list('spam')).toEqual([revised, rejected]);
      });
    });

    describe('audit log', () => {
      it('lists events newest first, filtered by model, cycle, kind and time, at most `limit`', async () => {
        const events = [
          anAuditEvent({ at: T0, kind: 'cycle.started' }),
          anAuditEvent({ at: T0 + 1, model: 'other', cycleId: 'other-cycle-1', kind: 'cycle.started' }),
          anAuditEvent({ at: T0 + 2, cycleId: null, kind: 'rollout.paused', actor: 'alice', details: {} }),
          anAuditEvent({ at: T0 + 3, kind: 'review.decided', details: { item: 'r-1', label: 'ham' } }),
          anAuditEvent({ at: T0 + 4, cycleId: 'spam-cycle-2', kind: 'cycle.started' }),
        ];
        for (const event of events) await store.audit.append(event);

        expect(await store.audit.list({})).toEqual([...events].reverse());
        expect(await store.audit.list({ model: 'spam' })).toEqual([
          events[4],
          events[3],
          events[2],
          events[0],
        ]);
        expect(await store.audit.list({ cycleId: 'spam-cycle-1' })).toEqual([events[3], events[0]]);
        expect(await store.audit.list({ model: 'other', cycleId: 'spam-cycle-1' })).toEqual([]);
        expect(await store.audit.list({ model: 'spam', limit: 2 })).toEqual([events[4], events[3]]);
        expect(await store.audit.list({ model: 'spam', kind: 'cycle.started' })).toEqual([
          events[4],
          events[0],
        ]);
        expect(await store.audit.list({ model: 'spam', since: T0 + 2 })).toEqual([
          events[4],
          events[3],
          events[2],
        ]);
        expect(await store.audit.list({ kind: 'cycle.started', since: T0 + 1 })).toEqual([
          events[4],
          events[1],
        ]);
      });

      it('appends an event once per idempotency key; events without a key are always appended', async () => {
        const cycleId = 'keyed-cycle-1';
        const first = anAuditEvent({ at: T0, cycleId, kind: 'cycle.started' });
        expect(await store.audit.append(first, 'wf-1/run-1/1')).toEqual({ appended: true });
        // A retried attempt writes the same event again (its clock moved): skipped.
        expect(await store.audit.append({ ...first, at: T0 + 5 }, 'wf-1/run-1/1')).toEqual({
          appended: false,
        });
        const second = anAuditEvent({ at: T0 + 1, cycleId, kind: 'cycle.finished' });
        expect(await store.audit.append(second, 'wf-1/run-1/2')).toEqual({ appended: true });
        const unkeyed = anAuditEvent({ at: T0 + 2, cycleId, kind: 'rollout.paused' });
        expect(await store.audit.append(unkeyed)).toEqual({ appended: true });
        expect(await store.audit.append(unkeyed)).toEqual({ appended: true });
        expect(await store.audit.list({ cycleId })).toEqual([unkeyed, unkeyed, second, first]);
      });
    });

    describe('api keys', () => {
      const key = (id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
        id,
        name: `key ${id}`,
        scopes: ['predict', 'feedback'],
        hash: `hash-of-${id}`,
        createdAt: T0,
        revokedAt: null,
        ...overrides,
      });

      it('keeps keys by their hash, lists them oldest first, and refuses a second key with the same id', async () => {
        await store.apiKeys.create(key('aaaa0001'));
        await store.apiKeys.create(key('aaaa0002', { scopes: ['admin'], createdAt: T0 + 1 }));
        expect(await store.apiKeys.findByHash('hash-of-aaaa0002')).toEqual(
          key('aaaa0002', { scopes: ['admin'], createdAt: T0 + 1 }),
        );
        expect(await store.apiKeys.findByHash('hash-of-nobody')).toBeNull();
        expect((await store.apiKeys.list()).map((k) => k.id)).toEqual(['aaaa0001', 'aaaa0002']);
        await expect(store.apiKeys.create(key('aaaa0001', { hash: 'other' }))).rejects.toThrow();
      });

      it('revokes a key once: the first revocation time stays, an unknown id says so', async () => {
        await store.apiKeys.create(key('bbbb0001'));
        expect(await store.apiKeys.revoke('bbbb0001', T0 + 10)).toBe(true);
        expect(await store.apiKeys.revoke('bbbb0001', T0 + 20)).toBe(true);
        expect((await store.apiKeys.findByHash('hash-of-bbbb0001'))?.revokedAt).toBe(T0 + 10);
        expect(await store.apiKeys.revoke('nobody', T0)).toBe(false);
      });
    });

    describe('retention', () => {
      const old = (id: string, createdAt: number, model = 'spam') => aPrediction({ id, createdAt, model });
      const seedOldAndNew = async () => {
        // Two predictions share a creation time: the walk breaks the tie by seq.
        await store.predictions.insertMany([
          old('p-old-1', T0),
          old('p-old-2', T0 + 1),
          old('p-old-3', T0 + 1),
          old('p-in-dataset', T0 + 2),
          old('p-in-review', T0 + 3),
          old('p-old-4', T0 + 4),
          old('p-other-model', T0, 'fraud'),
          old('p-new', T0 + 100),
        ]);
        await store.feedback.insertMany([
          aFeedback({ id: 'f-old-1', predictionId: 'p-old-1' }),
          aFeedback({ id: 'f-old-1b', predictionId: 'p-old-1', kind: 'incorrect', label: null }),
          aFeedback({ id: 'f-in-dataset', predictionId: 'p-in-dataset' }),
          aFeedback({ id: 'f-new', predictionId: 'p-new' }),
        ]);
        const items = [aDatasetItem({ id: 'item-kept', predictionId: 'p-in-dataset' })];
        await store.datasets.create(aDatasetVersion(items, { id: 'ds-1' }), items);
        await store.reviewItems.upsertMany([aReviewItem({ id: 'r-1', predictionId: 'p-in-review' })]);
      };

      it('deletes old predictions and their feedback in bounded batches, keeping what datasets and reviews reference', async () => {
        await seedOldAndNew();
        const cutoff = T0 + 50;
        const first = await store.retention.deleteOlderThan('spam', cutoff, { batch: 4 });
        expect(first).toEqual({
          predictions: 3,
          feedback: 2,
          kept: 1,
          cursor: { createdAt: T0 + 2, seq: expect.any(Number) },
          more: true,
        });
        const second = await store.retention.deleteOlderThan('spam', cutoff, {
          batch: 4,
          after: first.cursor,
        });
        expect(second).toMatchObject({ predictions: 1, feedback: 0, kept: 1, more: false });
        expect(second.cursor?.createdAt).toBe(T0 + 4);
        const third = await store.retention.deleteOlderThan('spam', cutoff, {
          batch: 4,
          after: second.cursor,
        });
        expect(third).toEqual({ predictions: 0, feedback: 0, kept: 0, cursor: second.cursor, more: false });

        for (const gone of ['p-old-1', 'p-old-2', 'p-old-3', 'p-old-4'])
          expect(await store.predictions.get(gone)).toBeNull();
        for (const kept of ['p-in-dataset', 'p-in-review', 'p-other-model', 'p-new'])
          expect(await store.predictions.get(kept)).not.toBeNull();
        expect(
          (await store.feedback.listForPredictions(['p-old-1', 'p-in-dataset', 'p-new'])).map((f) => f.id),
        ).toEqual(['f-in-dataset', 'f-new']);
        expect(await store.predictions.count('spam')).toBe(3);
        expect(await store.predictions.count('fraud')).toBe(1);
      });

      it('deletes nothing more when run again from the start, and resumes from a cursor after an interruption', async () => {
        await seedOldAndNew();
        const cutoff = T0 + 50;
        const first = await store.retention.deleteOlderThan('spam', cutoff, { batch: 2 });
        expect(first).toMatchObject({ predictions: 2, kept: 0, more: true });
        // A retried attempt that lost its cursor starts over: what is gone stays gone, nothing kept is touched.
        let after = null as typeof first.cursor;
        let deleted = 0;
        for (;;) {
          const pass = await store.retention.deleteOlderThan('spam', cutoff, { batch: 2, after });
          deleted += pass.predictions;
          after = pass.cursor;
          if (!pass.more) break;
        }
        expect(deleted).toBe(2);
        const again = await store.retention.deleteOlderThan('spam', cutoff, { batch: 10 });
        expect(again).toMatchObject({ predictions: 0, feedback: 0, kept: 2, more: false });
        expect(await store.predictions.get('p-in-dataset')).not.toBeNull();
        expect(await store.predictions.get('p-in-review')).not.toBeNull();
      });

      it('finds nothing before the oldest prediction', async () => {
        await seedOldAndNew();
        expect(await store.retention.deleteOlderThan('spam', T0, { batch: 10 })).toEqual({
          predictions: 0,
          feedback: 0,
          kept: 0,
          cursor: null,
          more: false,
        });
        expect(await store.predictions.count('spam')).toBe(7);
      });
    });

    describe('privacy', () => {
      it("forgets a user's predictions, their shadows, feedback and review items, and names the dataset versions holding their items", async () => {
        await store.predictions.insertMany([
          aPrediction({ id: 'p-alice', userKey: 'alice' }),
          aPrediction({
            id: 'p-alice-shadow',
            userKey: null,
            variant: 'shadow',
            servedPredictionId: 'p-alice',
          }),
          aPrediction({ id: 'p-bob', userKey: 'bob' }),
        ]);
        await store.feedback.insertMany([
          aFeedback({ id: 'f-on-alice', predictionId: 'p-alice', userKey: 'alice' }),
          aFeedback({ id: 'f-by-alice', predictionId: 'p-bob', userKey: 'alice' }),
          aFeedback({ id: 'f-bob', predictionId: 'p-bob', userKey: 'bob' }),
        ]);
        await store.reviewItems.upsertMany([
          aReviewItem({ id: 'r-alice', predictionId: 'p-alice' }),
          aReviewItem({ id: 'r-bob', predictionId: 'p-bob' }),
        ]);
        const items = [
          aDatasetItem({ id: 'item-alice', predictionId: 'p-alice' }),
          aDatasetItem({ id: 'item-bob', predictionId: 'p-bob' }),
        ];
        await store.datasets.create(aDatasetVersion(items, { id: 'ds-1' }), items);
        await store.datasets.create(aDatasetVersion(items.slice(1), { id: 'ds-2' }), items.slice(1));
        await store.datasets.create(aDatasetVersion(items, { id: 'ds-3', createdAt: T0 + 1 }), items);

        expect(await store.privacy.forgetUser('alice', T0)).toEqual({
          predictions: 2,
          feedback: 2,
          reviewItems: 1,
          datasetItems: 1,
          datasetVersions: ['ds-1', 'ds-3'],
        });
        expect(await store.predictions.get('p-alice')).toBeNull();
        expect(await store.predictions.get('p-alice-shadow')).toBeNull();
        expect(await store.predictions.get('p-bob')).not.toBeNull();
        expect((await store.feedback.listForPredictions(['p-alice', 'p-bob'])).map((f) => f.id)).toEqual([
          'f-bob',
        ]);
        expect(await store.reviewItems.get('r-alice')).toBeNull();
        expect(await store.reviewItems.get('r-bob')).not.toBeNull();
        expect(await store.privacy.forgottenAmong(['item-alice', 'item-bob'])).toEqual(
          new Set(['item-alice']),
        );

        expect(await store.privacy.forgetUser('alice', T0 + 5)).toEqual({
          predictions: 0,
          feedback: 0,
          reviewItems: 0,
          datasetItems: 0,
          datasetVersions: [],
        });
      });
    });
  });
}
