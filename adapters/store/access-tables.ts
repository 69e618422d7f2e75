import type { ApiKeyRecord } from '../../core/access/api-key.ts';
import type { ReviewerAccount } from '../../core/review/reviewer-account.ts';
import type { TableMapping } from './table-mapping.ts';

/** The gateway's API keys: never the key itself, only its hash. */
export const API_KEYS: TableMapping<ApiKeyRecord> = {
  table: 'api_keys',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'name', field: 'name', kind: 'text' },
    { column: 'scopes', field: 'scopes', kind: 'json' },
    { column: 'hash', field: 'hash', kind: 'text' },
    { column: 'created_at', field: 'createdAt', kind: 'integer' },
    { column: 'revoked_at', field: 'revokedAt', kind: 'integer' },
  ],
};

/** The console's reviewer accounts, with their password hashes. */
export const REVIEWER_ACCOUNTS: TableMapping<ReviewerAccount> = {
  table: 'reviewer_accounts',
  columns: [
    { column: 'name', field: 'name', kind: 'text' },
    { column: 'password_hash', field: 'passwordHash', kind: 'text' },
    { column: 'created_at', field: 'createdAt', kind: 'integer' },
    { column: 'updated_at', field: 'updatedAt', kind: 'integer' },
  ],
};

/** A new password keeps the account's creation time. */
export const REVIEWER_ACCOUNT_UPDATE =
  'password_hash = excluded.password_hash, updated_at = excluded.updated_at';
