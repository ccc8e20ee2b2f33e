import type { NewDecisionRow } from './store.js';

/** The columns of `decisions` a batch writes, in order (everything but the generated `seq`). */
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

/** `"time", "request_id", …` for an INSERT. */
export const DECISION_COLUMN_LIST: string = DECISION_COLUMNS.map((column) => `"${column}"`).join(', ');

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
