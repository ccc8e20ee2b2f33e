import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * The first schema: accounts, apps and their versions, installs, keys, events, and the
 * append-only audit log with its chain head.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    const eventSeq =
      dialect === 'postgres'
        ? 'seq bigint generated always as identity primary key'
        : 'seq integer primary key autoincrement';
    const statements = [
      `create table accounts (
        id text primary key,
        name text not null,
        created ${big} not null
      )`,
      `create table apps (
        id text primary key,
        owner_account_id text not null references accounts (id),
        name text not null,
        access_type text not null check (access_type in ('restricted_api_key', 'platform')),
        distribution_type text not null check (distribution_type in ('public', 'private')),
        current_version text,
        created ${big} not null,
        updated ${big} not null
      )`,
      'create index apps_owner on apps (owner_account_id)',
      `create table app_versions (
        app_id text not null references apps (id),
        version text not null,
        seq integer not null,
        manifest text not null,
        permissions text not null,
        created ${big} not null,
        released ${big},
        primary key (app_id, version),
        unique (app_id, seq)
      )`,
      `create table installs (
        id text primary key,
        app_id text not null references apps (id),
        account_id text not null references accounts (id),
        mode text not null check (mode in ('test', 'live')),
        status text not null check (status in ('installed', 'uninstalled')),
        permissions_granted text not null,
        permissions_pending text not null,
        created_by text not null,
        created ${big} not null,
        updated ${big} not null
      )`,
      // One live install of an app per account and mode; uninstalled ones stay as history.
      `create unique index installs_one_active on installs (app_id, account_id, mode) where status = 'installed'`,
      'create index installs_account on installs (account_id, created)',
      'create index installs_app on installs (app_id)',
      `create table api_keys (
        id text primary key,
        kind text not null check (kind in ('account', 'app', 'install')),
        mode text not null check (mode in ('test', 'live')),
        account_id text not null references accounts (id),
        app_id text references apps (id),
        install_id text references installs (id),
        secret_hash text not null unique,
        hint text not null,
        permissions text,
        created ${big} not null,
        created_by text not null,
        expires_at ${big},
        revoked ${big},
        rolled_to text,
        check ((kind = 'install') = (install_id is not null)),
        check (kind = 'account' or app_id is not null)
      )`,
      'create index api_keys_account on api_keys (account_id)',
      'create index api_keys_install on api_keys (install_id)',
      'create index api_keys_app on api_keys (app_id)',
      `create table events (
        ${eventSeq},
        id text not null unique,
        type text not null,
        account_id text not null,
        app_id text,
        mode text not null check (mode in ('test', 'live')),
        created ${big} not null,
        body text not null
      )`,
      'create index events_account on events (account_id, seq)',
      `create table audit_log (
        seq ${big} primary key,
        at text not null,
        actor text not null,
        action text not null,
        target_type text not null,
        target_id text not null,
        before text,
        after text,
        prev_hash text not null,
        hash text not null
      )`,
      'create index audit_log_target on audit_log (target_type, target_id)',
      `create table audit_head (
        id integer primary key check (id = 1),
        seq ${big} not null,
        hash text not null
      )`,
      `insert into audit_head (id, seq, hash) values (1, 0, '${'0'.repeat(64)}')`,
    ];
    // Append-only in the database too: a stray UPDATE or DELETE fails. (Someone with DDL rights
    // can drop these triggers; the hash chain is what detects that kind of tampering.)
    if (dialect === 'postgres') {
      statements.push(
        `create function appscope_audit_append_only() returns trigger language plpgsql as $$
          begin raise exception 'audit_log is append-only'; end $$`,
        `create trigger audit_log_append_only before update or delete on audit_log
          for each row execute function appscope_audit_append_only()`,
      );
    } else {
      statements.push(
        `create trigger audit_log_no_update before update on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`,
        `create trigger audit_log_no_delete before delete on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`,
      );
    }
    return statements;
  },
};
