import type { ReviewNotice } from '../../core/review/review-notice.ts';
import type { Logger } from '../log/logger.ts';
import type { ReviewNotifier } from './review-notifier.ts';

/** Where notices go when no webhook is configured: the worker's log, so they are never silently lost. */
export function logNotifier(logger: Logger): ReviewNotifier {
  return {
    kind: 'log',
    async notify(notice: ReviewNotice) {
      logger.info({ model: notice.model, cycleId: notice.cycleId, notice: notice.kind }, notice.text);
    },
  };
}
