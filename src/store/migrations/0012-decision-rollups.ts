import { ROLLUP_SPANS } from '../decision-rollups.js';
import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * Decision rollups (issue 15, "Scale"): how many decisions each context (see migration 8) had
 * in each minute, hour and UTC day, kept as decisions are written (in the same transaction as
 * the batch) and as they are pruned. The Activity screen and `appscope logs --stats` add up
 * whole buckets from here and count only the partial minutes at a range's edges from the raw
 * rows, so their answers cover the whole selected window, exactly, in a few index lookups.
 *
 * Readers go context by context (every filter is a condition on contexts), so the primary key
 * `(span, context_id, bucket)` is the only index. Existing decisions are rolled up here: minutes
 * from the rows, hours and days from the minutes.
 */
export const decisionRollups: Migration = {
  version: 12,
  name: 'decision_rollups',
  up(dialect: StoreDialect): string[] {
    const pg = dialect === 'postgres';
    const big = pg ? 'bigint' : 'integer';
    return [
      `create table decision_rollups (
        span ${big} not null,
        context_id ${big} not null,
        bucket ${big} not null,
        count ${big} not null check (count >= 0),
        primary key (span, context_id, bucket)
      )${pg ? '' : ' without rowid'}`,
      ...rollupBackfillSql(),
    ];
  },
};

/**
 * The statements that roll up every stored decision (the table must be empty): the migration's
 * backfill, also used by `npm run bench:scale` after it bulk-loads decisions.
 */
export function rollupBackfillSql(): string[] {
  const [minute, ...wider] = ROLLUP_SPANS;
  return [
    `insert into decision_rollups (span, context_id, bucket, count)
      select ${minute}, context_id, ("time" / ${minute}) * ${minute}, count(*)
      from decisions group by context_id, ("time" / ${minute}) * ${minute}`,
    ...wider.map(
      (span) => `insert into decision_rollups (span, context_id, bucket, count)
      select ${span}, context_id, (bucket / ${span}) * ${span}, sum(count)
      from decision_rollups where span = ${minute} group by context_id, (bucket / ${span}) * ${span}`,
    ),
  ];
}
