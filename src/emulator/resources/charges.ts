import { invalidRequest, parameterMissing } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import { metadataOf, retrieveOperation } from '../crud.js';
import { CardError, unexpectedState } from '../errors.js';
import { ref } from '../expand.js';
import { randomString } from '../ids.js';
import { equalities, listOperation } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, type MetadataUpdate, p } from '../params.js';
import type { StripeObject } from '../storage.js';
import { cardFee, recordBalanceTransaction } from './balance.js';
import { type ResolvedPaymentMethod, resolvePaymentMethod } from './cards.js';
import type { Customer } from './customers.js';

/** The fields the emulator's logic reads from a charge. */
export interface Charge extends StripeObject {
  readonly object: 'charge';
  readonly created: number;
  readonly amount: number;
  readonly amount_captured: number;
  readonly amount_refunded: number;
  readonly captured: boolean;
  readonly currency: string;
  readonly customer: string | null;
  readonly payment_intent: string | null;
  readonly balance_transaction: string | null;
  readonly refunded: boolean;
  readonly paid: boolean;
  readonly status: 'succeeded' | 'failed' | 'pending';
  readonly description: string | null;
  /** The charge's refunds, newest first (Stripe's list envelope; `total_count` counts all of them). */
  readonly refunds: RefundList;
}

/** A charge's `refunds`: the first page, newest first. */
export interface RefundList {
  readonly object: 'list';
  readonly data: readonly StripeObject[];
  readonly has_more: boolean;
  readonly total_count: number;
  readonly url: string;
}

/** How many refunds a charge's embedded list shows (as Stripe's default page). */
const EMBEDDED_REFUNDS = 10;

/** The list with `refund` added first. */
function withRefund(list: RefundList, refund: StripeObject): RefundList {
  const data = [refund, ...list.data];
  return {
    ...list,
    data: data.slice(0, EMBEDDED_REFUNDS),
    has_more: list.total_count + 1 > EMBEDDED_REFUNDS,
    total_count: list.total_count + 1,
  };
}

/** The fields the emulator's logic reads from a refund. */
export interface Refund extends StripeObject {
  readonly object: 'refund';
  readonly amount: number;
  readonly charge: string;
}

/** What {@link createCharge} needs. */
export interface ChargeInput {
  readonly amount: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly paymentIntent: string | null;
  readonly invoice: string | null;
  readonly paymentMethod: ResolvedPaymentMethod;
  readonly capture: boolean;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly receiptEmail: string | null;
  readonly statementDescriptor: string | null;
  readonly transferGroup: string | null;
}

const DECLINE_MESSAGE = 'Your card was declined.';

/**
 * Creates a charge on a test card. A `chargeDeclined` card gives a failed charge (event
 * `charge.failed`); the caller turns it into a card error. A captured charge records a
 * balance transaction with Stripe's standard fee.
 */
export async function createCharge(ctx: EmulatorContext, input: ChargeInput): Promise<Charge> {
  const id = ctx.newId('ch', 24);
  const card = input.paymentMethod.card;
  const declined = card.declines;
  let balanceTransaction: string | null = null;
  if (!declined && input.capture) {
    const txn = await recordBalanceTransaction(ctx, {
      amount: input.amount,
      currency: input.currency,
      type: 'charge',
      source: id,
      description: input.description,
      fee: cardFee(input.amount),
    });
    balanceTransaction = txn.id;
  }
  const charge: Charge = {
    id,
    object: 'charge',
    amount: input.amount,
    amount_captured: !declined && input.capture ? input.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: balanceTransaction,
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
    },
    calculated_statement_descriptor: input.statementDescriptor ?? 'APPSCOPE EMULATOR',
    captured: !declined && input.capture,
    created: ctx.now,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: declined ? 'card_declined' : null,
    failure_message: declined ? DECLINE_MESSAGE : null,
    fraud_details: {},
    invoice: input.invoice,
    livemode: ctx.scope.livemode,
    metadata: input.metadata,
    on_behalf_of: null,
    outcome: declined
      ? {
          network_status: 'declined_by_network',
          reason: 'generic_decline',
          risk_level: 'normal',
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !declined,
    refunds: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/charges/${id}/refunds` },
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod.id,
    payment_method_details: {
      card: {
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        exp_month: 12,
        exp_year: new Date(ctx.now * 1000).getUTCFullYear() + 3,
        fingerprint: `fp${card.brand}${card.last4}`,
        funding: card.funding,
        last4: card.last4,
        network: card.brand,
      },
      type: 'card',
    },
    receipt_email: input.receiptEmail,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/emulator/${id}/${randomString(16)}`,
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: input.statementDescriptor,
    statement_descriptor_suffix: null,
    status: declined ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: input.transferGroup,
  };
  return ctx.insert(charge, { event: declined ? 'charge.failed' : 'charge.succeeded' });
}

/** The card error a declined charge answers with (HTTP 402, `StripeCardError` in the SDK). */
export function declineError(charge: Charge, extra: Record<string, unknown> = {}): CardError {
  return new CardError({
    message: DECLINE_MESSAGE,
    code: 'card_declined',
    decline_code: 'generic_decline',
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    charge: charge.id,
    ...extra,
  });
}

/** The card error for charging a customer with no card (HTTP 402, as Stripe answers). */
export function noPaymentMethod(): CardError {
  return new CardError({
    message: 'Cannot charge a customer that has no active card',
    code: 'missing',
    param: 'card',
  });
}

/** Captures an uncaptured charge (all or part; the rest is released), emitting `charge.captured`. */
export async function captureCharge(ctx: EmulatorContext, charge: Charge, amount: number): Promise<Charge> {
  const txn = await recordBalanceTransaction(ctx, {
    amount,
    currency: charge.currency,
    type: 'charge',
    source: charge.id,
    description: charge.description,
    fee: cardFee(amount),
  });
  return ctx.replace(
    charge,
    {
      ...charge,
      amount_captured: amount,
      amount_refunded: charge.amount - amount,
      balance_transaction: txn.id,
      captured: true,
    },
    { event: 'charge.captured' },
  );
}

/** Releases an uncaptured charge in full (its payment intent was canceled), emitting `charge.refunded`. */
export async function releaseCharge(ctx: EmulatorContext, charge: Charge): Promise<Charge> {
  return ctx.replace(
    charge,
    { ...charge, amount_refunded: charge.amount, refunded: true },
    { event: 'charge.refunded' },
  );
}

/** Refunds part or all of a captured charge, recording a negative balance transaction. */
export async function refundCharge(
  ctx: EmulatorContext,
  charge: Charge,
  options: { amount?: number; reason?: string; metadata?: MetadataUpdate },
): Promise<Refund> {
  if (!charge.captured) {
    throw unexpectedState(
      `Charge ${charge.id} has not been captured; cancel its payment intent to release the funds.`,
      'charge_not_captured',
      'charge',
    );
  }
  const remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining <= 0) {
    throw unexpectedState(
      `Charge ${charge.id} has already been refunded.`,
      'charge_already_refunded',
      'charge',
    );
  }
  const amount = options.amount ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`,
      { code: 'amount_too_large', param: 'amount' },
    );
  }
  const id = ctx.newId('re', 24);
  const txn = await recordBalanceTransaction(ctx, {
    amount: -amount,
    currency: charge.currency,
    type: 'refund',
    source: id,
    description: 'REFUND FOR CHARGE',
  });
  const refund: Refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: txn.id,
    charge: charge.id,
    created: ctx.now,
    currency: charge.currency,
    description: null,
    failure_balance_transaction: null,
    failure_reason: null,
    livemode: ctx.scope.livemode,
    metadata: applyMetadata(undefined, options.metadata),
    payment_intent: charge.payment_intent,
    reason: options.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  const refunded = charge.amount_refunded + amount;
  await ctx.replace(
    charge,
    {
      ...charge,
      amount_refunded: refunded,
      refunded: refunded >= charge.amount_captured,
      refunds: withRefund(charge.refunds, refund),
    },
    { event: 'charge.refunded' },
  );
  return ctx.insert(refund);
}

const CHARGES = '/v1/charges';
const REFUNDS = '/v1/refunds';

/** Charges (made by payment intents, invoices or `POST /v1/charges`) and their refunds. */
export const charges: ResourceModule = {
  objects: [
    {
      object: 'charge',
      idPrefix: 'ch',
      events: events('charge', 'updated'),
      expand: {
        balance_transaction: ref('balance_transaction'),
        customer: ref('customer'),
        invoice: ref('invoice'),
        payment_intent: ref('payment_intent'),
      },
    },
    {
      object: 'refund',
      idPrefix: 're',
      events: events('refund', 'created', 'updated'),
      expand: {
        balance_transaction: ref('balance_transaction'),
        charge: ref('charge'),
        payment_intent: ref('payment_intent'),
      },
    },
  ],
  operations: [
    listOperation({
      object: 'charge',
      path: CHARGES,
      params: { customer: p.id(), payment_intent: p.id(), transfer_group: p.string() },
      where: (params) =>
        equalities({
          customer: params.customer,
          payment_intent: params.payment_intent,
          transfer_group: params.transfer_group,
        }),
    }),
    operation({
      method: 'POST',
      path: CHARGES,
      returns: { object: 'charge' },
      params: {
        amount: p.integer({ min: 1 }),
        capture: p.boolean(),
        currency: p.currency(),
        customer: p.id(),
        description: p.string(),
        metadata: p.metadata(),
        receipt_email: p.string(),
        shipping: p.ignored(),
        source: p.id(),
        statement_descriptor: p.string({ maxLength: 22 }),
        statement_descriptor_suffix: p.ignored(),
        transfer_group: p.string(),
      },
      required: ['amount', 'currency'],
      async run(ctx, params) {
        let source = params.source;
        if (params.customer !== undefined) {
          const customer = await ctx.load<Customer>('customer', params.customer, 'customer');
          source ??= customer.default_source ?? undefined;
          if (source === undefined) {
            throw noPaymentMethod();
          }
        }
        if (source === undefined) throw parameterMissing('source');
        const paymentMethod = await resolvePaymentMethod(ctx, source, params.customer ?? null, 'source');
        const charge = await createCharge(ctx, {
          amount: params.amount!,
          currency: params.currency!,
          customer: params.customer ?? null,
          paymentIntent: null,
          invoice: null,
          paymentMethod,
          capture: params.capture ?? true,
          description: params.description ?? null,
          metadata: applyMetadata(undefined, params.metadata),
          receiptEmail: params.receipt_email ?? null,
          statementDescriptor: params.statement_descriptor ?? null,
          transferGroup: params.transfer_group ?? null,
        });
        if (charge.status === 'failed') throw declineError(charge);
        return charge;
      },
    }),
    retrieveOperation('charge', `${CHARGES}/:id`),
    operation({
      method: 'POST',
      path: `${CHARGES}/:id`,
      returns: { object: 'charge' },
      params: {
        customer: p.id(),
        description: p.nullableString(),
        fraud_details: p.ignored(),
        metadata: p.metadata(),
        receipt_email: p.nullableString(),
        shipping: p.ignored(),
        transfer_group: p.string(),
      },
      async run(ctx, params, route) {
        const current = await ctx.load<Charge>('charge', route['id']!);
        if (params.customer !== undefined) {
          if (current.customer !== null && current.customer !== params.customer) {
            throw invalidRequest('This charge already has a customer; it cannot be changed.', {
              param: 'customer',
            });
          }
          await ctx.load('customer', params.customer, 'customer');
        }
        const { metadata, fraud_details: _f, shipping: _s, ...simple } = params;
        return ctx.replace(current, {
          ...current,
          ...simple,
          metadata: applyMetadata(metadataOf(current), metadata),
        });
      },
    }),
    operation({
      method: 'POST',
      path: `${CHARGES}/:id/capture`,
      returns: { object: 'charge' },
      params: {
        amount: p.integer({ min: 1 }),
        receipt_email: p.string(),
        statement_descriptor: p.ignored(),
        statement_descriptor_suffix: p.ignored(),
      },
      async run(ctx, params, route) {
        const charge = await ctx.load<Charge>('charge', route['id']!);
        if (charge.payment_intent !== null) {
          throw unexpectedState(
            `Charge ${charge.id} belongs to payment intent ${charge.payment_intent}; capture the payment intent instead.`,
            'charge_not_capturable',
          );
        }
        if (charge.captured || charge.refunded || charge.status !== 'succeeded') {
          throw unexpectedState(`Charge ${charge.id} has already been captured.`, 'charge_already_captured');
        }
        const amount = params.amount ?? charge.amount;
        if (amount > charge.amount) {
          throw invalidRequest(
            `Amount to capture (${amount}) is greater than the charge amount (${charge.amount}).`,
            {
              code: 'amount_too_large',
              param: 'amount',
            },
          );
        }
        return captureCharge(ctx, charge, amount);
      },
    }),

    listOperation({
      object: 'refund',
      path: REFUNDS,
      params: { charge: p.id(), payment_intent: p.id() },
      where: (params) => equalities({ charge: params.charge, payment_intent: params.payment_intent }),
    }),
    operation({
      method: 'POST',
      path: REFUNDS,
      returns: { object: 'refund' },
      params: {
        amount: p.integer({ min: 1 }),
        charge: p.id(),
        instructions_email: p.ignored(),
        metadata: p.metadata(),
        payment_intent: p.id(),
        reason: p.enum(['duplicate', 'fraudulent', 'requested_by_customer']),
        refund_application_fee: p.ignored(),
        reverse_transfer: p.ignored(),
      },
      async run(ctx, params) {
        if ((params.charge === undefined) === (params.payment_intent === undefined)) {
          throw invalidRequest('You must pass exactly one of `charge` or `payment_intent`.', {
            code: 'parameter_missing',
            param: 'charge',
          });
        }
        let chargeId = params.charge;
        if (params.payment_intent !== undefined) {
          const intent = await ctx.load('payment_intent', params.payment_intent, 'payment_intent');
          const latest = intent['latest_charge'];
          if (typeof latest !== 'string' || intent['status'] !== 'succeeded') {
            throw unexpectedState(
              `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
              'charge_not_refundable',
              'payment_intent',
            );
          }
          chargeId = latest;
        }
        const charge = await ctx.load<Charge>('charge', chargeId!, 'charge');
        return refundCharge(ctx, charge, {
          ...(params.amount === undefined ? {} : { amount: params.amount }),
          ...(params.reason === undefined ? {} : { reason: params.reason }),
          ...(params.metadata === undefined ? {} : { metadata: params.metadata }),
        });
      },
    }),
    retrieveOperation('refund', `${REFUNDS}/:id`),
    operation({
      method: 'POST',
      path: `${REFUNDS}/:id`,
      returns: { object: 'refund' },
      params: { metadata: p.metadata() },
      async run(ctx, params, route) {
        const current = await ctx.load<Refund>('refund', route['id']!);
        return ctx.replace(current, {
          ...current,
          metadata: applyMetadata(metadataOf(current), params.metadata),
        });
      },
    }),
  ],
};
