import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * Shadow mode per install: the gateway forwards requests it would deny and logs them as
 * `shadow_denied`, for moving an existing integration onto appscope without breaking it.
 * Off for every existing install.
 */
export const installShadowMode: Migration = {
  version: 3,
  name: 'install_shadow_mode',
  up(dialect: StoreDialect): string[] {
    return [
      dialect === 'postgres'
        ? 'alter table installs add column shadow_mode boolean not null default false'
        : 'alter table installs add column shadow_mode integer not null default 0 check (shadow_mode in (0, 1))',
    ];
  },
};
