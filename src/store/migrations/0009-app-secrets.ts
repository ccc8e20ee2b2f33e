import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * The Secret Store (issue 14): secrets Stripe Apps keep per installing account and mode, owned
 * by the app's developer (Stripe lets a developer's apps share them), scoped to the account or
 * to one dashboard user, each named uniquely within its scope. Only ciphertext is stored:
 * AES-256-GCM under a data key the operator holds (`key_id` names it; the key is never in the
 * database), a random 96-bit nonce per value, and the row's owner, scope and name bound in as
 * additional data. `scope_user` is `''` for account-scoped secrets, so the uniqueness holds on
 * both databases. `app_secret_state` remembers which data key encrypts new values, so that
 * several processes, and a key rotation, agree.
 */
export const appSecrets: Migration = {
  version: 9,
  name: 'app_secrets',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    return [
      `create table app_secrets (
        id text primary key,
        developer_account_id text not null references accounts (id),
        account_id text not null references accounts (id),
        mode text not null check (mode in ('test', 'live')),
        scope_type text not null check (scope_type in ('account', 'user')),
        scope_user text not null,
        name text not null,
        app_id text not null references apps (id),
        key_id text not null,
        nonce text not null,
        ciphertext text not null,
        created ${big} not null,
        updated ${big} not null,
        expires_at ${big},
        unique (developer_account_id, account_id, mode, scope_type, scope_user, name)
      )`,
      'create index app_secrets_account on app_secrets (account_id, mode)',
      'create index app_secrets_key on app_secrets (key_id)',
      'create index app_secrets_expires on app_secrets (expires_at)',
      `create table app_secret_state (
        id integer primary key check (id = 1),
        current_key_id text not null
      )`,
    ];
  },
};
