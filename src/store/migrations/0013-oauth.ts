import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * OAuth 2.0 install links (issue 16). `apps.access_type` accepts `oauth`. An authorization
 * code (`oauth_codes`) is single-use (`used`), expires in minutes and is bound to the app (the
 * client), the redirect URI, the PKCE challenge and the install it approved. Redeeming one
 * starts a grant (`oauth_grants`, a token family); its access and refresh tokens
 * (`oauth_tokens`) are stored only as SHA-256 hashes. A refresh token is `used` once, when it is
 * rotated (and kept a day after, to recognise a reuse); revoking a grant stops every token of
 * the family. Expired tokens are deleted as new ones are issued.
 *
 * SQLite cannot change a CHECK constraint in place, so `apps` is rebuilt (SQLite migrations run
 * with foreign keys off and check every reference before they commit: src/store/sqlite.ts).
 */
export const oauth: Migration = {
  version: 13,
  name: 'oauth',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    const accessTypes = "check (access_type in ('restricted_api_key', 'platform', 'oauth'))";
    const apps =
      dialect === 'postgres'
        ? [
            'alter table apps drop constraint apps_access_type_check',
            `alter table apps add constraint apps_access_type_check ${accessTypes}`,
          ]
        : [
            `create table apps_new (
        id text primary key,
        owner_account_id text not null references accounts (id),
        name text not null,
        access_type text not null ${accessTypes},
        distribution_type text not null check (distribution_type in ('public', 'private')),
        current_version text,
        created integer not null,
        updated integer not null
      )`,
            `insert into apps_new (id, owner_account_id, name, access_type, distribution_type, current_version, created, updated)
        select id, owner_account_id, name, access_type, distribution_type, current_version, created, updated from apps`,
            'drop table apps',
            'alter table apps_new rename to apps',
            'create index apps_owner on apps (owner_account_id)',
          ];
    return [
      ...apps,
      `create table oauth_codes (
        id text primary key,
        code_hash text not null unique,
        app_id text not null references apps (id),
        account_id text not null references accounts (id),
        install_id text not null references installs (id),
        mode text not null check (mode in ('test', 'live')),
        redirect_uri text not null,
        redirect_uri_given integer not null,
        code_challenge text,
        created_by text not null,
        created ${big} not null,
        expires_at ${big} not null,
        used ${big},
        grant_id text
      )`,
      'create index oauth_codes_expires on oauth_codes (expires_at)',
      `create table oauth_grants (
        id text primary key,
        app_id text not null references apps (id),
        account_id text not null references accounts (id),
        install_id text not null references installs (id),
        mode text not null check (mode in ('test', 'live')),
        confidential integer not null,
        created ${big} not null,
        revoked ${big},
        revoked_reason text
      )`,
      'create index oauth_grants_install on oauth_grants (install_id)',
      `create table oauth_tokens (
        id text primary key,
        grant_id text not null references oauth_grants (id),
        kind text not null check (kind in ('access', 'refresh')),
        token_hash text not null unique,
        hint text not null,
        created ${big} not null,
        expires_at ${big} not null,
        used ${big},
        revoked ${big}
      )`,
      'create index oauth_tokens_grant on oauth_tokens (grant_id)',
      'create index oauth_tokens_expires on oauth_tokens (expires_at)',
    ];
  },
};
