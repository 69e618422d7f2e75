import type pg from 'pg';
import type { ReviewerAccount } from '../../../core/review/reviewer-account.ts';
import type { ReviewerAccountRepository } from '../store.ts';

interface AccountRow {
  name: string;
  password_hash: string;
  created_at: string | number;
  updated_at: string | number;
}

export function postgresReviewerAccounts(pool: pg.Pool): ReviewerAccountRepository {
  return {
    async upsert(account) {
      await pool.query(
        `INSERT INTO reviewer_accounts (name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
        [account.name, account.passwordHash, account.createdAt, account.updatedAt],
      );
    },
    async get(name) {
      const result = await pool.query<AccountRow>('SELECT * FROM reviewer_accounts WHERE name = $1', [name]);
      return result.rows[0] ? toAccount(result.rows[0]) : null;
    },
    async list() {
      const result = await pool.query<AccountRow>('SELECT * FROM reviewer_accounts ORDER BY name');
      return result.rows.map(toAccount);
    },
  };
}

function toAccount(row: AccountRow): ReviewerAccount {
  return {
    name: row.name,
    passwordHash: row.password_hash,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
