import type pg from 'pg';
import { REVIEWER_ACCOUNT_UPDATE, REVIEWER_ACCOUNTS } from '../access-tables.ts';
import type { ReviewerAccountRepository } from '../store.ts';
import { columnList, postgresPlaceholders, recordOf, rowValues } from '../table-mapping.ts';

const COLUMNS = columnList(REVIEWER_ACCOUNTS);
const toAccount = (row: Record<string, unknown>) => recordOf(REVIEWER_ACCOUNTS, row, 'postgres');

export function postgresReviewerAccounts(pool: pg.Pool): ReviewerAccountRepository {
  return {
    async upsert(account) {
      await pool.query(
        `INSERT INTO reviewer_accounts (${COLUMNS}) VALUES ${postgresPlaceholders(REVIEWER_ACCOUNTS)}
         ON CONFLICT (name) DO UPDATE SET ${REVIEWER_ACCOUNT_UPDATE}`,
        rowValues(REVIEWER_ACCOUNTS, account, 'postgres'),
      );
    },
    async get(name) {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM reviewer_accounts WHERE name = $1`, [name]);
      return rows[0] ? toAccount(rows[0]) : null;
    },
    async list() {
      const { rows } = await pool.query(`SELECT ${COLUMNS} FROM reviewer_accounts ORDER BY name`);
      return rows.map(toAccount);
    },
  };
}
