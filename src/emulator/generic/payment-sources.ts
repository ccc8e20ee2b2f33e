import { testCard, testCardFields } from '../resources/cards.js';
import type { ParamJson } from './validate.js';

/** The parameters that carry a token when a payment source or an external account is created. */
const TOKEN_PARAMS = ['source', 'external_account', 'card', 'bank_account'] as const;

/** The fields of Stripe's test bank account (routing number 110000000, account 000123456789). */
const TEST_BANK_ACCOUNT = {
  bank_name: 'STRIPE TEST BANK',
  country: 'US',
  currency: 'usd',
  fingerprint: 'fptestbank6789',
  last4: '6789',
  routing_number: '110000000',
  status: 'new',
};

/** What a token makes: the object type, and the fields the token fixes. */
export interface TokenSource {
  readonly type: 'card' | 'bank_account';
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * The payment source a create's token stands for (`POST /v1/customers/{customer}/sources` with
 * `source=tok_visa`, `POST /v1/accounts/{account}/external_accounts` with `external_account=btok_…`),
 * when the operation answers that type: a test card token makes that card (`tok_mastercard` →
 * a MasterCard ending 4444), a bank account token (`btok_…`) Stripe's test bank account.
 * Undefined when no such token is given (other tokens make a card with made-up fields).
 * @example
 * tokenSource(['card', 'bank_account'], { source: 'tok_visa' }, now);
 * // { type: 'card', fields: { brand: 'Visa', last4: '4242', funding: 'credit', … } }
 */
export function tokenSource(
  types: readonly string[],
  params: Readonly<Record<string, ParamJson>>,
  now: number,
): TokenSource | undefined {
  for (const name of TOKEN_PARAMS) {
    const token = params[name];
    if (typeof token !== 'string') continue;
    const card = testCard(token);
    if (card !== undefined && types.includes('card')) {
      return { type: 'card', fields: testCardFields(card, now) };
    }
    if (token.startsWith('btok_') && types.includes('bank_account')) {
      return { type: 'bank_account', fields: TEST_BANK_ACCOUNT };
    }
  }
  return undefined;
}

/** Brands by a card number's first digits, as Stripe's test numbers use them. */
const BRANDS: readonly (readonly [RegExp, string])[] = [
  [/^4/, 'visa'],
  [/^(5[1-5]|2[2-7])/, 'mastercard'],
  [/^3[47]/, 'amex'],
  [/^(6011|65|64[4-9])/, 'discover'],
  [/^3(0[0-5]|[68])/, 'diners'],
  [/^35/, 'jcb'],
];

/**
 * The card fields a raw card number fixes (`card[number]=4242424242424242` on a payment method or
 * a token): `brand`, `last4`, and the checks a test card passes. Undefined for a value that is no
 * card number.
 * @example
 * cardFromNumber('5555555555554444'); // { brand: 'mastercard', last4: '4444', funding: 'credit', … }
 */
export function cardFromNumber(number: string): Readonly<Record<string, unknown>> | undefined {
  const digits = number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return undefined;
  const brand = BRANDS.find(([pattern]) => pattern.test(digits))?.[1] ?? 'unknown';
  return {
    brand,
    last4: digits.slice(-4),
    funding: 'credit',
    country: 'US',
    fingerprint: `fp${brand}${digits.slice(-4)}`,
  };
}
