import { invalidRequest, resourceMissing } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import type { StripeObject } from '../storage.js';

/**
 * Stripe's test card numbers, reached through their test tokens (`tok_visa`) and test
 * payment methods (`pm_card_visa`). No card network is involved: a card either works or,
 * for the `chargeDeclined` ones, is declined.
 */
export interface TestCard {
  readonly brand: string;
  readonly last4: string;
  readonly funding: 'credit' | 'debit' | 'prepaid';
  readonly declines: boolean;
}

const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  visa: { brand: 'visa', last4: '4242', funding: 'credit', declines: false },
  visa_debit: { brand: 'visa', last4: '5556', funding: 'debit', declines: false },
  mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit', declines: false },
  amex: { brand: 'amex', last4: '8431', funding: 'credit', declines: false },
  discover: { brand: 'discover', last4: '1117', funding: 'credit', declines: false },
  chargeDeclined: { brand: 'visa', last4: '0002', funding: 'credit', declines: true },
};

const BRAND_NAMES: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  amex: 'American Express',
  discover: 'Discover',
};

/** A customer's card, made from a test token. */
export interface Card extends StripeObject {
  readonly object: 'card';
  readonly brand: string;
  readonly last4: string;
  readonly funding: string;
  readonly customer: string | null;
}

/** A test token (`tok_visa`) or test payment method (`pm_card_visa`), or undefined. */
export function testCard(id: string): TestCard | undefined {
  const name = id.startsWith('tok_') ? id.slice(4) : id.startsWith('pm_card_') ? id.slice(8) : undefined;
  return name === undefined ? undefined : TEST_CARDS[name];
}

/** The fields of a `card` object a test card fixes (its brand as a card object spells it, `Visa`). */
export function testCardFields(card: TestCard, now: number) {
  return {
    brand: BRAND_NAMES[card.brand] ?? card.brand,
    country: 'US',
    cvc_check: 'pass',
    exp_month: 12,
    exp_year: new Date(now * 1000).getUTCFullYear() + 3,
    fingerprint: `fp${card.brand}${card.last4}`,
    funding: card.funding,
    last4: card.last4,
  };
}

/** Creates a customer's card from a test token (`source=tok_visa`), emitting `customer.source.created`. */
export async function cardFromToken(ctx: EmulatorContext, token: string, customer: string): Promise<Card> {
  const card = token.startsWith('tok_') ? testCard(token) : undefined;
  if (card === undefined) throw resourceMissing('token', token, 'source');
  const object: Card = {
    id: ctx.newId('card', 24),
    object: 'card',
    address_city: null,
    address_country: null,
    address_line1: null,
    address_line2: null,
    address_state: null,
    address_zip: null,
    ...testCardFields(card, ctx.now),
    customer,
    metadata: {},
    name: null,
    tokenization_method: null,
  };
  return ctx.insert(object, { event: 'customer.source.created' });
}

/** What the emulator knows about a payment method: from the magic ids, or from a stored card. */
export interface ResolvedPaymentMethod {
  readonly id: string;
  readonly card: TestCard;
}

/**
 * Resolves a payment method a payment may use: a test payment method (`pm_card_visa`),
 * a test token, or one of the customer's cards (`card_…`). Anything else is a 404.
 */
export async function resolvePaymentMethod(
  ctx: EmulatorContext,
  id: string,
  customer: string | null,
  param = 'payment_method',
): Promise<ResolvedPaymentMethod> {
  const magic = testCard(id);
  if (magic !== undefined) return { id, card: magic };
  if (id.startsWith('card_')) {
    const card = await ctx.find<Card>('card', id);
    if (card === undefined || (customer !== null && card.customer !== customer)) {
      throw resourceMissing('payment_method', id, param);
    }
    const brand = card.brand.toLowerCase().replace('american express', 'amex');
    return {
      id,
      card: {
        brand,
        last4: card.last4,
        funding: card.funding as TestCard['funding'],
        declines: card.last4 === '0002',
      },
    };
  }
  if (id.startsWith('pm_')) {
    // A payment method made through `POST /v1/payment_methods` (the generic engine stores it).
    const stored = await ctx.find<StripeObject>('payment_method', id);
    if (
      stored !== undefined &&
      (customer === null || stored['customer'] === null || stored['customer'] === customer)
    ) {
      const card = (stored['card'] ?? {}) as { brand?: string; last4?: string; funding?: string };
      const last4 = card.last4 === undefined || card.last4 === '' ? '4242' : card.last4;
      return {
        id,
        card: {
          brand: card.brand === undefined || card.brand === '' ? 'visa' : card.brand,
          last4,
          funding: (card.funding === 'debit' || card.funding === 'prepaid'
            ? card.funding
            : 'credit') as TestCard['funding'],
          declines: last4 === '0002',
        },
      };
    }
    throw invalidRequest(
      `No such PaymentMethod: '${id}'. The emulator accepts Stripe's test payment methods (pm_card_visa, pm_card_mastercard, pm_card_amex, pm_card_chargeDeclined, …) and a customer's cards, and payment methods made with POST /v1/payment_methods.`,
      { code: 'resource_missing', param, status: 404 },
    );
  }
  throw resourceMissing('payment_method', id, param);
}
