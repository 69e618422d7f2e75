import { describe, expect, it } from 'vitest';
import { PERTURBATION_FAMILIES, perturbText } from './perturbations.ts';

const MAIL =
  'Get your free viagra samples today and save cash on pills, click here to claim the offer before it closes tonight';

describe('perturbText', () => {
  it('is deterministic per text, family and seed, and another seed draws differently', () => {
    for (const family of PERTURBATION_FAMILIES) {
      expect(perturbText(MAIL, family, 7)).toBe(perturbText(MAIL, family, 7));
    }
    expect(perturbText(MAIL, 'character-substitution', 7)).not.toBe(
      perturbText(MAIL, 'character-substitution', 8),
    );
  });

  it('character substitution writes look-alikes and keeps the length', () => {
    const out = perturbText(MAIL, 'character-substitution', 1);
    expect(out).not.toBe(MAIL);
    expect(out).toMatch(/[0-9@$!]/);
    expect(out.length).toBe(MAIL.length);
    expect(
      out
        .replace(/[4@]/g, 'a')
        .replace(/3/g, 'e')
        .replace(/0/g, 'o')
        .replace(/\$|5/g, 's')
        .replace(/7/g, 't'),
    ).toMatch(/^Get your/i);
  });

  it('case and spacing keep the words a reader sees', () => {
    const out = perturbText(MAIL, 'case-and-spacing', 1);
    expect(out).not.toBe(MAIL);
    expect(out.replace(/\s+/g, '').toLowerCase()).toBe(MAIL.replace(/\s+/g, '').toLowerCase());
  });

  it('markup noise wraps the text in HTML and splits it with tags', () => {
    const out = perturbText(MAIL, 'markup-noise', 1);
    expect(out.startsWith('<html><body><p>')).toBe(true);
    expect(out.replace(/<[^>]*>|&nbsp;/g, '').replace(/\s+/g, ' ')).toContain('free viagra');
  });

  it('good words are appended after the whole text', () => {
    const out = perturbText(MAIL, 'good-words', 1);
    expect(out.startsWith(`${MAIL}\n`)).toBe(true);
    expect(out.slice(MAIL.length).trim().split(' ')).toHaveLength(40);
  });

  it('truncation keeps the beginning: a quarter, at least 40 characters', () => {
    expect(perturbText(MAIL, 'truncation', 1)).toBe(MAIL.slice(0, 40));
    const long = MAIL.repeat(10);
    expect(perturbText(long, 'truncation', 1)).toBe(long.slice(0, Math.ceil(long.length / 4)));
  });
});
