import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * No secret at rest. Sessions lose their stored CSRF secret (the token is now derived from the
 * session id, which only the browser holds; open forms of existing sessions need one reload).
 * Idempotent answers stored before secrets were redacted from them, those that hold a created
 * key's secret or a password in plain text, are deleted: a retry of such a request within its
 * 24 hours runs again instead of being replayed.
 */
export const secretsAtRest: Migration = {
  version: 7,
  name: 'secrets_at_rest',
  up(_dialect: StoreDialect): string[] {
    return [
      'alter table sessions drop column csrf_secret',
      `delete from idempotency_keys where body like '%"secret":"%' or body like '%"password":"%'`,
    ];
  },
};
