import type { DatabaseSync } from 'node:sqlite';
import type { ReviewerAccount } from '../../../core/review/reviewer-account.ts';
import type { ReviewerAccountRepository } from '../store.ts';

interface AccountRow {
  name: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export function embeddedReviewerAccounts(db: DatabaseSync): ReviewerAccountRepository {
  const upsert = db.prepare(
    `INSERT INTO reviewer_accounts (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
  );
  const get = db.prepare('SELECT * FROM reviewer_accounts WHERE name = ?');
  const list = db.prepare('SELECT * FROM reviewer_accounts ORDER BY name');
  return {
    async upsert(account) {
      upsert.run(account.name, account.passwordHash, account.createdAt, account.updatedAt);
    },
    async get(name) {
      const row = get.get(name) as unknown as AccountRow | undefined;
      return row ? toAccount(row) : null;
    },
    async list() {
      return (list.all() as unknown as AccountRow[]).map(toAccount);
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
