import type { Logger } from '../log/logger.ts';
import { logNotifier } from './log-notifier.ts';
import type { ReviewNotifier } from './review-notifier.ts';
import { webhookNotifier } from './webhook-notifier.ts';

export const REVIEW_WEBHOOK_VARIABLE = 'FLYWHEEL_REVIEW_WEBHOOK_URL';

/** The worker's review notifier: a webhook when FLYWHEEL_REVIEW_WEBHOOK_URL is set, else the log. */
export function openReviewNotifier(
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): ReviewNotifier {
  const url = env[REVIEW_WEBHOOK_VARIABLE]?.trim();
  if (!url) return logNotifier(logger);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new Error(`${REVIEW_WEBHOOK_VARIABLE} must be an http(s) URL`);
  }
  return webhookNotifier(url);
}
