import { invalidRequest, resourceMissing } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import { metadataOf, retrieveOperation } from '../crud.js';
import { CardError, unexpectedState } from '../errors.js';
import { embeddedList, ref } from '../expand.js';
import { createdFilter, type ListObject, listObject, PAGINATION, pageOf } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, type MetadataUpdate, p } from '../params.js';
import type { StripeObject } from '../storage.js';
import { resolvePaymentMethod } from './cards.js';
import { noPaymentMethod } from './charges.js';
import type { Customer } from './customers.js';
import { createInvoice, finalizeInvoice, type Invoice, payInvoice, subscriptionLine } from './invoices.js';
import type { Price, Product, Recurring } from './products.js';

/** Stripe's subscription statuses (the emulator uses `incomplete`, `trialing`, `active` and `canceled`). */
export type SubscriptionStatus =
  | 'incomplete'
  | 'incomplete_expired'
  | 'trialing'
  | 'active'
  | 'past_due'
  | 'canceled'
  | 'unpaid'
  | 'paused';

/** A subscription item, held inside its subscription; its price is a full object. */
export interface SubscriptionItem extends StripeObject {
  readonly object: 'subscription_item';
  readonly price: Price;
  readonly quantity: number;
  readonly subscription: string;
}

/** The fields the emulator's logic reads from a subscription. */
export interface Subscription extends StripeObject {
  readonly object: 'subscription';
  readonly created: number;
  readonly customer: string;
  readonly status: SubscriptionStatus;
  readonly items: ListObject<SubscriptionItem>;
  readonly current_period_start: number;
  readonly current_period_end: number;
  readonly default_payment_method: string | null;
  readonly latest_invoice: string | null;
  readonly collection_method: 'charge_automatically' | 'send_invoice';
  readonly cancel_at_period_end: boolean;
}

const PATH = '/v1/subscriptions';
const ITEMS = '/v1/subscription_items';
/** Subscription item parameters accepted and not modelled (billing thresholds, proration, taxes). */
const ITEM_IGNORED = {
  billing_thresholds: p.ignored(),
  payment_behavior: p.ignored(),
  proration_behavior: p.ignored(),
  proration_date: p.ignored(),
  tax_rates: p.ignored(),
  price_data: p.ignored(),
} as const;

/** The subscription that holds an item, and the item (404 `resource_missing` when none does). */
async function holderOf(
  ctx: EmulatorContext,
  id: string,
): Promise<{ subscription: Subscription; item: SubscriptionItem }> {
  for (const subscription of await ctx.all<Subscription>('subscription')) {
    const item = subscription.items.data.find((i) => i.id === id);
    if (item !== undefined) return { subscription, item };
  }
  throw resourceMissing('subscription_item', id, 'item');
}

function refuseIfCanceled(subscription: Subscription): void {
  if (subscription.status === 'canceled') {
    throw unexpectedState('A canceled subscription cannot change its items.', 'subscription_canceled');
  }
}
const DAY = 86_400;
/** Statuses listed when no `status` filter is given (Stripe hides canceled subscriptions by default). */
const LISTED_BY_DEFAULT: readonly SubscriptionStatus[] = [
  'incomplete',
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'paused',
];

/** Adds a price's billing interval to a time, on the UTC calendar (month ends clamp: Jan 31 + 1 month = Feb 28/29). */
export function addInterval(at: number, recurring: Pick<Recurring, 'interval' | 'interval_count'>): number {
  const count = recurring.interval_count;
  if (recurring.interval === 'day') return at + count * DAY;
  if (recurring.interval === 'week') return at + count * 7 * DAY;
  const date = new Date(at * 1000);
  const months = recurring.interval === 'month' ? count : count * 12;
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000;
}

function itemsList(
  subscription: string,
  items: readonly SubscriptionItem[],
): ListObject<SubscriptionItem> & {
  total_count: number;
} {
  return {
    ...listObject(items, false, `/v1/subscription_items?subscription=${subscription}`),
    total_count: items.length,
  };
}

async function recurringPrice(ctx: EmulatorContext, id: string, param: string): Promise<Price> {
  const price = await ctx.load<Price>('price', id, param);
  if (price.type !== 'recurring' || price.recurring === null) {
    throw invalidRequest(
      'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
      { param },
    );
  }
  if (!price.active) throw invalidRequest(`The price \`${id}\` is not active.`, { param });
  return price;
}

function checkCompatible(prices: readonly Price[], param: string): void {
  const first = prices[0];
  if (first === undefined) {
    throw invalidRequest('A subscription must have at least one item.', { code: 'parameter_missing', param });
  }
  for (const price of prices) {
    if (
      price.currency !== first.currency ||
      price.recurring?.interval !== first.recurring?.interval ||
      price.recurring?.interval_count !== first.recurring?.interval_count
    ) {
      throw invalidRequest(
        'Currency and interval fields must match across all prices on this subscription.',
        {
          param,
        },
      );
    }
  }
}

const itemShape = p.hash({
  billing_thresholds: p.ignored(),
  clear_usage: p.ignored(),
  deleted: p.boolean(),
  discounts: p.ignored(),
  id: p.id(),
  metadata: p.metadata(),
  price: p.id(),
  quantity: p.integer({ min: 0 }),
  tax_rates: p.ignored(),
});

const settings = {
  cancel_at_period_end: p.boolean(),
  collection_method: p.enum(['charge_automatically', 'send_invoice']),
  days_until_due: p.integer({ min: 0 }),
  default_payment_method: p.nullableId(),
  description: p.nullableString(),
  metadata: p.metadata(),
  off_session: p.ignored(),
  payment_behavior: p.enum([
    'allow_incomplete',
    'default_incomplete',
    'error_if_incomplete',
    'pending_if_incomplete',
  ]),
  payment_settings: p.ignored(),
  proration_behavior: p.ignored(),
};

function newItem(
  ctx: EmulatorContext,
  subscription: string,
  price: Price,
  quantity: number,
  metadata: MetadataUpdate | undefined,
  period: { start: number; end: number },
): SubscriptionItem {
  return {
    id: ctx.newId('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: ctx.now,
    current_period_end: period.end,
    current_period_start: period.start,
    discounts: [],
    livemode: ctx.scope.livemode,
    metadata: applyMetadata(undefined, metadata),
    price,
    quantity,
    subscription,
    tax_rates: [],
  };
}

async function productName(ctx: EmulatorContext, price: Price): Promise<string> {
  return (await ctx.find<Product>('product', price.product))?.name ?? price.product;
}

/** The payment method a subscription's invoices use: its own, else the customer's defaults. */
function defaultPaymentMethod(customer: Customer, own: string | null): string | null {
  return own ?? customer.invoice_settings.default_payment_method ?? customer.default_source ?? null;
}

/**
 * Subscriptions whose items each carry a recurring price. Creating one bills its first
 * period at once (invoice → finalize → pay with the default payment method), or starts
 * a trial. Updates change items and settings from the next period: there are no
 * prorations, and no later periods are billed (there is no clock that advances).
 */
export const subscriptions: ResourceModule = {
  objects: [
    {
      object: 'subscription',
      idPrefix: 'sub',
      events: events('customer.subscription'),
      expand: {
        customer: ref('customer'),
        items: embeddedList('subscription_item'),
        latest_invoice: ref('invoice'),
      },
    },
    { object: 'subscription_item', idPrefix: 'si', expand: { price: ref('price') } },
  ],
  operations: [
    operation({
      method: 'GET',
      path: PATH,
      returns: { list: 'subscription' },
      params: {
        ...PAGINATION,
        collection_method: p.enum(['charge_automatically', 'send_invoice']),
        created: createdFilter,
        customer: p.id(),
        price: p.id(),
        status: p.enum([
          'active',
          'all',
          'canceled',
          'ended',
          'incomplete',
          'incomplete_expired',
          'past_due',
          'paused',
          'trialing',
          'unpaid',
        ]),
        test_clock: p.ignored(),
      },
      async run(ctx, params) {
        const statuses: readonly string[] | undefined =
          params.status === undefined
            ? LISTED_BY_DEFAULT
            : params.status === 'all'
              ? undefined
              : params.status === 'ended'
                ? ['canceled', 'incomplete_expired']
                : [params.status];
        const where = {
          ...(params.customer === undefined
            ? {}
            : { customer: { op: 'eq' as const, value: params.customer } }),
          ...(params.collection_method === undefined
            ? {}
            : { collection_method: { op: 'eq' as const, value: params.collection_method } }),
          ...(statuses === undefined ? {} : { status: { op: 'in' as const, values: statuses } }),
        };
        let all = await ctx.all<Subscription>('subscription', where);
        const created = params.created;
        if (created !== undefined) {
          all = all.filter(
            (sub) =>
              (created.gt === undefined || sub.created > created.gt) &&
              (created.gte === undefined || sub.created >= created.gte) &&
              (created.lt === undefined || sub.created < created.lt) &&
              (created.lte === undefined || sub.created <= created.lte),
          );
        }
        if (params.price !== undefined) {
          all = all.filter((sub) => sub.items.data.some((item) => item.price.id === params.price));
        }
        return pageOf(all, params, PATH, 'subscription');
      },
    }),
    operation({
      method: 'POST',
      path: PATH,
      returns: { object: 'subscription' },
      params: {
        ...settings,
        currency: p.currency(),
        customer: p.id(),
        items: p.list(itemShape, { max: 20 }),
        trial_end: p.timestamp(),
        trial_period_days: p.integer({ min: 1, max: 730 }),
      },
      required: ['customer', 'items'],
      async run(ctx, params) {
        const customer = await ctx.load<Customer>('customer', params.customer!, 'customer');
        const prices: Price[] = [];
        for (const [i, item] of params.items!.entries()) {
          if (item.id !== undefined || item.deleted !== undefined) {
            throw invalidRequest('New subscriptions cannot refer to existing items.', {
              param: `items[${i}][id]`,
            });
          }
          if (item.price === undefined) {
            throw invalidRequest(`Missing required param: items[${i}][price].`, {
              code: 'parameter_missing',
              param: `items[${i}][price]`,
            });
          }
          prices.push(await recurringPrice(ctx, item.price, `items[${i}][price]`));
        }
        checkCompatible(prices, 'items');
        const first = prices[0]!;
        if (params.currency !== undefined && params.currency !== first.currency) {
          throw invalidRequest('The subscription currency must match its prices.', { param: 'currency' });
        }
        const collectionMethod = params.collection_method ?? 'charge_automatically';
        const behavior = params.payment_behavior ?? 'allow_incomplete';
        if (params.default_payment_method != null) {
          await resolvePaymentMethod(
            ctx,
            params.default_payment_method,
            customer.id,
            'default_payment_method',
          );
        }
        const paymentMethod = defaultPaymentMethod(customer, params.default_payment_method ?? null);
        const trialEnd =
          params.trial_end ??
          (params.trial_period_days === undefined ? null : ctx.now + params.trial_period_days * DAY);
        if (trialEnd !== null && trialEnd <= ctx.now) {
          throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', {
            param: 'trial_end',
          });
        }
        if (
          collectionMethod === 'charge_automatically' &&
          trialEnd === null &&
          behavior === 'error_if_incomplete' &&
          paymentMethod === null
        ) {
          throw invalidRequest(
            'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
            { code: 'resource_missing', param: 'default_payment_method' },
          );
        }
        const id = ctx.newId('sub', 24);
        const invoiceId = ctx.newId('in', 24);
        const period = { start: ctx.now, end: trialEnd ?? addInterval(ctx.now, first.recurring!) };
        const items = params.items!.map((item, i) =>
          newItem(ctx, id, prices[i]!, item.quantity ?? 1, item.metadata, period),
        );
        const subscription: Subscription = {
          id,
          object: 'subscription',
          application: null,
          application_fee_percent: null,
          automatic_tax: { enabled: false, liability: null },
          billing_cycle_anchor: period.end === trialEnd ? trialEnd : ctx.now,
          billing_thresholds: null,
          cancel_at: params.cancel_at_period_end ? period.end : null,
          cancel_at_period_end: params.cancel_at_period_end ?? false,
          canceled_at: null,
          cancellation_details: { comment: null, feedback: null, reason: null },
          collection_method: collectionMethod,
          created: ctx.now,
          currency: first.currency,
          current_period_end: period.end,
          current_period_start: period.start,
          customer: customer.id,
          days_until_due: collectionMethod === 'send_invoice' ? (params.days_until_due ?? 30) : null,
          default_payment_method: params.default_payment_method ?? null,
          default_source: null,
          default_tax_rates: [],
          description: params.description ?? null,
          discount: null,
          ended_at: null,
          items: itemsList(id, items),
          latest_invoice: invoiceId,
          livemode: ctx.scope.livemode,
          metadata: applyMetadata(undefined, params.metadata),
          next_pending_invoice_item_invoice: null,
          on_behalf_of: null,
          pause_collection: null,
          payment_settings: {
            payment_method_options: null,
            payment_method_types: null,
            save_default_payment_method: 'off',
          },
          pending_invoice_item_interval: null,
          pending_setup_intent: null,
          pending_update: null,
          schedule: null,
          start_date: ctx.now,
          status: 'incomplete',
          test_clock: null,
          transfer_data: null,
          trial_end: trialEnd,
          trial_start: trialEnd === null ? null : ctx.now,
        };
        const stored = await ctx.insert(subscription);
        const lines = [];
        for (const item of items) {
          const unit = item.price.unit_amount ?? Math.round(Number(item.price.unit_amount_decimal));
          lines.push(
            subscriptionLine(ctx, {
              invoice: invoiceId,
              subscription: id,
              subscriptionItem: item.id,
              price: item.price,
              productName: await productName(ctx, item.price),
              quantity: item.quantity,
              period,
              amount: trialEnd === null ? unit * item.quantity : 0,
              trial: trialEnd !== null,
            }),
          );
        }
        let invoice: Invoice = await createInvoice(ctx, {
          id: invoiceId,
          customer,
          currency: first.currency,
          collectionMethod,
          daysUntilDue: subscription['days_until_due'] as number | null,
          subscription: id,
          billingReason: 'subscription_create',
          subscriptionLines: lines,
          includePending: true,
          period,
        });
        invoice = await finalizeInvoice(ctx, invoice);
        let status: SubscriptionStatus = 'incomplete';
        if (trialEnd !== null) status = 'trialing';
        else if (invoice.status === 'paid' || collectionMethod === 'send_invoice') status = 'active';
        else if (behavior !== 'default_incomplete' && paymentMethod !== null) {
          try {
            invoice = await payInvoice(ctx, invoice, { paymentMethod });
            status = 'active';
          } catch (error) {
            if (!(error instanceof CardError) || behavior === 'error_if_incomplete') throw error;
          }
        } else if (behavior === 'error_if_incomplete') {
          throw noPaymentMethod();
        }
        if (status === stored.status) return stored;
        return ctx.replace(stored, { ...stored, status });
      },
    }),
    retrieveOperation('subscription', `${PATH}/:id`),
    operation({
      method: 'GET',
      path: '/v1/subscription_items',
      returns: { list: 'subscription_item' },
      params: { ...PAGINATION, subscription: p.id() },
      required: ['subscription'],
      async run(ctx, params) {
        const subscription = await ctx.load<Subscription>(
          'subscription',
          params.subscription!,
          'subscription',
        );
        return pageOf(subscription.items.data, params, '/v1/subscription_items', 'subscription_item');
      },
    }),
    operation({
      method: 'POST',
      path: ITEMS,
      returns: { object: 'subscription_item' },
      params: {
        subscription: p.id(),
        price: p.id(),
        quantity: p.integer({ min: 0 }),
        metadata: p.metadata(),
        ...ITEM_IGNORED,
      },
      required: ['subscription', 'price'],
      async run(ctx, params) {
        const current = await ctx.load<Subscription>('subscription', params.subscription!, 'subscription');
        refuseIfCanceled(current);
        const price = await recurringPrice(ctx, params.price!, 'price');
        checkCompatible([...current.items.data.map((item) => item.price), price], 'price');
        const period = { start: current.current_period_start, end: current.current_period_end };
        const item = newItem(ctx, current.id, price, params.quantity ?? 1, params.metadata, period);
        const items = [...current.items.data, item];
        await ctx.replace(current, { ...current, items: itemsList(current.id, items) });
        return item;
      },
    }),
    operation({
      method: 'GET',
      path: `${ITEMS}/:item`,
      returns: { object: 'subscription_item' },
      params: {},
      run: async (ctx, _params, route) => (await holderOf(ctx, route['item']!)).item,
    }),
    operation({
      method: 'POST',
      path: `${ITEMS}/:item`,
      returns: { object: 'subscription_item' },
      params: { price: p.id(), quantity: p.integer({ min: 0 }), metadata: p.metadata(), ...ITEM_IGNORED },
      async run(ctx, params, route) {
        const { subscription, item } = await holderOf(ctx, route['item']!);
        refuseIfCanceled(subscription);
        const price =
          params.price === undefined ? item.price : await recurringPrice(ctx, params.price, 'price');
        const next: SubscriptionItem = {
          ...item,
          price,
          quantity: params.quantity ?? item.quantity,
          metadata: applyMetadata(metadataOf(item), params.metadata),
        };
        const items = subscription.items.data.map((i) => (i.id === item.id ? next : i));
        checkCompatible(
          items.map((i) => i.price),
          'price',
        );
        await ctx.replace(subscription, { ...subscription, items: itemsList(subscription.id, items) });
        return next;
      },
    }),
    operation({
      method: 'DELETE',
      path: `${ITEMS}/:item`,
      returns: { object: 'subscription_item' },
      params: { clear_usage: p.ignored(), proration_behavior: p.ignored(), proration_date: p.ignored() },
      async run(ctx, _params, route) {
        const { subscription, item } = await holderOf(ctx, route['item']!);
        refuseIfCanceled(subscription);
        const items = subscription.items.data.filter((i) => i.id !== item.id);
        if (items.length === 0) {
          throw invalidRequest(
            'A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.',
            { param: 'item' },
          );
        }
        await ctx.replace(subscription, { ...subscription, items: itemsList(subscription.id, items) });
        return { id: item.id, object: 'subscription_item', deleted: true };
      },
    }),
    operation({
      method: 'POST',
      path: `${PATH}/:id`,
      returns: { object: 'subscription' },
      params: { ...settings, items: p.list(itemShape, { max: 20 }) },
      async run(ctx, params, route) {
        const current = await ctx.load<Subscription>('subscription', route['id']!);
        const given = Object.keys(params).filter((key) => params[key as keyof typeof params] !== undefined);
        if (current.status === 'canceled' && given.some((key) => key !== 'metadata')) {
          throw unexpectedState(
            'A canceled subscription can only update its metadata.',
            'subscription_canceled',
          );
        }
        let items = [...current.items.data];
        const period = { start: current.current_period_start, end: current.current_period_end };
        for (const [i, change] of (params.items ?? []).entries()) {
          const param = `items[${i}]`;
          if (change.id === undefined) {
            if (change.deleted) continue;
            if (change.price === undefined) {
              throw invalidRequest(`Missing required param: ${param}[price].`, {
                code: 'parameter_missing',
                param: `${param}[price]`,
              });
            }
            const price = await recurringPrice(ctx, change.price, `${param}[price]`);
            items.push(newItem(ctx, current.id, price, change.quantity ?? 1, change.metadata, period));
            continue;
          }
          const at = items.findIndex((item) => item.id === change.id);
          if (at < 0)
            throw invalidRequest(`Invalid subscription item: ${change.id}`, { param: `${param}[id]` });
          if (change.deleted) {
            items = items.filter((item) => item.id !== change.id);
            continue;
          }
          const item = items[at]!;
          items[at] = {
            ...item,
            ...(change.price === undefined
              ? {}
              : { price: await recurringPrice(ctx, change.price, `${param}[price]`) }),
            ...(change.quantity === undefined ? {} : { quantity: change.quantity }),
            metadata: applyMetadata(metadataOf(item), change.metadata),
          };
        }
        if (params.items !== undefined)
          checkCompatible(
            items.map((item) => item.price),
            'items',
          );
        if (params.default_payment_method != null) {
          await resolvePaymentMethod(
            ctx,
            params.default_payment_method,
            current.customer,
            'default_payment_method',
          );
        }
        const method = params.collection_method ?? current.collection_method;
        const cancelAtPeriodEnd = params.cancel_at_period_end ?? current.cancel_at_period_end;
        const next: Subscription = {
          ...current,
          cancel_at: cancelAtPeriodEnd ? current.current_period_end : null,
          cancel_at_period_end: cancelAtPeriodEnd,
          collection_method: method,
          days_until_due:
            method === 'send_invoice' ? (params.days_until_due ?? current['days_until_due'] ?? 30) : null,
          default_payment_method:
            params.default_payment_method === undefined
              ? current.default_payment_method
              : params.default_payment_method,
          description: params.description === undefined ? current['description'] : params.description,
          items: itemsList(current.id, items),
          metadata: applyMetadata(metadataOf(current), params.metadata),
        };
        return ctx.replace(current, next);
      },
    }),
    operation({
      method: 'DELETE',
      path: `${PATH}/:id`,
      returns: { object: 'subscription' },
      params: {
        cancellation_details: p.hash({
          comment: p.nullableString(),
          feedback: p.enum([
            'customer_service',
            'low_quality',
            'missing_features',
            'other',
            'switched_service',
            'too_complex',
            'too_expensive',
            'unused',
          ]),
        }),
        invoice_now: p.boolean(),
        prorate: p.boolean(),
      },
      async run(ctx, params, route) {
        const current = await ctx.load<Subscription>('subscription', route['id']!);
        if (current.status === 'canceled') {
          throw unexpectedState(
            `Subscription ${current.id} has already been canceled.`,
            'subscription_canceled',
          );
        }
        const canceled: Subscription = {
          ...current,
          canceled_at: ctx.now,
          cancellation_details: {
            comment: params.cancellation_details?.comment ?? null,
            feedback: params.cancellation_details?.feedback ?? null,
            reason: 'cancellation_requested',
          },
          ended_at: ctx.now,
          status: 'canceled',
        };
        return ctx.replace(current, canceled, { event: 'customer.subscription.deleted' });
      },
    }),
  ],
};
