import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * Dashboard users (an email unique per account, a role, a scrypt password hash) and their
 * sign-in sessions (only a SHA-256 hash of the session id is stored, with the session's CSRF
 * secret, the mode it shows and when it expires).
 */
export const usersSessions: Migration = {
  version: 5,
  name: 'users_sessions',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    return [
      `create table users (
        id text primary key,
        account_id text not null references accounts (id),
        email text not null,
        role text not null check (role in ('admin', 'developer', 'view_only')),
        password_hash text not null,
        created ${big} not null,
        unique (account_id, email)
      )`,
      'create index users_email on users (email)',
      `create table sessions (
        id_hash text primary key,
        user_id text not null references users (id),
        csrf_secret text not null,
        mode text not null check (mode in ('test', 'live')),
        created ${big} not null,
        expires ${big} not null
      )`,
      'create index sessions_user on sessions (user_id)',
      'create index sessions_expires on sessions (expires)',
    ];
  },
};
