import { describe, expect, it } from 'vitest';
import { figure, percent, signedFigure, signedPercent } from './format-figures.ts';

describe('figures', () => {
  it('rounds to four decimals without hiding tiny values', () => {
    expect(figure(0.93512345)).toBe('0.9351');
    expect(figure(0.9)).toBe('0.9');
    expect(figure(0.00001234)).toBe('0.000012');
    expect(figure(12)).toBe('12');
  });
  it('shows signs and percentages', () => {
    expect(signedFigure(-0.015)).toBe('−0.015');
    expect(signedFigure(0.02)).toBe('+0.02');
    expect(percent(0.0525)).toBe('5.25%');
    expect(signedPercent(0.25)).toBe('+25%');
    expect(signedPercent(-0.1)).toBe('−10%');
    expect(percent(1 / 3)).toBe('33.33%');
    expect(percent(0.0000123)).toBe('0.0012%');
  });
});
