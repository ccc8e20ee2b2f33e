import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * The decision log: one row per gateway decision (never a secret: keys appear as their masked
 * hint), written in batches; and `decision_drops`, one row per run of decisions the log had to
 * drop because its queue was full, so that a gap in the log is itself on record.
 */
export const decisions: Migration = {
  version: 4,
  name: 'decisions',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    const real = dialect === 'postgres' ? 'double precision' : 'real';
    const seq =
      dialect === 'postgres'
        ? 'seq bigint generated always as identity primary key'
        : 'seq integer primary key autoincrement';
    return [
      `create table decisions (
        ${seq},
        "time" ${big} not null,
        request_id text not null,
        account_id text,
        install_id text,
        app_id text,
        key_hint text,
        livemode integer not null check (livemode in (0, 1)),
        method text not null,
        route text,
        path text not null,
        requirement text not null,
        outcome text not null check (outcome in ('allowed', 'denied', 'shadow_denied')),
        missing text not null,
        status integer,
        latency_ms ${real} not null
      )`,
      'create index decisions_account_time on decisions (account_id, "time")',
      'create index decisions_install_time on decisions (install_id, "time")',
      // Retention pruning and unfiltered listings. (No index on request_id: random keys doubled
      // the cost of every insert; a request id is looked up within an account or install.)
      'create index decisions_time on decisions ("time")',
      `create table decision_drops (
        ${seq},
        "time" ${big} not null,
        dropped integer not null check (dropped > 0),
        first_time ${big} not null,
        last_time ${big} not null
      )`,
      'create index decision_drops_time on decision_drops ("time")',
    ];
  },
};
