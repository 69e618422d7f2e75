import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from './store-unavailable.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isStoreUnavailable: a store that cannot be reached, not one that refused the call', () => {
  it('recognises a refused or lost connection', () => {
    expect(isStoreUnavailable(withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isStoreUnavailable(withCode('57P01', 'terminating connection due to administrator command'))).toBe(
      true,
    );
    expect(isStoreUnavailable(withCode('57P03', 'the database system is starting up'))).toBe(true);
    expect(isStoreUnavailable(withCode('08006'))).toBe(true);
    expect(isStoreUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isStoreUnavailable(new AggregateError([withCode('ECONNREFUSED')], 'connect failed'))).toBe(true);
  });

  it('follows the cause chain (an error wrapped by the store or the caller)', () => {
    const wrapped = new Error('cannot write the batch', { cause: withCode('ECONNRESET') });
    expect(isStoreUnavailable(new Error('outer', { cause: wrapped }))).toBe(true);
    const unreachable = Object.assign(new Error('cannot connect to PostgreSQL'), {
      name: 'PostgresUnreachableError',
    });
    expect(isStoreUnavailable(unreachable)).toBe(true);
  });

  it('leaves out refusals that waiting would not cure', () => {
    expect(isStoreUnavailable(withCode('23505', 'duplicate key value violates unique constraint'))).toBe(
      false,
    );
    expect(isStoreUnavailable(withCode('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(isStoreUnavailable(withCode('53100', 'could not extend file: No space left on device'))).toBe(
      false,
    );
    expect(isStoreUnavailable(withCode('SQLITE_BUSY', 'database is locked'))).toBe(false);
    expect(isStoreUnavailable(new Error('anything else'))).toBe(false);
    expect(isStoreUnavailable('a string')).toBe(false);
    expect(isStoreUnavailable(null)).toBe(false);
  });
});
