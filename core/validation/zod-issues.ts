import type { z } from 'zod';

/**
 * The one reading of zod issues: every refusal of bad input (HTTP bodies, CLI arguments and config,
 * signal and update payloads) names the field and the rule it broke in the same words. `rule` reads
 * after the field name both as a line (`mining.labelBudget: must be ≥ 0`) and as a sentence
 * (`text must not be empty`); `code` is a stable word a program can branch on.
 */
export interface IssueReport {
  /** `gate.valueThresholds[0].threshold`; empty for the value itself. */
  field: string;
  code: string;
  rule: string;
}

/**
 * Every issue of `error`. With the `input` that was validated, a missing field is told from one of the
 * wrong type, and a wrong type names what was received; zod leaves the input out of its issues.
 */
export function reportIssues(error: z.ZodError, validated?: { input: unknown }): IssueReport[] {
  const reports: IssueReport[] = [];
  for (const issue of error.issues) {
    const field = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        reports.push({ field: joinPath(field, key), code: 'unknown_field', rule: 'is not a known field' });
      }
      continue;
    }
    reports.push({
      field,
      ...describeIssue(issue, validated ? { value: valueAt(validated.input, issue.path) } : null),
    });
  }
  return reports;
}

/** As lines a person can act on: `"<field path>: <rule>"`; `(root)` for the value itself. */
export function readableIssues(error: z.ZodError, validated?: { input: unknown }): string[] {
  return reportIssues(error, validated).map((report) => `${report.field || '(root)'}: ${report.rule}`);
}

/** The rules a single value broke (a name, an id), for a refusal that names the value itself. */
export function rulesOf(error: z.ZodError): string {
  return reportIssues(error)
    .map((report) => (report.field ? `${report.field}: ${report.rule}` : report.rule))
    .join('; ');
}

/** As one sentence: `"<field path> <rule>"`, naming the value itself `whole` (e.g. "the body"). */
export function issueSentence(report: IssueReport, whole: string): string {
  return `${report.field || whole} ${report.rule}`;
}

type Received = { value: unknown } | null;

function describeIssue(issue: z.core.$ZodIssue, received: Received): Omit<IssueReport, 'field'> {
  switch (issue.code) {
    case 'too_big':
      return bound(
        issue.origin,
        issue.inclusive ? '≤' : '<',
        issue.maximum,
        'at most',
        'too_long',
        'too_large',
      );
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1)
        return { code: 'empty', rule: 'must not be empty' };
      return bound(
        issue.origin,
        issue.inclusive ? '≥' : '>',
        issue.minimum,
        'at least',
        'too_short',
        'too_small',
      );
    case 'invalid_type': {
      const missing = received ? received.value === undefined : /received undefined$/.test(issue.message);
      if (missing) return { code: 'required', rule: `is required (${article(issue.expected)})` };
      const got = received ? `, got ${describeValue(received.value)}` : '';
      return { code: 'wrong_type', rule: `must be ${article(issue.expected)}${got}` };
    }
    case 'invalid_value':
      return {
        code: 'invalid_value',
        rule:
          issue.values.length === 1
            ? `must be ${JSON.stringify(issue.values[0])}`
            : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'invalid_union':
      // A discriminated union names the discriminator values it knows instead of failing in branches.
      if (issue.errors.length === 0 && 'options' in issue && Array.isArray(issue.options)) {
        return {
          code: 'invalid_value',
          rule: `must be one of ${issue.options.map((v) => JSON.stringify(v)).join(', ')}`,
        };
      }
      return describeUnion(issue.errors, received);
    case 'invalid_format':
      return { code: 'invalid_format', rule: describeFormat(issue) };
    case 'invalid_key':
      return {
        code: 'invalid_key',
        rule: `has an invalid key: ${issue.issues[0] ? describeIssue(issue.issues[0], null).rule : 'unknown rule'}`,
      };
    case 'not_multiple_of':
      return { code: 'invalid_value', rule: `must be a multiple of ${issue.divisor}` };
    default: {
      // Our own refinements word their message to follow the field name and may name their code.
      const params = (issue as { params?: { code?: unknown } }).params;
      return { code: typeof params?.code === 'string' ? params.code : 'invalid_value', rule: issue.message };
    }
  }
}

/**
 * A union fails in every branch. A branch whose complaint is only "wrong type / value" tells what the
 * field may be; a branch that accepted the type but failed a rule is the one the user meant.
 */
function describeUnion(branches: z.core.$ZodIssue[][], received: Received): Omit<IssueReport, 'field'> {
  const mismatch = (issue: z.core.$ZodIssue) =>
    issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
  const meant = branches.find((issues) => issues.length > 0 && !issues.every(mismatch));
  if (meant) return describeIssue(meant[0]!, null);
  const options = branches.flatMap((issues) =>
    issues.map((issue) => describeIssue(issue, null).rule.replace(/^must be /, '')),
  );
  const got = received && received.value !== undefined ? `, got ${describeValue(received.value)}` : '';
  return { code: 'wrong_type', rule: `must be ${options.join(' or ')}${got}` };
}

function describeFormat(issue: z.core.$ZodIssueInvalidStringFormat): string {
  // A pattern with its own message says in words what it accepts; zod's default message does not.
  if (issue.format === 'regex' && !issue.message.startsWith('Invalid')) return `must be ${issue.message}`;
  if (issue.format === 'regex' && 'pattern' in issue) return `must match ${String(issue.pattern)}`;
  return `must be a valid ${issue.format}`;
}

function bound(
  origin: string,
  sign: string,
  limit: number | bigint,
  words: string,
  lengthCode: string,
  numberCode: string,
): Omit<IssueReport, 'field'> {
  if (origin === 'array' || origin === 'set')
    return { code: lengthCode, rule: `must have ${words} ${limit} items` };
  if (origin === 'string') return { code: lengthCode, rule: `must be ${words} ${limit} characters` };
  return { code: numberCode, rule: `must be ${sign} ${limit}` };
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out = joinPath(out, String(part));
  }
  return out;
}

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : article(typeof value);
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
