import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { invalidParameter } from './domain-error.js';
import { randomBase62 } from './secrets.js';

/**
 * Dashboard passwords, stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (salt and hash in
 * base64url): scrypt with a random 16-byte salt per password, N = 2^15, r = 8, p = 1 (32 MiB and
 * about 50 ms a guess), compared in constant time. The cost travels with each hash, so it can be
 * raised later without breaking existing passwords.
 */

/** The cost new hashes use. */
export const PASSWORD_COST = Object.freeze({ log2N: 15, r: 8, p: 1, keyLength: 32, saltBytes: 16 });

/** Shortest password a person may choose. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted (scrypt's input is bounded so a huge body cannot be made to hash). */
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number, length: number) {
  const N = 2 ** log2N;
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/**
 * Refuses a password outside the length bounds (`ERR_PARAMETER_INVALID`, param `password`).
 * @example
 * checkPasswordStrength('correct horse battery'); // ok
 */
export function checkPasswordStrength(password: unknown): string {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_LENGTH) {
    throw invalidParameter('password', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw invalidParameter('password', `a password has at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  return password;
}

/**
 * A slow, salted hash of a password, safe to store.
 * @example
 * const stored = await hashPassword('correct horse battery'); // 'scrypt$15$8$1$…$…'
 */
export async function hashPassword(password: string): Promise<string> {
  const { log2N, r, p, keyLength, saltBytes } = PASSWORD_COST;
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, log2N, r, p, keyLength);
  return ['scrypt', log2N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * True when `password` matches a hash made by {@link hashPassword} (constant-time compare). A
 * malformed stored hash never matches.
 * @example
 * await verifyPassword('correct horse battery', stored); // true
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [log2N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 20 || r > 32 || p > 16)
    return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || expected.length < 16 || password.length > MAX_PASSWORD_LENGTH) return false;
  const actual = await derive(password, salt, log2N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

/** A hash no password matches, checked when an email is unknown so that it takes as long as a real check. */
export const DUMMY_PASSWORD_HASH = `scrypt$${PASSWORD_COST.log2N}$${PASSWORD_COST.r}$${PASSWORD_COST.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

/**
 * A random password for a user created without one: 20 base62 characters (119 bits).
 * @example
 * generatePassword(); // 'q3ZbV0x8LmT2cR7yWn4K'
 */
export function generatePassword(): string {
  return randomBase62(20);
}
