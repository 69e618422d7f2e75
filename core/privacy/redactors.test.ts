import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../model/prng.ts';
import { parseRedactionPolicy, TextRedaction, WITHHELD_TEXT } from './redaction-policy.ts';
import { passesIbanChecksum, passesLuhn } from './redactors.ts';

const random = mulberry32(20261204);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const digits = (count: number) => Array.from({ length: count }, () => Math.floor(random() * 10)).join('');
const letters = (count: number, from = 'abcdefghijklmnopqrstuvwxyz') =>
  Array.from({ length: count }, () => pick([...from])).join('');

function luhnComplete(body: string): string {
  for (let check = 0; check < 10; check++) if (passesLuhn(`${body}${check}`)) return `${body}${check}`;
  throw new Error('unreachable');
}

function email(): string {
  const local = pick([
    letters(1 + Math.floor(random() * 10)),
    `${letters(4)}.${letters(6)}`,
    `${letters(3)}+${letters(4)}`,
    `${letters(2)}_${digits(3)}`,
  ]);
  return `${local}@${letters(3 + Math.floor(random() * 8))}.${pick(['com', 'org', 'co.uk', 'de', 'io', 'net'])}`;
}

function card(): string {
  const prefix = pick(['4', '51', '55', '37', '6011']);
  const length = prefix === '37' ? 15 : 16;
  const number = luhnComplete(prefix + digits(length - prefix.length - 1));
  const grouped = number.match(/.{1,4}/g)!;
  return pick([number, grouped.join(' '), grouped.join('-')]);
}

function iban(): string {
  const [country, length] = pick([
    ['DE', 22],
    ['GB', 22],
    ['FR', 27],
    ['NL', 18],
  ] as const);
  const bban =
    country === 'GB' || country === 'NL'
      ? letters(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + digits(length - 8)
      : digits(length - 4);
  for (let check = 2; check < 99; check++) {
    const candidate = `${country}${String(check).padStart(2, '0')}${bban}`;
    if (passesIbanChecksum(candidate))
      return random() < 0.5 ? candidate : candidate.match(/.{1,4}/g)!.join(' ');
  }
  throw new Error('unreachable');
}

function phone(): string {
  return pick([
    `+44 20 ${digits(4)} ${digits(4)}`,
    `+1 (${digits(3)}) ${digits(3)}-${digits(4)}`,
    `(${digits(3)}) ${digits(3)}-${digits(4)}`,
    `+49 30 ${digits(8)}`,
    `0${digits(3)} ${digits(3)} ${digits(4)}`,
  ]);
}

function ip(): string {
  return random() < 0.8
    ? Array.from({ length: 4 }, () => Math.floor(random() * 256)).join('.')
    : Array.from({ length: 8 }, () => Math.floor(random() * 65536).toString(16)).join(':');
}

/** Strings no redactor should touch: dates, prices, order numbers, digit runs that fail Luhn or mod 97. */
function harmless(): string {
  return pick([
    () => `2002-${digits(1)}${1 + Math.floor(random() * 8)}-1${digits(1)}`,
    () => `$${digits(3)}.${digits(2)}`,
    () => `order ${digits(6)}`,
    () => `version 1.${digits(1)}`,
    () => {
      const number = luhnComplete(`4${digits(14)}`);
      return `${number.slice(0, 15)}${(Number(number[15]) + 1) % 10}`;
    },
    () => {
      const valid = iban().replace(/ /g, '');
      const broken = `${valid.slice(0, 2)}${String((Number(valid.slice(2, 4)) + 1) % 100).padStart(2, '0')}${valid.slice(4)}`;
      return passesIbanChecksum(broken) ? 'no iban here' : broken;
    },
    () => `call me at ${digits(2)}:${digits(2)}`,
    () => `${letters(6)} at ${letters(5)} dot com`,
  ])();
}

const KINDS = { email, card, iban, phone, ip } as const;
const redaction = new TextRedaction(parseRedactionPolicy({ redact: 'all' }));

describe('PII redaction, measured on a generated labelled set', () => {
  const perKind = 1_000;
  const recall: Record<string, number> = {};
  let falsePositives = 0;
  let truePositives = 0;
  let negatives = 0;

  for (const [kind, make] of Object.entries(KINDS)) {
    let caught = 0;
    for (let i = 0; i < perKind; i++) {
      const value = make();
      const text = `Hi, ${letters(5)} here. ${kind}: ${value} — thanks!`;
      const result = redaction.redact('any', text);
      if (result.kind === 'redacted' && !result.text.includes(value) && result.found > 0) caught++;
    }
    recall[kind] = caught / perKind;
    truePositives += caught;
  }
  for (let i = 0; i < 2_000; i++) {
    const value = harmless();
    const result = redaction.redact('any', `Note: ${value} as agreed.`);
    negatives++;
    if (result.kind !== 'redacted' || result.found > 0) falsePositives++;
  }
  const precision = truePositives / (truePositives + falsePositives);

  test('e-mail and card recall are at least 99%', () => {
    // The measurement, for the README (one run, fixed seed).
    console.info(
      `redaction recall ${Object.entries(recall)
        .map(([kind, r]) => `${kind} ${(r * 100).toFixed(1)}%`)
        .join(
          ', ',
        )}; precision ${(precision * 100).toFixed(2)}% (${falsePositives} false positives in ${negatives} harmless strings)`,
    );
    expect(recall.email).toBeGreaterThanOrEqual(0.99);
    expect(recall.card).toBeGreaterThanOrEqual(0.99);
  });

  test('IBAN, phone and IP recall and overall precision stay high', () => {
    expect(recall.iban).toBeGreaterThanOrEqual(0.99);
    expect(recall.phone).toBeGreaterThanOrEqual(0.95);
    expect(recall.ip).toBeGreaterThanOrEqual(0.95);
    expect(precision).toBeGreaterThanOrEqual(0.98);
  });
});

describe('redaction policy', () => {
  test('per model: a model can have its own redactors or none', () => {
    const policy = new TextRedaction(
      parseRedactionPolicy({ redact: 'email', models: 'billing=email,card;lab=none' }),
    );
    const text = 'mail bob@example.com card 4111 1111 1111 1111';
    expect(policy.redact('spam', text)).toEqual({
      kind: 'redacted',
      text: 'mail [email] card 4111 1111 1111 1111',
      found: 1,
    });
    expect(policy.redact('billing', text)).toEqual({
      kind: 'redacted',
      text: 'mail [email] card [card]',
      found: 2,
    });
    expect(policy.redact('lab', text)).toEqual({ kind: 'redacted', text, found: 0 });
  });

  test('a redactor that throws never lets the raw text through: withheld by default, dropped when asked', () => {
    const broken = {
      name: 'broken',
      redact: () => {
        throw new Error('boom');
      },
    };
    const withhold = new TextRedaction({ defaults: ['email', 'broken'], models: {}, onFailure: 'withhold' }, [
      broken,
    ]);
    expect(withhold.redact('m', 'secret bob@example.com')).toEqual({
      kind: 'withheld',
      text: WITHHELD_TEXT,
      redactor: 'broken',
    });
    const drop = new TextRedaction({ defaults: ['broken'], models: {}, onFailure: 'drop' }, [broken]);
    expect(drop.redact('m', 'secret')).toEqual({ kind: 'dropped', redactor: 'broken' });
  });

  test('bad settings name what is wrong', () => {
    expect(() => new TextRedaction(parseRedactionPolicy({ redact: 'email,ssn' }))).toThrow(
      /unknown redactor "ssn"/,
    );
    expect(() => parseRedactionPolicy({ models: 'spam' })).toThrow(/not model=redactor/);
    expect(() => parseRedactionPolicy({ onFailure: 'ignore' })).toThrow(/withhold/);
    expect(parseRedactionPolicy({}).defaults).toEqual([]);
  });
});
