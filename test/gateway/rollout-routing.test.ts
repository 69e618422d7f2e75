import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, MODEL, registerVersion, startHarness, trafficTexts } from './gateway-harness.ts';

const USERS = 2_000;
const PERCENT = 20;
// Binomial(2000, 0.2) has a standard deviation of ~17.9 users (0.89 points); ±4 points is over 4 sigma.
const TOLERANCE_POINTS = 4;

/** Sends requests with at most `concurrency` in flight. */
async function inBatches<T>(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await send(i);
      }
    }),
  );
  return results;
}

describe('gateway: routing by the rollout state', () => {
  let harness: Harness;
  const texts = trafficTexts(50);

  beforeAll(async () => {
    harness = await startHarness();
    await registerVersion(harness.store, harness.artifacts, 'v2', 2);
  });
  afterAll(() => harness?.dispose());

  const predict = (userKey: string | undefined, i: number) =>
    harness.post(`/v1/models/${MODEL}/predict`, {
      text: texts[i % texts.length],
      ...(userKey ? { userKey } : {}),
    });

  it(`sends ${PERCENT}% of ${USERS} users to the canary (±${TOLERANCE_POINTS} points), each user always to the same side`, async () => {
    await harness.flags.write(MODEL, {
      championVersion: 'v1',
      candidateVersion: 'v2',
      mode: 'canary',
      percent: PERCENT,
    });
    await new Promise((r) => setTimeout(r, 100)); // the harness's rollout TTL is 50 ms

    const first = await inBatches(USERS, 16, (i) => predict(`user-${i}`, i));
    expect(first.every((r) => r.status === 200)).toBe(true);
    const canaryShare = (100 * first.filter((r) => r.body.variant === 'canary').length) / USERS;
    expect(Math.abs(canaryShare - PERCENT)).toBeLessThanOrEqual(TOLERANCE_POINTS);
    for (const r of first) expect(r.body.modelVersion).toBe(r.body.variant === 'canary' ? 'v2' : 'v1');

    const again = await inBatches(USERS, 16, (i) => predict(`user-${i}`, i + 7));
    const switched = again.filter((r, i) => r.body.variant !== first[i]!.body.variant);
    expect(switched).toHaveLength(0);

    const anonymous = await inBatches(200, 16, (i) => predict(undefined, i));
    expect(anonymous.every((r) => r.body.variant === 'champion')).toBe(true);

    await harness.gateway.capture.flush();
    const captured = await harness.store.predictions.listBetween(MODEL, 0, Date.now() + 1, 'canary');
    expect(captured.length).toBe(first.filter((r) => r.body.variant === 'canary').length * 2);
  });

  it('in shadow mode, answers with the champion and records the candidate beside it, never returning it', async () => {
    await harness.flags.write(MODEL, {
      championVersion: 'v1',
      candidateVersion: 'v2',
      mode: 'shadow',
      percent: 0,
    });
    await new Promise((r) => setTimeout(r, 100));

    const since = Date.now();
    const answers = await inBatches(100, 8, (i) => predict(`shadow-user-${i}`, i));
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body).toMatchObject({ variant: 'champion', modelVersion: 'v1' });
    }
    await harness.gateway.capture.flush();
    await new Promise((r) => setTimeout(r, 50)); // shadow predictions run just after the response
    await harness.gateway.capture.flush();

    const shadows = await harness.store.predictions.listBetween(MODEL, since, Date.now() + 1, 'shadow');
    expect(shadows).toHaveLength(100);
    const servedIds = new Set(answers.map((a) => a.body.predictionId));
    for (const shadow of shadows) {
      expect(shadow.modelVersion).toBe('v2');
      expect(servedIds.has(shadow.servedPredictionId!)).toBe(true);
      expect(servedIds.has(shadow.id)).toBe(false);
      const served = await harness.store.predictions.get(shadow.servedPredictionId!);
      expect(served).toMatchObject({ variant: 'champion', text: shadow.text, userKey: shadow.userKey });
    }
  });

  it('follows a flag change within the rollout TTL, and falls back to the champion alias', async () => {
    await harness.flags.write(MODEL, {
      championVersion: 'v2',
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await predict('someone', 0)).body.modelVersion).toBe('v2');

    await harness.flags.write(MODEL, {
      championVersion: null,
      candidateVersion: null,
      mode: 'off',
      percent: 0,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await predict('someone', 0)).body.modelVersion).toBe('v1'); // the registry's champion alias
  });
});
