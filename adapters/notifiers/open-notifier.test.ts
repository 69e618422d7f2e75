import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { openReviewNotifier } from './open-notifier.ts';
import { webhookNotifier } from './webhook-notifier.ts';

const logger = createLogger('test', { level: 'silent' });
const notice = { kind: 'reminder' as const, model: 'spam', cycleId: 'c1', text: 'hello reviewers' };

describe('review notifiers', () => {
  it('picks the webhook from FLYWHEEL_REVIEW_WEBHOOK_URL, else the log', () => {
    expect(openReviewNotifier({}, logger).kind).toBe('log');
    expect(openReviewNotifier({ FLYWHEEL_REVIEW_WEBHOOK_URL: ' ' }, logger).kind).toBe('log');
    expect(
      openReviewNotifier({ FLYWHEEL_REVIEW_WEBHOOK_URL: 'https://hooks.example/T1/B2' }, logger).kind,
    ).toBe('webhook');
    expect(() => openReviewNotifier({ FLYWHEEL_REVIEW_WEBHOOK_URL: 'ftp://x' }, logger)).toThrow(
      'FLYWHEEL_REVIEW_WEBHOOK_URL must be an http(s) URL',
    );
  });

  it('a webhook answering an error fails the delivery, naming only the origin (the path is the secret)', async () => {
    const server = createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(webhookNotifier(`http://127.0.0.1:${port}/secret/token`).notify(notice)).rejects.toThrow(
        `review webhook at http://127.0.0.1:${port} answered 500`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
