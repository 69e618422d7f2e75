import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueSentence, readableIssues, reportIssues, rulesOf } from './zod-issues.ts';

const Body = z.strictObject({
  text: z.string().min(1).max(5),
  tags: z.array(z.string()).max(1).optional(),
  mode: z.enum(['fast', 'slow']).optional(),
  limit: z.number().max(1).optional(),
});

function refusal(input: unknown) {
  const result = Body.safeParse(input);
  if (result.success) throw new Error('expected a refusal');
  return result.error;
}

describe('one wording of zod refusals', () => {
  it('gives each issue a field, a stable code and a rule that reads as a line and as a sentence', () => {
    const error = refusal({ text: '', tags: ['a', 'b'], mode: 'quick', limit: 2, txt: 1 });
    const reports = reportIssues(error, { input: null });
    expect(reports).toEqual(
      expect.arrayContaining([
        { field: 'text', code: 'empty', rule: 'must not be empty' },
        { field: 'tags', code: 'too_long', rule: 'must have at most 1 items' },
        { field: 'mode', code: 'invalid_value', rule: 'must be one of "fast", "slow"' },
        { field: 'limit', code: 'too_large', rule: 'must be ≤ 1' },
        { field: 'txt', code: 'unknown_field', rule: 'is not a known field' },
      ]),
    );
    expect(readableIssues(error)).toContain('text: must not be empty');
    expect(issueSentence(reports.find((r) => r.field === 'text')!, 'the body')).toBe(
      'text must not be empty',
    );
  });

  it('tells a missing field from a mistyped one by the input, and names what was received', () => {
    const input = { text: 5 };
    expect(reportIssues(refusal(input), { input })).toEqual([
      { field: 'text', code: 'wrong_type', rule: 'must be a string, got a number' },
    ]);
    expect(reportIssues(refusal({}), { input: {} })).toEqual([
      { field: 'text', code: 'required', rule: 'is required (a string)' },
    ]);
    // Without the input, zod's own message still tells a missing field.
    expect(readableIssues(refusal({}))).toEqual(['text: is required (a string)']);
    expect(readableIssues(refusal([1]))).toEqual(['(root): must be an object']);
  });

  it('words a single refused value without a field name', () => {
    const result = z
      .string()
      .regex(/^[a-z]+$/, 'lowercase letters')
      .safeParse('Bad');
    expect(result.success).toBe(false);
    expect(rulesOf(result.error!)).toBe('must be lowercase letters');
  });
});
