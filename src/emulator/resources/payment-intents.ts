import { invalidRequest } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import { metadataOf, retrieveOperation } from '../crud.js';
import { unexpectedState } from '../errors.js';
import { ref } from '../expand.js';
import { randomString } from '../ids.js';
import { equalities, listOperation } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, p } from '../params.js';
import type { StripeObject } from '../storage.js';
import { resolvePaymentMethod } from './cards.js';
import { type Charge, captureCharge, createCharge, declineError, releaseCharge } from './charges.js';

/** Stripe's payment intent statuses (the emulator never uses `requires_action` or `processing`). */
export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

/** The fields the emulator's logic reads from a payment intent. */
export interface PaymentIntent extends StripeObject {
  readonly object: 'payment_intent';
  readonly created: number;
  readonly amount: number;
  readonly amount_capturable: number;
  readonly amount_received: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly description: string | null;
  readonly capture_method: 'automatic' | 'automatic_async' | 'manual';
  readonly payment_method: string | null;
  readonly latest_charge: string | null;
  readonly invoice: string | null;
  readonly status: PaymentIntentStatus;
  readonly receipt_email: string | null;
  readonly statement_descriptor: string | null;
  readonly transfer_group: string | null;
}

const PATH = '/v1/payment_intents';
const CONFIRMABLE: readonly PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];
const CANCELABLE: readonly PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

function minimumAmount(amount: number, currency: string): void {
  if (currency === 'usd' && amount < 50) {
    throw invalidRequest('Amount must be at least $0.50 usd', { code: 'amount_too_small', param: 'amount' });
  }
}

/** What {@link createPaymentIntent} needs (invoices create theirs through it too). */
export interface PaymentIntentInput {
  readonly amount: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly paymentMethod: string | null;
  readonly captureMethod?: PaymentIntent['capture_method'];
  readonly invoice?: string | null;
  readonly receiptEmail?: string | null;
  readonly statementDescriptor?: string | null;
  readonly transferGroup?: string | null;
  readonly setupFutureUsage?: string | null;
  readonly automaticPaymentMethods?: boolean;
}

/** Creates and stores a payment intent (event `payment_intent.created`). */
export async function createPaymentIntent(
  ctx: EmulatorContext,
  input: PaymentIntentInput,
): Promise<PaymentIntent> {
  const id = ctx.newId('pi', 24);
  const intent: PaymentIntent = {
    id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: input.automaticPaymentMethods
      ? { allow_redirects: 'always', enabled: true }
      : null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: input.captureMethod ?? 'automatic',
    client_secret: `${id}_secret_${randomString(25)}`,
    confirmation_method: 'automatic',
    created: ctx.now,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    invoice: input.invoice ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: ctx.scope.livemode,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: input.receiptEmail ?? null,
    review: null,
    setup_future_usage: input.setupFutureUsage ?? null,
    shipping: null,
    statement_descriptor: input.statementDescriptor ?? null,
    statement_descriptor_suffix: null,
    status: input.paymentMethod === null ? 'requires_payment_method' : 'requires_confirmation',
    transfer_data: null,
    transfer_group: input.transferGroup ?? null,
  };
  return ctx.insert(intent);
}

/**
 * Confirms a payment intent: charges its payment method, then `succeeded` (or
 * `requires_capture`). A declined test card leaves it in `requires_payment_method` with
 * `last_payment_error` and answers a 402 card error.
 */
export async function confirmPaymentIntent(
  ctx: EmulatorContext,
  intent: PaymentIntent,
  options: { paymentMethod?: string; receiptEmail?: string } = {},
): Promise<PaymentIntent> {
  if (!CONFIRMABLE.includes(intent.status)) {
    throw unexpectedState(
      `You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`,
      'payment_intent_unexpected_state',
    );
  }
  const pmId = options.paymentMethod ?? intent.payment_method;
  if (pmId === null) {
    throw unexpectedState(
      "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.",
      'payment_intent_unexpected_state',
    );
  }
  const paymentMethod = await resolvePaymentMethod(ctx, pmId, intent.customer);
  const capture = intent.capture_method !== 'manual';
  const charge = await createCharge(ctx, {
    amount: intent.amount,
    currency: intent.currency,
    customer: intent.customer,
    paymentIntent: intent.id,
    invoice: intent.invoice,
    paymentMethod,
    capture,
    description: intent.description,
    metadata: metadataOf(intent),
    receiptEmail: options.receiptEmail ?? intent.receipt_email,
    statementDescriptor: intent.statement_descriptor,
    transferGroup: intent.transfer_group,
  });
  if (charge.status === 'failed') {
    const failed = await ctx.replace(
      intent,
      {
        ...intent,
        last_payment_error: {
          charge: charge.id,
          code: 'card_declined',
          decline_code: 'generic_decline',
          doc_url: 'https://stripe.com/docs/error-codes/card-declined',
          message: 'Your card was declined.',
          payment_method: { id: paymentMethod.id, object: 'payment_method', type: 'card' },
          type: 'card_error',
        },
        latest_charge: charge.id,
        payment_method: null,
        status: 'requires_payment_method',
      },
      { event: 'payment_intent.payment_failed' },
    );
    throw declineError(charge, { payment_intent: failed });
  }
  const next: PaymentIntent = {
    ...intent,
    amount_capturable: capture ? 0 : intent.amount,
    amount_received: capture ? intent.amount : 0,
    last_payment_error: null,
    latest_charge: charge.id,
    payment_method: pmId,
    receipt_email: options.receiptEmail ?? intent.receipt_email,
    status: capture ? 'succeeded' : 'requires_capture',
  };
  return ctx.replace(intent, next, {
    event: capture ? 'payment_intent.succeeded' : 'payment_intent.amount_capturable_updated',
  });
}

/** Cancels an unfinished payment intent, releasing an uncaptured charge. */
export async function cancelPaymentIntent(
  ctx: EmulatorContext,
  intent: PaymentIntent,
  reason: string | null,
): Promise<PaymentIntent> {
  if (!CANCELABLE.includes(intent.status)) {
    throw unexpectedState(
      `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
      'payment_intent_unexpected_state',
    );
  }
  if (intent.status === 'requires_capture' && intent.latest_charge !== null) {
    await releaseCharge(ctx, await ctx.load<Charge>('charge', intent.latest_charge));
  }
  return ctx.replace(
    intent,
    {
      ...intent,
      amount_capturable: 0,
      canceled_at: ctx.now,
      cancellation_reason: reason,
      status: 'canceled',
    },
    { event: 'payment_intent.canceled' },
  );
}

const mutable = {
  amount: p.integer({ min: 1 }),
  currency: p.currency(),
  customer: p.id(),
  description: p.nullableString(),
  metadata: p.metadata(),
  payment_method: p.id(),
  payment_method_options: p.ignored(),
  payment_method_types: p.list(p.enum(['card'])),
  receipt_email: p.nullableString(),
  setup_future_usage: p.enum(['on_session', 'off_session']),
  shipping: p.ignored(),
  statement_descriptor: p.nullableString(),
  statement_descriptor_suffix: p.ignored(),
  transfer_group: p.string(),
};

/**
 * Payment intents with a simplified state machine: `requires_payment_method` →
 * `requires_confirmation` → (confirm) → `succeeded`, or `requires_capture` with
 * `capture_method=manual` → (capture) → `succeeded`; `canceled` from any unfinished
 * state. Confirming makes a charge on a test card; there is no 3-D Secure (`requires_action`).
 */
export const paymentIntents: ResourceModule = {
  objects: [
    {
      object: 'payment_intent',
      idPrefix: 'pi',
      events: events('payment_intent', 'created'),
      expand: { customer: ref('customer'), invoice: ref('invoice'), latest_charge: ref('charge') },
    },
  ],
  operations: [
    listOperation({
      object: 'payment_intent',
      path: PATH,
      params: { customer: p.id() },
      where: (params) => equalities({ customer: params.customer }),
    }),
    operation({
      method: 'POST',
      path: PATH,
      returns: { object: 'payment_intent' },
      params: {
        ...mutable,
        automatic_payment_methods: p.hash({ allow_redirects: p.ignored(), enabled: p.boolean() }, [
          'enabled',
        ]),
        capture_method: p.enum(['automatic', 'automatic_async', 'manual']),
        confirm: p.boolean(),
        confirmation_method: p.enum(['automatic', 'manual']),
        error_on_requires_action: p.ignored(),
        mandate_data: p.ignored(),
        off_session: p.ignored(),
        return_url: p.ignored(),
        use_stripe_sdk: p.ignored(),
      },
      required: ['amount', 'currency'],
      async run(ctx, params) {
        minimumAmount(params.amount!, params.currency!);
        if (params.customer !== undefined) await ctx.load('customer', params.customer, 'customer');
        if (params.payment_method_types !== undefined && params.automatic_payment_methods?.enabled) {
          throw invalidRequest(
            'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
            { code: 'parameters_exclusive', param: 'payment_method_types' },
          );
        }
        const intent = await createPaymentIntent(ctx, {
          amount: params.amount!,
          currency: params.currency!,
          customer: params.customer ?? null,
          description: params.description ?? null,
          metadata: applyMetadata(undefined, params.metadata),
          paymentMethod: params.payment_method ?? null,
          captureMethod: params.capture_method ?? 'automatic',
          receiptEmail: params.receipt_email ?? null,
          statementDescriptor: params.statement_descriptor ?? null,
          transferGroup: params.transfer_group ?? null,
          setupFutureUsage: params.setup_future_usage ?? null,
          automaticPaymentMethods: params.automatic_payment_methods?.enabled ?? false,
        });
        return params.confirm ? confirmPaymentIntent(ctx, intent) : intent;
      },
    }),
    retrieveOperation('payment_intent', `${PATH}/:id`),
    operation({
      method: 'POST',
      path: `${PATH}/:id`,
      returns: { object: 'payment_intent' },
      params: { ...mutable, capture_method: p.enum(['automatic', 'automatic_async', 'manual']) },
      async run(ctx, params, route) {
        const current = await ctx.load<PaymentIntent>('payment_intent', route['id']!);
        const { metadata, description, ...rest } = params;
        const changesPayment = Object.values(rest).some((value) => value !== undefined);
        if (changesPayment && !CONFIRMABLE.includes(current.status)) {
          throw unexpectedState(
            `This PaymentIntent's parameters cannot be updated because it has a status of ${current.status}. You may only update metadata and description.`,
            'payment_intent_unexpected_state',
          );
        }
        if (params.customer !== undefined) await ctx.load('customer', params.customer, 'customer');
        const amount = params.amount ?? current.amount;
        const currency = params.currency ?? current.currency;
        if (params.amount !== undefined || params.currency !== undefined) minimumAmount(amount, currency);
        const next: PaymentIntent = {
          ...current,
          amount,
          currency,
          capture_method: params.capture_method ?? current.capture_method,
          customer: params.customer ?? current.customer,
          description: description === undefined ? current.description : description,
          metadata: applyMetadata(metadataOf(current), metadata),
          payment_method: params.payment_method ?? current.payment_method,
          receipt_email: params.receipt_email === undefined ? current.receipt_email : params.receipt_email,
          setup_future_usage: params.setup_future_usage ?? current['setup_future_usage'],
          statement_descriptor:
            params.statement_descriptor === undefined
              ? current.statement_descriptor
              : params.statement_descriptor,
          transfer_group: params.transfer_group ?? current.transfer_group,
          status:
            params.payment_method !== undefined && current.status === 'requires_payment_method'
              ? 'requires_confirmation'
              : current.status,
        };
        return ctx.replace(current, next);
      },
    }),
    operation({
      method: 'POST',
      path: `${PATH}/:id/confirm`,
      returns: { object: 'payment_intent' },
      params: {
        client_secret: p.ignored(),
        error_on_requires_action: p.ignored(),
        mandate_data: p.ignored(),
        off_session: p.ignored(),
        payment_method: p.id(),
        payment_method_options: p.ignored(),
        receipt_email: p.string(),
        return_url: p.ignored(),
        setup_future_usage: p.ignored(),
        shipping: p.ignored(),
        use_stripe_sdk: p.ignored(),
      },
      async run(ctx, params, route) {
        const intent = await ctx.load<PaymentIntent>('payment_intent', route['id']!);
        return confirmPaymentIntent(ctx, intent, {
          ...(params.payment_method === undefined ? {} : { paymentMethod: params.payment_method }),
          ...(params.receipt_email === undefined ? {} : { receiptEmail: params.receipt_email }),
        });
      },
    }),
    operation({
      method: 'POST',
      path: `${PATH}/:id/capture`,
      returns: { object: 'payment_intent' },
      params: {
        amount_to_capture: p.integer({ min: 1 }),
        application_fee_amount: p.ignored(),
        final_capture: p.ignored(),
        metadata: p.metadata(),
        statement_descriptor: p.ignored(),
        statement_descriptor_suffix: p.ignored(),
      },
      async run(ctx, params, route) {
        const intent = await ctx.load<PaymentIntent>('payment_intent', route['id']!);
        if (intent.status !== 'requires_capture' || intent.latest_charge === null) {
          throw unexpectedState(
            `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
            'payment_intent_unexpected_state',
          );
        }
        const amount = params.amount_to_capture ?? intent.amount_capturable;
        if (amount > intent.amount_capturable) {
          throw invalidRequest(
            `The amount to capture (${amount}) is greater than the amount capturable (${intent.amount_capturable}).`,
            { code: 'amount_too_large', param: 'amount_to_capture' },
          );
        }
        await captureCharge(ctx, await ctx.load<Charge>('charge', intent.latest_charge), amount);
        return ctx.replace(
          intent,
          {
            ...intent,
            amount_capturable: 0,
            amount_received: amount,
            metadata: applyMetadata(metadataOf(intent), params.metadata),
            status: 'succeeded',
          },
          { event: 'payment_intent.succeeded' },
        );
      },
    }),
    operation({
      method: 'POST',
      path: `${PATH}/:id/cancel`,
      returns: { object: 'payment_intent' },
      params: {
        cancellation_reason: p.enum(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']),
      },
      async run(ctx, params, route) {
        const intent = await ctx.load<PaymentIntent>('payment_intent', route['id']!);
        return cancelPaymentIntent(ctx, intent, params.cancellation_reason ?? null);
      },
    }),
  ],
};
