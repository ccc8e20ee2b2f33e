import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `req_` followed by 14 random base62 characters, like Stripe's request ids. */
export function newRequestId(): string {
  const bytes = randomBytes(14);
  let out = 'req_';
  for (const byte of bytes) out += ALPHABET[byte % 62];
  return out;
}
