import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Mode } from '../store/store.js';

/**
 * Secret keys: `sk_test_…`/`sk_live_…` (accounts, platform apps) and `rk_test_…`/`rk_live_…`
 * (app installs); and OAuth's secrets (docs/oauth.md): access tokens `at_…`, refresh tokens
 * `rt_…` and authorization codes `ac_…`. After the prefix come 36 random base62 characters (214 bits) and a 6-character
 * base62 CRC32 of everything before it, so a mistyped or truncated key is refused without a
 * database lookup. Only a SHA-256 hash and the last four characters are ever stored.
 */
export type SecretType = 'sk' | 'rk' | 'at' | 'rt' | 'ac';

/** What a well-formed secret's prefix says. */
export interface ParsedSecret {
  readonly type: SecretType;
  readonly mode: Mode;
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 36;
const CHECK_LENGTH = 6;
const SHAPE = /^(sk|rk|at|rt|ac)_(test|live)_([0-9A-Za-z]{36})([0-9A-Za-z]{6})$/;
const PREFIXED = /^(sk|rk|at|rt|ac)_(test|live)_/;

/** Bits of randomness in a secret: 36 base62 characters. */
export const SECRET_ENTROPY_BITS = Math.floor(BODY_LENGTH * Math.log2(62));

/**
 * `length` uniformly random base62 characters from the system CSPRNG (rejection sampling, so
 * no character is likelier than another).
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue; // 248 = 4 × 62: keep the distribution uniform
      out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function checksum(text: string): string {
  let n = crc32(text) >>> 0;
  let out = '';
  for (let i = 0; i < CHECK_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * A new secret of the given type and mode.
 * @example
 * generateSecret('rk', 'test'); // 'rk_test_4eC39HqLyjWDarjtT1zdp7dc9Xk2LmQpR8sYvB1c0k3ZQw'
 */
export function generateSecret(type: SecretType, mode: Mode): string {
  const head = `${type}_${mode}_${randomBase62(BODY_LENGTH)}`;
  return head + checksum(head);
}

/**
 * The type and mode of a well-formed secret, or undefined when its shape or checksum is wrong.
 * Never touches the database.
 */
export function parseSecret(secret: string): ParsedSecret | undefined {
  if (typeof secret !== 'string' || secret.length > 64) return undefined;
  const match = SHAPE.exec(secret);
  if (match === null) return undefined;
  const head = secret.slice(0, secret.length - CHECK_LENGTH);
  if (checksum(head) !== match[4]) return undefined;
  return { type: match[1] as SecretType, mode: match[2] as Mode };
}

/** Hex SHA-256 of a secret: what the store keeps. */
export function hashSecret(secret: string): string {
  // one-shot: a third of `createHash().update().digest()`'s cost, and this runs on every request
  return hash('sha256', secret, 'hex');
}

/** Compares two hex SHA-256 hashes in constant time. */
export function hashesMatch(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/** The non-secret hint stored for display: the last four characters. */
export function secretHint(secret: string): string {
  return secret.slice(-4);
}

/**
 * A key safe to show in messages and logs: the prefix and the last four characters.
 * @example
 * maskKey('rk_test_4eC39HqLyjWDarjtT1zdp7dc9Xk2LmQpR8sYvB1c0k3ZQw'); // 'rk_test_***…3ZQw'
 * maskKey('hunter2'); // '***'
 */
export function maskKey(secret: string): string {
  const prefix = PREFIXED.exec(secret)?.[0] ?? '';
  const rest = secret.slice(prefix.length);
  return rest.length >= 12 ? `${prefix}***…${rest.slice(-4)}` : `${prefix}***`;
}

/** The masked form of a stored key, rebuilt from its type, mode and hint. */
export function maskedFromHint(type: SecretType, mode: Mode, hint: string): string {
  return `${type}_${mode}_***…${hint}`;
}
