import { randomBytes } from 'node:crypto';

/**
 * Makes an object id: `prefix` + `_` + `length` characters. The emulator calls it with
 * Stripe's prefixes and lengths (`cus` 14, `pi` 24, `cs_test` 58, …).
 */
export type IdGenerator = (prefix: string, length: number) => string;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TIME_CHARS = 6;
const COUNTER_CHARS = 4;

/**
 * The default generator: base62 ids whose first characters encode the creation second
 * and a per-second counter, so ids made in the same second sort (as strings, in ASCII
 * order) in the order they were made, and a list ordered by (`created`, `id`) is in
 * creation order. The rest is random.
 * @example
 * const ids = createIdGenerator(() => Date.now());
 * ids('cus', 14); // 'cus_T3xk2a0000Qz9P'
 */
export function createIdGenerator(clock: () => number = Date.now): IdGenerator {
  let lastSecond = -1;
  let counter = 0;
  return (prefix, length) => {
    const second = Math.floor(clock() / 1000);
    if (second > lastSecond) {
      lastSecond = second;
      counter = 0;
    } else {
      counter += 1;
    }
    const counterChars = Math.min(COUNTER_CHARS, Math.max(0, length - TIME_CHARS));
    let body = base62(lastSecond, TIME_CHARS) + base62(counter, counterChars);
    if (body.length < length) body += random(length - body.length);
    return `${prefix}_${body.slice(0, length)}`;
  };
}

function base62(value: number, width: number): string {
  let out = '';
  let rest = Math.max(0, Math.floor(value));
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function random(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % 62];
  return out;
}

/** A random string of `length` characters from `alphabet` (base62 by default). */
export function randomString(length: number, alphabet: string = ALPHABET): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}
