import { maskKey } from './secrets.js';

/**
 * Response fields that carry a secret shown once: a created key's `secret` (`rk_…`/`sk_…`) and,
 * should a route ever return one, a `password`. Any object, at any depth, is redacted by these
 * names, so a new route that returns a created key is covered without being listed anywhere.
 */
export const SECRET_FIELDS: readonly string[] = Object.freeze(['secret', 'password']);

/** Anything shaped like a key secret, however it is embedded in a string (no checksum check). */
const KEY_LIKE = /(?:sk|rk|at|rt|ac)_(?:test|live)_[0-9A-Za-z]{8,}/g;

/**
 * A copy of a JSON value that is safe to keep at rest (the idempotency store): every
 * {@link SECRET_FIELDS} field holding a value becomes `null`, with `<field>_redacted: true`
 * beside it; and any other string that still carries something shaped like a key secret has it
 * masked (`rk_test_***…wxyz`), so a secret under an unexpected name is not kept either. The
 * input is not changed.
 * @example
 * redactSecrets({ id: 'key_1', secret: 'rk_test_…' });
 * // { id: 'key_1', secret: null, secret_redacted: true }
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(KEY_LIKE, (secret) => maskKey(secret));
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const entries: [string, unknown][] = [];
  const redacted = new Set<string>();
  for (const [name, field] of Object.entries(value)) {
    if (SECRET_FIELDS.includes(name) && field !== null && field !== undefined) {
      entries.push([name, null], [`${name}_redacted`, true]);
      redacted.add(`${name}_redacted`);
    } else {
      entries.push([name, redactSecrets(field)]);
    }
  }
  // `Object.fromEntries` defines properties (an own `__proto__` stays data); a later
  // `<field>_redacted` of the input never overrides the marker
  return Object.fromEntries(entries.filter(([name, v]) => !redacted.has(name) || v === true));
}
