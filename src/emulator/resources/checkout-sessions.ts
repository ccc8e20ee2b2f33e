import { invalidRequest } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import { retrieveOperation } from '../crud.js';
import { unexpectedState } from '../errors.js';
import { ref } from '../expand.js';
import { randomString } from '../ids.js';
import { equalities, listObject, listOperation, PAGINATION, pageOf } from '../lists.js';
import { operation, type ResourceModule } from '../operation.js';
import { applyMetadata, p } from '../params.js';
import type { StripeObject } from '../storage.js';
import type { Price, Product } from './products.js';

/** The fields the emulator's logic reads from a checkout session. */
export interface CheckoutSession extends StripeObject {
  readonly object: 'checkout.session';
  readonly created: number;
  readonly status: 'open' | 'complete' | 'expired';
}

/** A session's line items, stored beside it (they are returned only when asked for). */
interface StoredLineItems extends StripeObject {
  readonly object: 'checkout.session.line_items';
  readonly created: number;
  readonly data: readonly StripeObject[];
}

const PATH = '/v1/checkout/sessions';
const LINE_ITEMS = 'checkout.session.line_items';
const HOUR = 3600;

async function lineItemsOf(ctx: EmulatorContext, session: StripeObject): Promise<readonly StripeObject[]> {
  return (await ctx.find<StoredLineItems>(LINE_ITEMS, session.id))?.data ?? [];
}

/**
 * Checkout sessions: created `open` with their line items and a (fake) hosted `url`,
 * and expired on request. Nobody can pay on the hosted page, so sessions never complete.
 * Stripe emits no event when a session is created; expiring one emits
 * `checkout.session.expired`.
 */
export const checkoutSessions: ResourceModule = {
  objects: [
    {
      object: 'checkout.session',
      idPrefix: 'cs',
      expand: {
        customer: ref('customer'),
        invoice: ref('invoice'),
        line_items: {
          kind: 'computed',
          value: { list: 'item' },
          load: async (ctx, session) => {
            const items = await lineItemsOf(ctx, session);
            return { ...listObject(items, false, `${PATH}/${session.id}/line_items`) };
          },
        },
        payment_intent: ref('payment_intent'),
        subscription: ref('subscription'),
      },
    },
    { object: 'item', idPrefix: 'li', expand: { price: ref('price') } },
  ],
  operations: [
    listOperation({
      object: 'checkout.session',
      path: PATH,
      params: {
        customer: p.id(),
        payment_intent: p.id(),
        status: p.enum(['open', 'complete', 'expired']),
        subscription: p.id(),
      },
      where: (params) =>
        equalities({
          customer: params.customer,
          payment_intent: params.payment_intent,
          status: params.status,
          subscription: params.subscription,
        }),
    }),
    operation({
      method: 'POST',
      path: PATH,
      returns: { object: 'checkout.session' },
      params: {
        allow_promotion_codes: p.boolean(),
        billing_address_collection: p.enum(['auto', 'required']),
        cancel_url: p.string(),
        client_reference_id: p.string({ maxLength: 200 }),
        currency: p.currency(),
        customer: p.id(),
        customer_creation: p.enum(['always', 'if_required']),
        customer_email: p.string(),
        expires_at: p.timestamp(),
        line_items: p.list(
          p.hash(
            {
              adjustable_quantity: p.ignored(),
              price: p.id(),
              quantity: p.integer({ min: 1 }),
              tax_rates: p.ignored(),
            },
            ['price'],
          ),
          { max: 100 },
        ),
        locale: p.string(),
        metadata: p.metadata(),
        mode: p.enum(['payment', 'setup', 'subscription']),
        payment_intent_data: p.ignored(),
        payment_method_types: p.list(p.enum(['card'])),
        setup_intent_data: p.ignored(),
        submit_type: p.enum(['auto', 'book', 'donate', 'pay']),
        subscription_data: p.ignored(),
        success_url: p.string(),
        ui_mode: p.enum(['hosted']),
      },
      required: ['mode', 'success_url'],
      async run(ctx, params) {
        const mode = params.mode!;
        if (params.customer !== undefined && params.customer_email !== undefined) {
          throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', {
            code: 'parameters_exclusive',
            param: 'customer_email',
          });
        }
        if (params.customer !== undefined) await ctx.load('customer', params.customer, 'customer');
        const lineItems = params.line_items ?? [];
        if (mode !== 'setup' && lineItems.length === 0) {
          throw invalidRequest(`line_items is required in \`${mode}\` mode.`, {
            code: 'parameter_missing',
            param: 'line_items',
          });
        }
        if (mode === 'setup' && lineItems.length > 0) {
          throw invalidRequest('line_items cannot be used in `setup` mode.', { param: 'line_items' });
        }
        const items: StripeObject[] = [];
        let currency = params.currency ?? null;
        let subtotal = 0;
        let recurring = 0;
        for (const [i, line] of lineItems.entries()) {
          const param = `line_items[${i}][price]`;
          const price = await ctx.load<Price>('price', line.price!, param);
          if (!price.active) throw invalidRequest(`The price \`${price.id}\` is not active.`, { param });
          if (price.type === 'recurring') recurring += 1;
          if (mode === 'payment' && price.type === 'recurring') {
            throw invalidRequest(
              'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
              { param },
            );
          }
          if (currency !== null && price.currency !== currency) {
            throw invalidRequest('All line items must use the same currency.', { param });
          }
          currency = price.currency;
          const quantity = line.quantity ?? 1;
          const amount = (price.unit_amount ?? Math.round(Number(price.unit_amount_decimal))) * quantity;
          subtotal += amount;
          const product = await ctx.find<Product>('product', price.product);
          items.push({
            id: ctx.newId('li', 24),
            object: 'item',
            amount_discount: 0,
            amount_subtotal: amount,
            amount_tax: 0,
            amount_total: amount,
            currency: price.currency,
            description: product?.name ?? null,
            price,
            quantity,
          });
        }
        if (mode === 'subscription' && recurring === 0) {
          throw invalidRequest(
            'You must provide at least one recurring price in `subscription` mode when using prices.',
            {
              param: 'line_items',
            },
          );
        }
        if (mode === 'setup' && currency === null) {
          throw invalidRequest('Missing required param: currency.', {
            code: 'parameter_missing',
            param: 'currency',
          });
        }
        const expiresAt = params.expires_at ?? ctx.now + 24 * HOUR;
        if (expiresAt < ctx.now + HOUR / 2 || expiresAt > ctx.now + 24 * HOUR) {
          throw invalidRequest(
            'The `expires_at` timestamp must be between 30 minutes and 24 hours from now.',
            {
              param: 'expires_at',
            },
          );
        }
        const id = `cs_${ctx.scope.livemode ? 'live' : 'test'}_${randomString(58)}`;
        const session: CheckoutSession = {
          id,
          object: 'checkout.session',
          after_expiration: null,
          allow_promotion_codes: params.allow_promotion_codes ?? null,
          amount_subtotal: mode === 'setup' ? null : subtotal,
          amount_total: mode === 'setup' ? null : subtotal,
          automatic_tax: { enabled: false, liability: null, status: null },
          billing_address_collection: params.billing_address_collection ?? null,
          cancel_url: params.cancel_url ?? null,
          client_reference_id: params.client_reference_id ?? null,
          client_secret: null,
          consent: null,
          consent_collection: null,
          created: ctx.now,
          currency,
          custom_fields: [],
          custom_text: {
            after_submit: null,
            shipping_address: null,
            submit: null,
            terms_of_service_acceptance: null,
          },
          customer: params.customer ?? null,
          customer_creation:
            params.customer === undefined && mode === 'payment'
              ? (params.customer_creation ?? 'if_required')
              : null,
          customer_details: null,
          customer_email: params.customer_email ?? null,
          expires_at: expiresAt,
          invoice: null,
          livemode: ctx.scope.livemode,
          locale: params.locale ?? null,
          metadata: applyMetadata(undefined, params.metadata),
          mode,
          payment_intent: null,
          payment_link: null,
          payment_method_collection: mode === 'payment' ? null : 'always',
          payment_method_types: params.payment_method_types ?? ['card'],
          payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid',
          phone_number_collection: { enabled: false },
          recovered_from: null,
          setup_intent: null,
          shipping_address_collection: null,
          shipping_cost: null,
          shipping_details: null,
          shipping_options: [],
          status: 'open',
          submit_type: params.submit_type ?? null,
          subscription: null,
          success_url: params.success_url!,
          total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
          ui_mode: 'hosted',
          url: `https://checkout.stripe.com/c/pay/${id}`,
        };
        await ctx.store<StoredLineItems>({ id, object: LINE_ITEMS, created: ctx.now, data: items });
        return ctx.insert(session);
      },
    }),
    retrieveOperation('checkout.session', `${PATH}/:id`),
    operation({
      method: 'GET',
      path: `${PATH}/:id/line_items`,
      returns: { list: 'item' },
      params: PAGINATION,
      async run(ctx, params, route) {
        const session = await ctx.load<CheckoutSession>('checkout.session', route['id']!, 'session');
        return pageOf(
          await lineItemsOf(ctx, session),
          params,
          `${PATH}/${session.id}/line_items`,
          'line_item',
        );
      },
    }),
    operation({
      method: 'POST',
      path: `${PATH}/:id/expire`,
      returns: { object: 'checkout.session' },
      params: {},
      async run(ctx, _params, route) {
        const session = await ctx.load<CheckoutSession>('checkout.session', route['id']!, 'session');
        if (session.status !== 'open') {
          throw unexpectedState(
            `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
            'checkout_session_not_open',
          );
        }
        return ctx.replace(
          session,
          { ...session, status: 'expired', url: null },
          { event: 'checkout.session.expired' },
        );
      },
    }),
  ],
};
