import type { z } from 'zod';

/**
 * zod issues as lines a person can act on: `"<field path>: <rule>"`, e.g.
 * `gate.valueThresholds[0].threshold: must be ≤ 1` or `mining.lowConfidenceTreshold: unknown field`.
 * Used wherever a start or a message is refused, so the refusal names the field and the rule.
 */
export function readableIssues(error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${joinPath(path, key)}: unknown field`);
      continue;
    }
    lines.push(`${path || '(root)'}: ${describeRule(issue)}`);
  }
  return lines;
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

function describeRule(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return describeBound(issue.origin, issue.inclusive ? '≤' : '<', issue.maximum, 'at most');
    case 'too_small':
      return describeBound(issue.origin, issue.inclusive ? '≥' : '>', issue.minimum, 'at least');
    case 'invalid_type':
      // zod leaves the input out of issues; its message says what it received.
      return /received undefined$/.test(issue.message)
        ? `required (${article(issue.expected)})`
        : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      // A discriminated union names the discriminator values it knows instead of failing in branches.
      if (issue.errors.length === 0 && 'options' in issue && Array.isArray(issue.options)) {
        return `must be one of ${issue.options.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return describeUnion(issue.errors);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return issue.message;
  }
}

/**
 * A union fails in every branch. A branch whose complaint is only "wrong type / value" tells what the
 * field may be; a branch that accepted the type but failed a rule is the one the user meant.
 */
function describeUnion(branches: z.core.$ZodIssue[][]): string {
  const mismatch = (issue: z.core.$ZodIssue) =>
    issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
  const meant = branches.find((issues) => issues.length > 0 && !issues.every(mismatch));
  if (meant) return describeRule(meant[0]!);
  const options = branches.flatMap((issues) =>
    issues.map((issue) => describeRule(issue).replace(/^must be /, '')),
  );
  return `must be ${options.join(' or ')}`;
}

function describeBound(origin: string, sign: string, bound: number | bigint, words: string): string {
  if (origin === 'array' || origin === 'set') return `must have ${words} ${bound} item(s)`;
  if (origin === 'string') return `must be ${words} ${bound} character(s) long`;
  return `must be ${sign} ${bound}`;
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
