import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { REVIEWER_ACCOUNT_UPDATE, REVIEWER_ACCOUNTS } from '../access-tables.ts';
import type { ReviewerAccountRepository } from '../store.ts';
import { columnList, embeddedPlaceholders, recordOf, rowValues } from '../table-mapping.ts';

const COLUMNS = columnList(REVIEWER_ACCOUNTS);
const toAccount = (row: unknown) => recordOf(REVIEWER_ACCOUNTS, row as Record<string, unknown>, 'embedded');

export function embeddedReviewerAccounts(db: DatabaseSync): ReviewerAccountRepository {
  const upsert = db.prepare(
    `INSERT INTO reviewer_accounts (${COLUMNS}) VALUES ${embeddedPlaceholders(REVIEWER_ACCOUNTS)}
     ON CONFLICT (name) DO UPDATE SET ${REVIEWER_ACCOUNT_UPDATE}`,
  );
  const get = db.prepare(`SELECT ${COLUMNS} FROM reviewer_accounts WHERE name = ?`);
  const list = db.prepare(`SELECT ${COLUMNS} FROM reviewer_accounts ORDER BY name`);
  return {
    async upsert(account) {
      upsert.run(...(rowValues(REVIEWER_ACCOUNTS, account, 'embedded') as SQLInputValue[]));
    },
    async get(name) {
      const row = get.get(name);
      return row ? toAccount(row) : null;
    },
    async list() {
      return list.all().map(toAccount);
    },
  };
}
