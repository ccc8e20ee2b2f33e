import type { NewDecisionRow } from './store.js';

/** The columns of a decision a batch carries, in order (everything but the generated `seq`). */
export const DECISION_COLUMNS = [
  'time',
  'request_id',
  'account_id',
  'install_id',
  'app_id',
  'key_hint',
  'livemode',
  'method',
  'route',
  'path',
  'requirement',
  'outcome',
  'missing',
  'status',
  'latency_ms',
] as const satisfies readonly (keyof NewDecisionRow)[];

/** The numeric columns of a decision row (the rest hold text or null). */
export const DECISION_NUMBER_COLUMNS = [
  'time',
  'livemode',
  'status',
  'latency_ms',
] as const satisfies readonly (typeof DECISION_COLUMNS)[number][];

/** The text columns, in `DECISION_COLUMNS` order (`request_id` first). */
export const DECISION_TEXT_COLUMNS = DECISION_COLUMNS.filter(
  (column): column is Exclude<(typeof DECISION_COLUMNS)[number], (typeof DECISION_NUMBER_COLUMNS)[number]> =>
    !(DECISION_NUMBER_COLUMNS as readonly string[]).includes(column),
);

/**
 * The columns of `decision_contexts` (migration 8): what a decision shares with the decisions
 * before and after it, kept once per distinct set.
 */
export const DECISION_CONTEXT_COLUMNS = [
  'account_id',
  'install_id',
  'app_id',
  'key_hint',
  'livemode',
  'method',
  'route',
  'requirement',
  'outcome',
  'missing',
] as const satisfies readonly (typeof DECISION_COLUMNS)[number][];

/** The columns of `decisions` a write fills, in order (migration 8). */
export const STORED_DECISION_COLUMNS = [
  'time',
  'context_id',
  'request_id',
  'path',
  'status',
  'latency_us',
] as const;

/** A decision's stored path: null when it is the route template itself (a list, a create). */
export function storedPath(path: string, route: string | null): string | null {
  return path === route ? null : path;
}

/** A latency in milliseconds as the store keeps it: whole microseconds (0 for nonsense). */
export function latencyMicros(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms * 1000) : 0;
}

/**
 * SQL finding a context's id by its values: `column = ?` for each value that is not null (in
 * `DECISION_CONTEXT_COLUMNS` order), `column is null` for each that is. (Not `is not distinct
 * from ?`: PostgreSQL cannot use an index for it.)
 * @example
 * findContextSql([false, false, false, true, false, false, true, false, false, false]); // key_hint and route null
 */
export function findContextSql(nulls: readonly boolean[]): string {
  return `select id from decision_contexts where ${DECISION_CONTEXT_COLUMNS.map((column, c) =>
    nulls[c] === true ? `${column} is null` : `${column} = ?`,
  ).join(' and ')} limit 1`;
}

/** SQL adding a context (`?` placeholders in `DECISION_CONTEXT_COLUMNS` order). */
export const ADD_CONTEXT_SQL = `insert into decision_contexts (${DECISION_CONTEXT_COLUMNS.join(', ')}) values (${DECISION_CONTEXT_COLUMNS.map(() => '?').join(', ')})`;
