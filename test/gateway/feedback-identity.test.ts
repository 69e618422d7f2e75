import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEdgeCasesActivity } from '../../activities/cycle/collect-edge-cases.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import { START_OF_CAPTURE } from '../../core/capture/records.ts';
import { parseCycleConfig } from '../../core/cycle/cycle-config.ts';
import { type Harness, MODEL, startHarness, trafficTexts } from './gateway-harness.ts';

/**
 * Feedback sent over HTTP without a client id, from the user who got the answer and from others, then
 * mined by the collect activity on the store the gateway wrote.
 */
describe('gateway: feedback identity and derived ids', () => {
  let harness: Harness;
  const predictionIds: string[] = [];

  beforeAll(async () => {
    harness = await startHarness();
    for (const text of trafficTexts(4)) {
      const { status, body } = await harness.post(`/v1/models/${MODEL}/predict`, { text, userKey: 'alice' });
      expect(status).toBe(200);
      predictionIds.push(body.predictionId);
    }
  });
  afterAll(() => harness?.dispose());

  const sendFeedback = (predictionId: string, body: object) =>
    harness.post(`/v1/predictions/${predictionId}/feedback`, body);

  it('records feedback without a feedbackId once per prediction, user and verdict, so a retry counts once', async () => {
    const [, , , p4] = predictionIds as [string, string, string, string];
    expect(await sendFeedback(p4, { kind: 'incorrect', userKey: 'alice' })).toEqual({
      status: 201,
      body: { recorded: true },
    });
    expect(await sendFeedback(p4, { kind: 'incorrect', userKey: 'alice' })).toEqual({
      status: 200,
      body: { recorded: false, duplicate: true },
    });
    // Another user, or another verdict, is another piece of feedback.
    expect((await sendFeedback(p4, { kind: 'incorrect', userKey: 'bob' })).status).toBe(201);
    expect((await sendFeedback(p4, { kind: 'correct', userKey: 'alice' })).status).toBe(201);
    // A client id still decides on its own: the same verdict under a new id is recorded again.
    expect((await sendFeedback(p4, { feedbackId: 'c-1', kind: 'incorrect', userKey: 'alice' })).status).toBe(
      201,
    );
    expect((await sendFeedback(p4, { feedbackId: 'c-1', kind: 'incorrect', userKey: 'alice' })).status).toBe(
      200,
    );
    const stored = await harness.store.feedback.listForPredictions([p4]);
    expect(stored.map((f) => [f.kind, f.userKey, f.fromPredictionUser])).toEqual([
      ['incorrect', 'alice', true],
      ['incorrect', 'bob', false],
      ['correct', 'alice', true],
      ['incorrect', 'alice', true],
    ]);
    expect(stored[0]!.id).toMatch(/^derived:[0-9a-f]{64}$/);
    expect(stored[3]!.id).toBe('c-1');
  });

  it('auto-labels only feedback from the user who got the answer by default; `anyone` trusts all', async () => {
    const [p1, p2, p3] = predictionIds as [string, string, string, string];
    const labelOf = async (id: string) => (await harness.store.predictions.get(id))!.label;
    const otherLabel = async (id: string) => ((await labelOf(id)) === 'spam' ? 'ham' : 'spam');
    expect((await sendFeedback(p1, { kind: 'incorrect', userKey: 'alice' })).status).toBe(201);
    expect((await sendFeedback(p2, { kind: 'incorrect', userKey: 'mallory' })).status).toBe(201);
    expect((await sendFeedback(p3, { kind: 'label', label: await otherLabel(p3) })).status).toBe(201);

    const collect = async (cycleId: string, autoLabel: object) => {
      const parsed = parseCycleConfig({ autoLabel, mining: { minTextLength: 1 } });
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      const deps = {
        store: harness.store,
        artifacts: harness.artifacts,
        logger: pino({ level: 'silent' }),
      } as unknown as ActivityDeps;
      await new MockActivityEnvironment().run(collectEdgeCasesActivity(deps), {
        cycleId,
        model: MODEL,
        number: 1,
        from: START_OF_CAPTURE,
        parentDatasetId: 'none',
        labels: ['ham', 'spam'],
        mining: parsed.config.mining,
        autoLabel: parsed.config.autoLabel,
      });
      const items = await harness.store.reviewItems.listByCycle(cycleId);
      return Object.fromEntries(
        predictionIds.map((id) => {
          const item = items.find((candidate) => candidate.predictionId === id);
          return [id, item ? (item.decidedBy[0] ?? item.status) : 'not mined'];
        }),
      );
    };

    // p4 has a stranger's "incorrect" beside alice's (and alice's own "correct"): conflicting, dropped either way.
    expect(await collect('trust-default', {})).toEqual({
      [p1]: 'rule:binary-flip',
      [p2]: 'pending',
      [p3]: 'pending',
      [predictionIds[3]!]: 'not mined',
    });
    expect(await collect('trust-anyone', { trustFeedbackFrom: 'anyone' })).toEqual({
      [p1]: 'rule:binary-flip',
      [p2]: 'rule:binary-flip',
      [p3]: 'rule:user-label',
      [predictionIds[3]!]: 'not mined',
    });
  });
});
