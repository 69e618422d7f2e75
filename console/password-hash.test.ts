import { expect, test } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from './password-hash.ts';

test('a hashed password verifies, another does not, and two hashes of one password differ', async () => {
  const hash = await hashPassword('correct horse');
  expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
  expect(hash).not.toContain('correct horse');
  expect(await verifyPassword('correct horse', hash)).toBe(true);
  expect(await verifyPassword('correct hors', hash)).toBe(false);
  expect(await hashPassword('correct horse')).not.toBe(hash);
  expect(await verifyPassword('x', 'scrypt$broken')).toBe(false);
});

test('a short password is refused with the rule', () => {
  expect(passwordProblem('short')).toMatch(/at least 8/);
  expect(passwordProblem('long enough')).toBeNull();
});
