/** Finds one kind of personal data in a text and masks it. Pure: the same text gives the same answer. */
export interface Redactor {
  readonly name: string;
  redact(text: string): { text: string; found: number };
}

function patternRedactor(
  name: string,
  pattern: RegExp,
  mask: string,
  accept: (match: string) => boolean = () => true,
): Redactor {
  return {
    name,
    redact(text) {
      let found = 0;
      const redacted = text.replace(pattern, (match) => {
        if (!accept(match)) return match;
        found++;
        return mask;
      });
      return { text: redacted, found };
    },
  };
}

/** Luhn's check digit test, which every payment card number passes and most digit runs fail. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** ISO 13616: the IBAN rearranged and read as a number is 1 modulo 97. */
export function passesIbanChecksum(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= 'A' && char <= 'Z' ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

const onlyDigits = (text: string) => text.replace(/\D/g, '');

export const emailRedactor = patternRedactor(
  'email',
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  '[email]',
);

/** 13-19 digits, in groups split by spaces or dashes, that pass Luhn. */
export const cardRedactor = patternRedactor(
  'card',
  /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
  '[card]',
  (match) => passesLuhn(onlyDigits(match)),
);

/** Country code, check digits, 11-30 letters or digits (spaces every four allowed), checksum valid. */
export const ibanRedactor = patternRedactor(
  'iban',
  /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
  '[iban]',
  (match) => {
    const compact = match.replace(/ /g, '');
    return compact.length >= 15 && compact.length <= 34 && passesIbanChecksum(compact);
  },
);

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
export const ipRedactor = patternRedactor(
  'ip',
  new RegExp(
    `(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?![\\d.])|\\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\\b|\\b(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}\\b`,
    'g',
  ),
  '[ip]',
);

/**
 * International (+ and 8-15 digits) or national numbers of 9-15 digits with the usual separators.
 * Dates (8 digits) and short codes stay; runs after the card, IBAN and IP redactors have taken theirs.
 */
export const phoneRedactor = patternRedactor(
  'phone',
  /(?<![\w+.-])(?:\+\d[\d ().-]{6,}\d|\(?\d[\d ().-]{7,}\d)(?![\w.-])/g,
  '[phone]',
  (match) => {
    const digits = onlyDigits(match).length;
    return match.startsWith('+') ? digits >= 8 && digits <= 15 : digits >= 9 && digits <= 15;
  },
);

/** Every built-in redactor, in the order they must run (the phone pattern would eat the others). */
export const BUILT_IN_REDACTORS: readonly Redactor[] = [
  emailRedactor,
  ibanRedactor,
  cardRedactor,
  ipRedactor,
  phoneRedactor,
];
