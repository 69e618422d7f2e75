import { describe, expect, it } from 'vitest';
import { loadSpamAssassin, parseSpamAssassinSpec } from './spamassassin.ts';

describe('parseSpamAssassinSpec', () => {
  it('reads groups and era shorthands, in corpus order, each once', () => {
    expect(parseSpamAssassinSpec('spamassassin:spam-1,easy-ham-1')).toEqual(['easy-ham-1', 'spam-1']);
    expect(parseSpamAssassinSpec('spamassassin:era-2,spam-2')).toEqual([
      'easy-ham-2',
      'hard-ham-1',
      'spam-2',
    ]);
    expect(parseSpamAssassinSpec(' spamassassin:all ')).toHaveLength(5);
  });

  it('names the valid groups when one is unknown, and the expected form when the spec is not one', () => {
    expect(() => parseSpamAssassinSpec('spamassassin:easy-ham-3')).toThrow(
      'unknown SpamAssassin group "easy-ham-3"; valid groups: easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2 (or era-1, era-2, all)',
    );
    expect(() => parseSpamAssassinSpec('enron:ham')).toThrow(/spamassassin:<group>/);
  });
});

describe('loadSpamAssassin', () => {
  it('labels, groups and eras every message, without headers or duplicate texts', () => {
    const messages = loadSpamAssassin({ groups: ['spam-1', 'hard-ham-1'] });
    const spam = messages.filter((message) => message.group === 'spam-1');
    const hard = messages.filter((message) => message.group === 'hard-ham-1');
    // The package holds 500 spam-1 and 250 hard-ham-1 messages; resent copies differ only in headers.
    expect(spam.length).toBeGreaterThan(450);
    expect(spam.length).toBeLessThanOrEqual(500);
    expect(hard.length).toBeGreaterThan(200);
    expect(spam.every((message) => message.label === 'spam' && message.era === 1)).toBe(true);
    expect(hard.every((message) => message.label === 'ham' && message.era === 2)).toBe(true);
    expect(new Set(messages.map((message) => message.text)).size).toBe(messages.length);
    // Headers are gone; a few bodies quote a bounced message's headers, which is content.
    expect(messages.some((message) => /^(From |Return-Path:|Delivered-To:)/.test(message.text))).toBe(false);
    const quoting = messages.filter((message) => /^Received: from/m.test(message.text)).length;
    expect(quoting / messages.length).toBeLessThan(0.02);
    expect(spam[0]!.text.startsWith('Life Insurance - Why Pay More?\n\n')).toBe(true);
    expect(spam[0]!.sourceId).toBe('spam-1/00001');
  });

  it('gives the same messages whichever order the groups are asked in (and from its cache)', () => {
    const ids = (groups: Parameters<typeof loadSpamAssassin>[0]['groups']) =>
      loadSpamAssassin({ groups }).map((message) => message.id);
    expect(ids(['spam-1', 'easy-ham-1'])).toEqual(ids(['easy-ham-1', 'spam-1']));
  });
});
