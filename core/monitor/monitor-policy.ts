import { z } from 'zod';
import { Duration } from '../time/duration.ts';
import { readableIssues } from '../validation/zod-issues.ts';

/**
 * When the monitor starts a cycle. Every default comes with its reason; `{}` is a working policy.
 * A drift signal needs both a material shift (PSI) and a significant one (p-value): on busy models any
 * trivial shift is "significant", on quiet ones a large PSI can be noise.
 */
export const MonitorPolicy = z.strictObject({
  checkEvery: Duration.prefault('15m').describe(
    'How often the monitor looks. Drift builds over hours; every 15 minutes reacts well within a day at little cost.',
  ),
  window: Duration.prefault('6h').describe(
    'Length of the current window compared with the reference. 6h smooths the hour-of-day rhythm of traffic.',
  ),
  minWindowPredictions: z
    .number()
    .int()
    .min(1)
    .default(200)
    .describe(
      'Drift is not judged on fewer served predictions in either window: KS and PSI are noisy on small samples.',
    ),
  maxPsi: z
    .number()
    .min(0)
    .default(0.25)
    .describe(
      'PSI at or above this is a material shift: the credit-scoring rule of thumb for a significant change.',
    ),
  significance: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.01)
    .describe(
      'p-value below which a shift is significant (KS for confidence and length, chi-square for the label mix).',
    ),
  maxOovRateIncrease: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe(
      'A rise of the mean out-of-vocabulary rate by this much (absolute) means new words the model never saw.',
    ),
  maxFeedbackErrorRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.15)
    .describe(
      'Share of rated predictions users call wrong at or above which the model needs help, whatever it was before.',
    ),
  maxFeedbackErrorRateIncrease: z
    .number()
    .min(0)
    .max(1)
    .default(0.05)
    .describe(
      'A rise of the feedback error rate by this much vs the reference window (absolute) is a degradation.',
    ),
  minFeedback: z
    .number()
    .int()
    .min(1)
    .default(30)
    .describe(
      'Feedback error rates are judged only with this many rated predictions: below, one click swings them.',
    ),
  backlogThreshold: z
    .number()
    .int()
    .min(1)
    .default(150)
    .describe(
      'Mined edge cases waiting since the last cycle at which a cycle has enough to learn: the default label budget.',
    ),
  persistence: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe(
      'A drift or error-rate signal must fire on this many consecutive checks: a burst (a campaign, an outage) is not a trend. ' +
        'The backlog needs no persistence, it only grows.',
    ),
  cooldown: Duration.prefault('12h').describe(
    'No new cycle within this long after one ended: its model needs traffic before it can be judged.',
  ),
});
export type MonitorPolicy = z.output<typeof MonitorPolicy>;

export function parseMonitorPolicy(
  input: unknown,
): { ok: true; policy: MonitorPolicy } | { ok: false; errors: string[] } {
  const result = MonitorPolicy.safeParse(input ?? {});
  return result.success
    ? { ok: true, policy: result.data }
    : { ok: false, errors: readableIssues(result.error) };
}

export function defaultMonitorPolicy(): MonitorPolicy {
  return MonitorPolicy.parse({});
}
