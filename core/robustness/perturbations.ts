import { z } from 'zod';
import { fnv1a32, mix32 } from '../hashing/fnv1a.ts';
import { mulberry32 } from '../model/prng.ts';

/**
 * Families of input perturbation that spammers and ordinary users produce. Each one rewrites a text the
 * way that family does; the gate measures candidate and champion on the holdout rewritten by each.
 */
export const PERTURBATION_FAMILIES = [
  'character-substitution',
  'case-and-spacing',
  'markup-noise',
  'good-words',
  'truncation',
] as const;
export const PerturbationFamily = z.enum(PERTURBATION_FAMILIES);
export type PerturbationFamily = z.infer<typeof PerturbationFamily>;

/** Look-alike characters spammers use to get past word filters: "fr3e", "v1agra", "ca$h". */
const LOOK_ALIKES: Readonly<Record<string, readonly string[]>> = {
  a: ['4', '@'],
  e: ['3'],
  i: ['1', '!'],
  o: ['0'],
  s: ['5', '$'],
  l: ['1'],
  t: ['7'],
};
const SUBSTITUTION_SHARE = 0.35;

/** Everyday office words: appended to spam they pull a bag-of-words score towards ham (the good-word attack). */
const GOOD_WORDS = [
  'meeting',
  'thanks',
  'regards',
  'project',
  'schedule',
  'attached',
  'review',
  'tomorrow',
  'lunch',
  'family',
  'weekend',
  'report',
  'team',
  'agenda',
  'draft',
  'notes',
  'colleague',
  'question',
  'update',
  'kernel',
  'patch',
  'list',
  'cheers',
  'library',
  'build',
  'thread',
  'reply',
  'minutes',
  'friday',
  'office',
];
const GOOD_WORDS_APPENDED = 40;

/** Markup a mail's HTML part carries, or that a sender wraps around words to split them for filters. */
const MARKUP = [
  '<b>',
  '</b>',
  '<font color="#ff0000">',
  '</font>',
  '&nbsp;',
  '<!-- -->',
  '<br>',
  '<span>',
  '</span>',
];
const MARKUP_SHARE = 0.3;

/** A truncated mail keeps this share of its characters (a preview, a cut-off body). */
const TRUNCATION_SHARE = 0.25;
const TRUNCATION_MIN_CHARACTERS = 40;

/**
 * The text as the family rewrites it. Deterministic: the same text, family and seed always give the same
 * rewrite, so a gate replayed or repeated measures the same thing.
 */
export function perturbText(text: string, family: PerturbationFamily, seed: number): string {
  const random = mulberry32(mix32(fnv1a32(text) ^ mix32(seed ^ (PERTURBATION_FAMILIES.indexOf(family) + 1))));
  switch (family) {
    case 'character-substitution':
      return substituteCharacters(text, random);
    case 'case-and-spacing':
      return changeCaseAndSpacing(text, random);
    case 'markup-noise':
      return addMarkup(text, random);
    case 'good-words':
      return appendGoodWords(text, random);
    case 'truncation':
      return truncate(text);
  }
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function substituteCharacters(text: string, random: () => number): string {
  let out = '';
  for (const character of text) {
    const options = LOOK_ALIKES[character.toLowerCase()];
    out += options && random() < SUBSTITUTION_SHARE ? pick(options, random) : character;
  }
  return out;
}

function changeCaseAndSpacing(text: string, random: () => number): string {
  return text
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => {
      const roll = random();
      const cased =
        roll < 0.3
          ? word.toUpperCase()
          : roll < 0.5
            ? word.toLowerCase()
            : roll < 0.6
              ? [...word].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('')
              : word;
      // Letters spaced out ("f r e e") split a word for a filter and not for a reader.
      return cased.length >= 4 && random() < 0.08 ? [...cased].join(' ') : cased;
    })
    .join(random() < 0.5 ? '  ' : ' \n ');
}

function addMarkup(text: string, random: () => number): string {
  const words = text.split(/\s+/).filter((word) => word !== '');
  const marked = words.map((word) => (random() < MARKUP_SHARE ? `${pick(MARKUP, random)}${word}` : word));
  return `<html><body><p>${marked.join(' ')}</p></body></html>`;
}

function appendGoodWords(text: string, random: () => number): string {
  const appended = Array.from({ length: GOOD_WORDS_APPENDED }, () => pick(GOOD_WORDS, random));
  return `${text}\n${appended.join(' ')}`;
}

function truncate(text: string): string {
  const keep = Math.max(TRUNCATION_MIN_CHARACTERS, Math.ceil(text.length * TRUNCATION_SHARE));
  return text.slice(0, keep);
}
