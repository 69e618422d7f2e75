import type { ReviewNotice } from '../../core/review/review-notice.ts';
import type { ReviewNotifier } from './review-notifier.ts';

/**
 * Posts `{"text": …}` as JSON to a URL: the body Slack incoming webhooks (and Mattermost, Rocket.Chat,
 * Discord's /slack endpoint, most chat bridges) accept. Errors name the URL's origin only, because the
 * path of a chat webhook is its secret.
 */
export function webhookNotifier(url: string, options: { timeoutMs?: number } = {}): ReviewNotifier {
  const origin = new URL(url).origin;
  return {
    kind: 'webhook',
    async notify(notice: ReviewNotice) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: notice.text }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new Error(`review webhook at ${origin} unreachable: ${(error as Error).message}`);
      }
      await response.body?.cancel();
      if (!response.ok) throw new Error(`review webhook at ${origin} answered ${response.status}`);
    },
  };
}
