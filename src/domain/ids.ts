import { randomBase62 } from './secrets.js';

/** Object id prefixes, Stripe style. */
export type IdPrefix = 'acct' | 'appinst' | 'appsecret' | 'evt' | 'key' | 'oacode' | 'oagrant' | 'oatok';

/**
 * A new random object id: the prefix, `_`, and 24 base62 characters.
 * @example
 * newId('appinst'); // 'appinst_9f2KcQ1xTz0bLm3RwY7uPa4E'
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(24)}`;
}
