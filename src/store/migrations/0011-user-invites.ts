import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * One-time dashboard links (issue 15): an admin's invitation to join an account with a role
 * (`kind` `invite`: `email` and `role` set, `user_id` null) and a password reset for an
 * existing user (`kind` `reset`: `user_id` set). Only a SHA-256 hash of the link's token is
 * stored; a link works once (`used`), until `expires`, and not after a newer link for the same
 * email or user replaced it, or an admin cancelled it (`revoked`).
 */
export const userInvites: Migration = {
  version: 11,
  name: 'user_invites',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    return [
      `create table user_links (
        id text primary key,
        account_id text not null references accounts (id),
        kind text not null check (kind in ('invite', 'reset')),
        email text not null,
        role text check (role in ('admin', 'developer', 'view_only')),
        user_id text,
        token_hash text not null unique,
        created ${big} not null,
        created_by text not null,
        expires ${big} not null,
        used ${big},
        revoked ${big}
      )`,
      'create index user_links_account on user_links (account_id, created)',
    ];
  },
};
