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
