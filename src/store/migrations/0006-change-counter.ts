import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * A counter of committed changes to what the gateway caches (accounts, apps, installs, keys):
 * every write transaction that notifies a change adds one, in the same transaction. Other
 * processes on the same SQLite file poll it to know when to drop their caches; before, they
 * polled SQLite's `data_version`, which also moves for every decision-log batch and session
 * write, so a busy gateway emptied its key cache twice a second for nothing. (PostgreSQL sends
 * NOTIFY instead; the table exists there too, so both schemas stay alike.)
 */
export const changeCounter: Migration = {
  version: 6,
  name: 'change_counter',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    return [
      `create table change_counter (
        id integer primary key check (id = 1),
        seq ${big} not null
      )`,
      'insert into change_counter (id, seq) values (1, 0)',
    ];
  },
};
