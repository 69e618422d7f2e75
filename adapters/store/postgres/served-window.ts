import type pg from 'pg';
import type { ServedWindowFigures } from '../../../core/monitor/served-window.ts';
import { numberedSample, SERVED, servedWindowFigures } from '../served-window-queries.ts';
import type { ServedWindowQuery } from '../store.ts';
import { aggregate, HASH_JOIN_ONLY } from './step-window.ts';

/**
 * A monitor window on PostgreSQL: the shared statements, and the sketch points of both columns in one
 * pass by percentile_disc over the covering index (text_length is a stored column, migration 8).
 * percentile_disc takes the ceil(f·count)-th value, so the fraction (rank + ½)/count lands on the rank
 * whatever the rounding of the division.
 */
export function postgresServedWindow(pool: pg.Pool, query: ServedWindowQuery): Promise<ServedWindowFigures> {
  const run = (sql: string, params: readonly unknown[]) => aggregate(pool, sql, params);
  return servedWindowFigures(
    run,
    'postgres',
    async (window, count, ranks) => {
      const fractions = ranks.map((rank) => (rank + 0.5) / count);
      const [row] = await aggregate(pool, POINTS, [
        window.model,
        window.from,
        window.to,
        window.version,
        fractions,
      ]);
      return {
        confidence: ((row?.confidence as number[] | null) ?? []).map(Number),
        textLength: ((row?.text_length as number[] | null) ?? []).map(Number),
      };
    },
    numberedSample(run),
    query,
    (sql, params) => aggregate(pool, sql, params, HASH_JOIN_ONLY),
  );
}

const POINTS = `
  SELECT percentile_disc($5::float8[]) WITHIN GROUP (ORDER BY confidence) AS confidence,
    percentile_disc($5::float8[]) WITHIN GROUP (ORDER BY text_length) AS text_length
  FROM predictions WHERE ${SERVED.replace(/\?(\d+)/g, '$$$1')}`;
