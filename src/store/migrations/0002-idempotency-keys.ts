import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/** Stored answers for `Idempotency-Key` retries of the Install API's POSTs. */
export const idempotencyKeys: Migration = {
  version: 2,
  name: 'idempotency_keys',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    return [
      `create table idempotency_keys (
        scope text not null,
        key text not null,
        fingerprint text not null,
        status integer not null,
        body text not null,
        request_id text not null,
        created ${big} not null,
        primary key (scope, key)
      )`,
      'create index idempotency_keys_created on idempotency_keys (created)',
    ];
  },
};
