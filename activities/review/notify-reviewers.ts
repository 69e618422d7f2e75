import { webhookNotifier } from '../../adapters/notifiers/webhook-notifier.ts';
import type { ActivityDeps } from '../deps.ts';
import type { NotifyReviewersInput } from './contracts.ts';

/** Delivers a reminder or deadline notice: to the cycle's webhook when it names one, else the worker's notifier. */
export function notifyReviewersActivity({ notifier }: ActivityDeps) {
  return async function notifyReviewers(input: NotifyReviewersInput): Promise<void> {
    await (input.webhookUrl ? webhookNotifier(input.webhookUrl) : notifier).notify(input.notice);
  };
}
