import { createHash } from 'node:crypto';
import { maskKey } from '../domain/secrets.js';
import { readCredentials } from '../http/credentials.js';
import { type ApiError, authenticationError, invalidRequest } from '../http/stripe-error.js';
import type { EmulatorScope } from './storage.js';

/**
 * How the standalone emulator server decides whose data a request sees. There are no
 * real keys: any `sk_test_…` or `sk_live_…` secret key is accepted (Bearer, or Basic
 * with the key as user name). The mode comes from the key's prefix; the account is the
 * `Stripe-Account` header when given, else one derived from the key, so the same key
 * always reaches the same data and `sk_test_X` / `sk_live_X` are the two modes of one
 * account. (In front of the emulator, the gateway is what enforces permissions.) In
 * stripe-mock mode restricted keys (`rk_test_…`, `rk_live_…`) are accepted too, as
 * stripe-mock accepts them; they reach the same data as the secret key with the same suffix.
 */
export type StandaloneAuth =
  | { readonly ok: true; readonly scope: EmulatorScope }
  | { readonly ok: false; readonly error: ApiError };

const KEY = /^(sk|rk)_(test|live)_([0-9A-Za-z_]{1,255})$/;
const ACCOUNT = /^acct_[0-9A-Za-z]{1,64}$/;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The account a key maps to when no `Stripe-Account` header is sent: `acct_` + 16 base62 characters of its hash. */
export function defaultAccountForKey(key: string): string {
  const secret = KEY.exec(key)?.[3] ?? key;
  const digest = createHash('sha256').update(secret).digest();
  let out = 'acct_';
  for (let i = 0; i < 16; i++) out += ALPHABET[digest[i]! % 62];
  return out;
}

/** Options for {@link authenticateStandalone}. */
export interface StandaloneAuthOptions {
  /** Accept restricted keys (`rk_test_…`) as well as secret keys (stripe-mock mode). Default false. */
  readonly restrictedKeys?: boolean;
}

/**
 * Maps `Authorization` and `Stripe-Account` to a scope, or to the 401/400 to answer.
 * @example
 * authenticateStandalone('Bearer sk_live_abc', 'acct_1X'); // { ok: true, scope: { account: 'acct_1X', livemode: true } }
 */
export function authenticateStandalone(
  authorization: string | undefined,
  stripeAccount: string | undefined,
  options: StandaloneAuthOptions = {},
): StandaloneAuth {
  const credentials = readCredentials(authorization);
  if (credentials.kind === 'missing') {
    return {
      ok: false,
      error: authenticationError(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      ),
    };
  }
  if (credentials.kind === 'malformed') {
    return { ok: false, error: authenticationError(`Invalid authorization header: ${credentials.reason}.`) };
  }
  const match = KEY.exec(credentials.key);
  if (match === null || (match[1] === 'rk' && options.restrictedKeys !== true)) {
    return {
      ok: false,
      error: authenticationError(
        `Invalid API Key provided: ${maskKey(credentials.key)}. The emulator accepts any secret key of the form sk_test_… or sk_live_….`,
      ),
    };
  }
  let account = defaultAccountForKey(credentials.key);
  if (stripeAccount !== undefined && stripeAccount !== '') {
    if (!ACCOUNT.test(stripeAccount)) {
      return {
        ok: false,
        error: invalidRequest(
          `Invalid Stripe-Account header: \`${stripeAccount.slice(0, 80)}\` is not an account id (acct_…).`,
          {
            code: 'account_invalid',
          },
        ),
      };
    }
    account = stripeAccount;
  }
  return { ok: true, scope: { account, livemode: match[2] === 'live' } };
}
