import { invalidRequest, parameterMissing } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import { metadataOf, retrieveOperation } from '../crud.js';
import { CardError, unexpectedState } from '../errors.js';
import { embeddedList, ref } from '../expand.js';
import { randomString } from '../ids.js';
import { equalities, type ListObject, listObject, listOperation, PAGINATION, pageOf } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, p } from '../params.js';
import type { StripeObject } from '../storage.js';
import { resolvePaymentMethod } from './cards.js';
import { noPaymentMethod } from './charges.js';
import type { Customer } from './customers.js';
import {
  cancelPaymentIntent,
  confirmPaymentIntent,
  createPaymentIntent,
  type PaymentIntent,
} from './payment-intents.js';
import type { Price, Product } from './products.js';

/** Stripe's invoice statuses. */
export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

/** A service period in unix seconds. */
export interface Period {
  readonly start: number;
  readonly end: number;
}

/** An invoice line: one per invoice item, or per subscription item and period. */
export interface LineItem extends StripeObject {
  readonly object: 'line_item';
  readonly amount: number;
  readonly currency: string;
  readonly type: 'invoiceitem' | 'subscription';
}

/** An invoice item: pending (`invoice: null`) or on a draft invoice. */
export interface InvoiceItem extends StripeObject {
  readonly object: 'invoiceitem';
  readonly amount: number;
  readonly currency: string;
  readonly customer: string;
  readonly date: number;
  readonly description: string | null;
  readonly invoice: string | null;
  readonly period: Period;
  readonly price: Price | null;
  readonly quantity: number;
  readonly unit_amount: number | null;
}

/** The fields the emulator's logic reads from an invoice. */
export interface Invoice extends StripeObject {
  readonly object: 'invoice';
  readonly created: number;
  readonly customer: string;
  readonly currency: string;
  readonly status: InvoiceStatus;
  readonly lines: ListObject<LineItem>;
  readonly amount_due: number;
  readonly amount_paid: number;
  readonly amount_remaining: number;
  readonly attempt_count: number;
  readonly collection_method: 'charge_automatically' | 'send_invoice';
  readonly days_until_due: number | null;
  readonly default_payment_method: string | null;
  readonly subscription: string | null;
  readonly payment_intent: string | null;
  readonly status_transitions: Readonly<Record<string, number | null>>;
}

const INVOICES = '/v1/invoices';
const ITEMS = '/v1/invoiceitems';
const DAY = 86_400;

function notEditable(invoice: Invoice): never {
  throw unexpectedState(
    `You can only modify draft invoices; invoice ${invoice.id} has a status of ${invoice.status}.`,
    'invoice_not_editable',
  );
}

/** Builds the line for an invoice item. */
function itemLine(item: InvoiceItem, invoice: string): LineItem {
  return {
    id: `il_${item.id.slice(3)}`,
    object: 'line_item',
    amount: item.amount,
    amount_excluding_tax: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice,
    invoice_item: item.id,
    livemode: item['livemode'],
    metadata: metadataOf(item),
    period: item.period,
    price: item.price,
    proration: false,
    proration_details: { credited_items: null },
    quantity: item.quantity,
    subscription: null,
    subscription_item: null,
    tax_amounts: [],
    tax_rates: [],
    type: 'invoiceitem',
    unit_amount_excluding_tax: item.unit_amount === null ? null : String(item.unit_amount),
  };
}

/** A subscription line for one subscription item and period. */
export function subscriptionLine(
  ctx: EmulatorContext,
  input: {
    invoice: string;
    subscription: string;
    subscriptionItem: string;
    price: Price;
    productName: string;
    quantity: number;
    period: Period;
    amount: number;
    trial: boolean;
  },
): LineItem {
  const unit = input.price.unit_amount ?? Math.round(Number(input.price.unit_amount_decimal));
  const description = input.trial
    ? `Trial period for ${input.productName}`
    : `${input.quantity} × ${input.productName} (at ${formatAmount(unit, input.price.currency)} / ${input.price.recurring?.interval ?? 'unit'})`;
  return {
    id: `il_${input.subscriptionItem.slice(3)}${input.period.start.toString(36)}`,
    object: 'line_item',
    amount: input.amount,
    amount_excluding_tax: input.amount,
    currency: input.price.currency,
    description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: input.invoice,
    invoice_item: null,
    livemode: ctx.scope.livemode,
    metadata: {},
    period: input.period,
    price: input.price,
    proration: false,
    proration_details: { credited_items: null },
    quantity: input.quantity,
    subscription: input.subscription,
    subscription_item: input.subscriptionItem,
    tax_amounts: [],
    tax_rates: [],
    type: 'subscription',
    unit_amount_excluding_tax: String(unit),
  };
}

function formatAmount(amount: number, currency: string): string {
  const symbol = currency === 'usd' ? '$' : currency === 'eur' ? '€' : currency === 'gbp' ? '£' : '';
  const value = (amount / 100).toFixed(2);
  return symbol === '' ? `${value} ${currency.toUpperCase()}` : `${symbol}${value}`;
}

/** Totals from lines (no tax or discounts). */
function totals(lines: readonly LineItem[], amountPaid: number) {
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const due = Math.max(0, subtotal);
  return {
    subtotal,
    subtotal_excluding_tax: subtotal,
    total: subtotal,
    total_excluding_tax: subtotal,
    amount_due: due,
    amount_remaining: Math.max(0, due - amountPaid),
  };
}

/** Recomputes a draft invoice's item lines and totals from the items attached to it. */
async function recompute(ctx: EmulatorContext, invoice: Invoice): Promise<Invoice> {
  const items = (
    await ctx.all<InvoiceItem>('invoiceitem', { invoice: { op: 'eq', value: invoice.id } })
  ).reverse();
  const lines = [
    ...invoice.lines.data.filter((line) => line.type === 'subscription'),
    ...items.map((item) => itemLine(item, invoice.id)),
  ];
  return ctx.replace(invoice, {
    ...invoice,
    lines: linesList(invoice.id, lines),
    ...totals(lines, invoice.amount_paid),
  });
}

function linesList(
  invoice: string,
  lines: readonly LineItem[],
): ListObject<LineItem> & { total_count: number } {
  return { ...listObject(lines, false, `${INVOICES}/${invoice}/lines`), total_count: lines.length };
}

/** What {@link createInvoice} needs (subscriptions create theirs through it too). */
export interface InvoiceInput {
  readonly id?: string;
  readonly customer: Customer;
  readonly currency?: string;
  readonly collectionMethod?: Invoice['collection_method'];
  readonly daysUntilDue?: number | null;
  readonly dueDate?: number | null;
  readonly autoAdvance?: boolean;
  readonly description?: string | null;
  readonly footer?: string | null;
  readonly statementDescriptor?: string | null;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly defaultPaymentMethod?: string | null;
  readonly subscription?: string | null;
  readonly billingReason: 'manual' | 'subscription_create' | 'subscription_cycle';
  readonly subscriptionLines?: readonly LineItem[];
  /** Attach the customer's pending invoice items in the invoice's currency. */
  readonly includePending: boolean;
  readonly period?: Period;
}

/** Creates a draft invoice (event `invoice.created`), attaching pending items if asked. */
export async function createInvoice(ctx: EmulatorContext, input: InvoiceInput): Promise<Invoice> {
  const id = input.id ?? ctx.newId('in', 24);
  const customer = input.customer;
  const currency = input.currency ?? input.subscriptionLines?.[0]?.currency ?? customer.currency ?? 'usd';
  if (input.includePending) {
    const pending = await ctx.all<InvoiceItem>('invoiceitem', {
      customer: { op: 'eq', value: customer.id },
      invoice: { op: 'eq', value: null },
      currency: { op: 'eq', value: currency },
    });
    for (const item of pending) await ctx.store({ ...item, invoice: id });
  }
  const items = input.includePending
    ? (await ctx.all<InvoiceItem>('invoiceitem', { invoice: { op: 'eq', value: id } })).reverse()
    : [];
  const lines = [...(input.subscriptionLines ?? []), ...items.map((item) => itemLine(item, id))];
  const collectionMethod = input.collectionMethod ?? 'charge_automatically';
  const invoice: Invoice = {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'appscope emulator',
    amount_paid: 0,
    application_fee_amount: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: input.autoAdvance ?? false,
    automatic_tax: { enabled: false, status: null },
    billing_reason: input.billingReason,
    charge: null,
    collection_method: collectionMethod,
    created: ctx.now,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_address: customer['address'] ?? null,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: customer['phone'] ?? null,
    customer_shipping: customer['shipping'] ?? null,
    customer_tax_exempt: customer['tax_exempt'] ?? 'none',
    customer_tax_ids: [],
    days_until_due: input.daysUntilDue ?? null,
    default_payment_method: input.defaultPaymentMethod ?? null,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discount: null,
    discounts: [],
    due_date: input.dueDate ?? null,
    ending_balance: null,
    footer: input.footer ?? null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    last_finalization_error: null,
    lines: linesList(id, lines),
    livemode: ctx.scope.livemode,
    metadata: input.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    paid: false,
    paid_out_of_band: false,
    payment_intent: null,
    payment_settings: { payment_method_options: null, payment_method_types: null },
    period_end: input.period?.end ?? ctx.now,
    period_start: input.period?.start ?? ctx.now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    starting_balance: 0,
    statement_descriptor: input.statementDescriptor ?? null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: input.subscription ?? null,
    tax: null,
    test_clock: null,
    total_discount_amounts: [],
    total_tax_amounts: [],
    transfer_data: null,
    webhooks_delivered_at: null,
    ...totals(lines, 0),
  };
  return ctx.insert(invoice);
}

/**
 * Finalizes a draft: numbers it, opens it and creates its payment intent; an invoice
 * with nothing due is paid at once.
 */
export async function finalizeInvoice(ctx: EmulatorContext, invoice: Invoice): Promise<Invoice> {
  if (invoice.status !== 'draft') {
    throw unexpectedState(
      `This invoice is already finalized (status ${invoice.status}).`,
      'invoice_not_editable',
    );
  }
  const customer = await ctx.load<Customer>('customer', invoice.customer, 'customer');
  const number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
  await ctx.store({ ...customer, next_invoice_sequence: customer.next_invoice_sequence + 1 });
  let intent: PaymentIntent | undefined;
  if (invoice.amount_due > 0) {
    intent = await createPaymentIntent(ctx, {
      amount: invoice.amount_due,
      currency: invoice.currency,
      customer: invoice.customer,
      description: invoice.subscription === null ? `Invoice ${number}` : 'Subscription creation',
      metadata: {},
      paymentMethod: null,
      invoice: invoice.id,
    });
  }
  const secret = randomString(24);
  const open: Invoice = {
    ...invoice,
    due_date:
      invoice.collection_method === 'send_invoice'
        ? ((invoice['due_date'] as number | null) ?? ctx.now + (invoice.days_until_due ?? 30) * DAY)
        : invoice['due_date'],
    ending_balance: 0,
    hosted_invoice_url: `https://invoice.stripe.com/i/emulator/${invoice.id}?s=${secret}`,
    invoice_pdf: `https://pay.stripe.com/invoice/emulator/${invoice.id}/${secret}/pdf`,
    number,
    payment_intent: intent?.id ?? null,
    status: 'open',
    status_transitions: { ...invoice.status_transitions, finalized_at: ctx.now },
  };
  const finalized = await ctx.replace(invoice, open, { event: 'invoice.finalized' });
  if (finalized.amount_due > 0) return finalized;
  return markPaid(ctx, finalized, { charge: null, outOfBand: false });
}

async function markPaid(
  ctx: EmulatorContext,
  invoice: Invoice,
  how: { charge: string | null; outOfBand: boolean },
): Promise<Invoice> {
  const paid = await ctx.replace(
    invoice,
    {
      ...invoice,
      amount_paid: invoice.amount_due,
      amount_remaining: 0,
      attempt_count: how.charge === null ? invoice.attempt_count : invoice.attempt_count + 1,
      attempted: true,
      charge: how.charge,
      paid: true,
      paid_out_of_band: how.outOfBand,
      status: 'paid',
      status_transitions: { ...invoice.status_transitions, paid_at: ctx.now },
    },
    { event: 'invoice.paid' },
  );
  if (!how.outOfBand) await ctx.emit('invoice.payment_succeeded', paid);
  return paid;
}

/** Where an invoice payment's card comes from, in Stripe's order of precedence. */
async function paymentMethodFor(ctx: EmulatorContext, invoice: Invoice): Promise<string | undefined> {
  if (invoice.default_payment_method !== null) return invoice.default_payment_method;
  if (invoice.subscription !== null) {
    const subscription = await ctx.find('subscription', invoice.subscription);
    const pm = subscription?.['default_payment_method'];
    if (typeof pm === 'string') return pm;
  }
  const customer = await ctx.load<Customer>('customer', invoice.customer, 'customer');
  return customer.invoice_settings.default_payment_method ?? customer.default_source ?? undefined;
}

/**
 * Pays an open (or draft, finalized first) invoice by confirming its payment intent with
 * the given payment method or the default one, or records it as paid out of band.
 */
export async function payInvoice(
  ctx: EmulatorContext,
  invoice: Invoice,
  options: { paymentMethod?: string; paidOutOfBand?: boolean } = {},
): Promise<Invoice> {
  let current = invoice.status === 'draft' ? await finalizeInvoice(ctx, invoice) : invoice;
  if (current.status === 'paid') {
    if (invoice.status === 'draft') return current;
    throw unexpectedState('Invoice is already paid', 'invoice_already_paid');
  }
  if (current.status === 'void')
    throw unexpectedState('This invoice is void and cannot be paid.', 'invoice_not_payable');
  const intent =
    current.payment_intent === null
      ? undefined
      : await ctx.load<PaymentIntent>('payment_intent', current.payment_intent);
  if (options.paidOutOfBand) {
    if (intent !== undefined && intent.status !== 'canceled' && intent.status !== 'succeeded') {
      await cancelPaymentIntent(ctx, intent, null);
    }
    return markPaid(ctx, current, { charge: null, outOfBand: true });
  }
  if (intent === undefined) return markPaid(ctx, current, { charge: null, outOfBand: false });
  const pm = options.paymentMethod ?? (await paymentMethodFor(ctx, current));
  if (pm === undefined) throw noPaymentMethod();
  await resolvePaymentMethod(ctx, pm, current.customer);
  let confirmed: PaymentIntent;
  try {
    confirmed = await confirmPaymentIntent(ctx, intent, { paymentMethod: pm });
  } catch (error) {
    if (error instanceof CardError) {
      current = await ctx.replace(
        current,
        { ...current, attempt_count: current.attempt_count + 1, attempted: true },
        { event: 'invoice.payment_failed' },
      );
    }
    throw error;
  }
  return markPaid(ctx, current, { charge: confirmed.latest_charge, outOfBand: false });
}

async function voidInvoice(ctx: EmulatorContext, invoice: Invoice): Promise<Invoice> {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw unexpectedState(
      `You can only void open or uncollectible invoices; this one has a status of ${invoice.status}.`,
      'invoice_not_voidable',
    );
  }
  if (invoice.payment_intent !== null) {
    const intent = await ctx.load<PaymentIntent>('payment_intent', invoice.payment_intent);
    if (intent.status !== 'canceled' && intent.status !== 'succeeded')
      await cancelPaymentIntent(ctx, intent, null);
  }
  return ctx.replace(
    invoice,
    {
      ...invoice,
      amount_remaining: 0,
      status: 'void',
      status_transitions: { ...invoice.status_transitions, voided_at: ctx.now },
    },
    { event: 'invoice.voided' },
  );
}

async function itemAmounts(
  ctx: EmulatorContext,
  input: { amount?: number; unit_amount?: number; price?: string; quantity?: number; currency?: string },
  fallbackCurrency: string | null,
): Promise<{
  amount: number;
  unit: number | null;
  price: Price | null;
  quantity: number;
  currency: string;
  name?: string;
}> {
  const given = [input.amount, input.unit_amount, input.price].filter((v) => v !== undefined).length;
  if (given > 1) {
    throw invalidRequest('You may only specify one of these parameters: amount, price, unit_amount.', {
      code: 'parameters_exclusive',
      param: 'amount',
    });
  }
  const quantity = input.quantity ?? 1;
  if (input.price !== undefined) {
    const price = await ctx.load<Price>('price', input.price, 'price');
    if (price.type !== 'one_time') {
      throw invalidRequest(
        'The price specified is set to `type=recurring` but this field only accepts prices with `type=one_time`.',
        { param: 'price' },
      );
    }
    const product = await ctx.find<Product>('product', price.product);
    const unit = price.unit_amount ?? Math.round(Number(price.unit_amount_decimal));
    return {
      amount: unit * quantity,
      unit,
      price,
      quantity,
      currency: price.currency,
      ...(product === undefined ? {} : { name: product.name }),
    };
  }
  const currency = input.currency ?? fallbackCurrency;
  if (currency === null) throw parameterMissing('currency');
  if (input.unit_amount !== undefined) {
    return { amount: input.unit_amount * quantity, unit: input.unit_amount, price: null, quantity, currency };
  }
  if (input.amount !== undefined)
    return { amount: input.amount, unit: input.amount, price: null, quantity: 1, currency };
  throw parameterMissing('amount');
}

async function draftInvoice(ctx: EmulatorContext, id: string, customer: string): Promise<Invoice> {
  const invoice = await ctx.load<Invoice>('invoice', id, 'invoice');
  if (invoice.status !== 'draft') notEditable(invoice);
  if (invoice.customer !== customer) {
    throw invalidRequest(`Invoice ${id} belongs to a different customer.`, { param: 'invoice' });
  }
  return invoice;
}

const period = p.hash({ end: p.timestamp(), start: p.timestamp() }, ['end', 'start']);

/** `pricing[price]`, the newer API's spelling of an invoice item's `price`. */
const pricing = p.hash({ price: p.id() }, ['price']);

/** Folds `pricing[price]` into `price`, refusing both at once. */
function withPricing<T extends { price?: string; pricing?: { price?: string } }>(
  params: T,
): Omit<T, 'pricing'> {
  const { pricing: given, ...rest } = params;
  if (given === undefined) return rest;
  if (params.price !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: price, pricing.', {
      code: 'parameters_exclusive',
      param: 'pricing',
    });
  }
  return { ...rest, price: given.price! };
}

const editableInvoiceFields = {
  account_tax_ids: p.ignored(),
  auto_advance: p.boolean(),
  automatic_tax: p.ignored(),
  collection_method: p.enum(['charge_automatically', 'send_invoice']),
  custom_fields: p.ignored(),
  days_until_due: p.integer(),
  default_payment_method: p.nullableId(),
  description: p.nullableString(),
  due_date: p.timestamp(),
  footer: p.nullableString(),
  metadata: p.metadata(),
  payment_settings: p.ignored(),
  statement_descriptor: p.nullableString(),
};

/** Fields a finalized invoice still accepts. */
const FINALIZED_EDITABLE = new Set(['auto_advance', 'description', 'footer', 'metadata']);

function checkCollection(
  method: string,
  daysUntilDue: number | null | undefined,
  dueDate: number | null | undefined,
) {
  if (method === 'charge_automatically' && (daysUntilDue != null || dueDate != null)) {
    throw invalidRequest(
      'Invoices with `collection_method=charge_automatically` cannot have `days_until_due` or `due_date`.',
      { param: daysUntilDue != null ? 'days_until_due' : 'due_date' },
    );
  }
}

/**
 * Invoices and invoice items. An invoice's `lines` are its subscription lines plus one
 * line per attached invoice item, recomputed whenever a draft's items change. States:
 * `draft` → (finalize) `open` → (pay) `paid`, or `void` / `uncollectible`. Finalizing
 * creates the payment intent that paying confirms. No taxes, discounts or prorations.
 */
export const invoices: ResourceModule = {
  objects: [
    {
      object: 'invoice',
      idPrefix: 'in',
      events: events('invoice'),
      expand: {
        charge: ref('charge'),
        customer: ref('customer'),
        lines: embeddedList('line_item'),
        payment_intent: ref('payment_intent'),
        subscription: ref('subscription'),
      },
    },
    {
      object: 'line_item',
      idPrefix: 'il',
      expand: { price: ref('price'), subscription: ref('subscription') },
    },
    {
      object: 'invoiceitem',
      idPrefix: 'ii',
      events: events('invoiceitem'),
      expand: { customer: ref('customer'), invoice: ref('invoice'), price: ref('price') },
    },
  ],
  operations: [
    listOperation({
      object: 'invoice',
      path: INVOICES,
      params: {
        collection_method: p.enum(['charge_automatically', 'send_invoice']),
        customer: p.id(),
        status: p.enum(['draft', 'open', 'paid', 'uncollectible', 'void']),
        subscription: p.id(),
      },
      where: (params) =>
        equalities({
          collection_method: params.collection_method,
          customer: params.customer,
          status: params.status,
          subscription: params.subscription,
        }),
    }),
    operation({
      method: 'POST',
      path: INVOICES,
      returns: { object: 'invoice' },
      params: {
        ...editableInvoiceFields,
        currency: p.currency(),
        customer: p.id(),
        pending_invoice_items_behavior: p.enum(['include', 'exclude']),
      },
      required: ['customer'],
      async run(ctx, params) {
        const customer = await ctx.load<Customer>('customer', params.customer!, 'customer');
        const method = params.collection_method ?? 'charge_automatically';
        checkCollection(method, params.days_until_due, params.due_date);
        if (params.default_payment_method != null) {
          await resolvePaymentMethod(
            ctx,
            params.default_payment_method,
            customer.id,
            'default_payment_method',
          );
        }
        return createInvoice(ctx, {
          customer,
          ...(params.currency === undefined ? {} : { currency: params.currency }),
          collectionMethod: method,
          daysUntilDue:
            method === 'send_invoice' && params.due_date === undefined ? (params.days_until_due ?? 30) : null,
          dueDate: params.due_date ?? null,
          autoAdvance: params.auto_advance ?? false,
          description: params.description ?? null,
          footer: params.footer ?? null,
          statementDescriptor: params.statement_descriptor ?? null,
          metadata: applyMetadata(undefined, params.metadata),
          defaultPaymentMethod: params.default_payment_method ?? null,
          billingReason: 'manual',
          includePending: params.pending_invoice_items_behavior === 'include',
        });
      },
    }),
    retrieveOperation('invoice', `${INVOICES}/:id`),
    operation({
      method: 'POST',
      path: `${INVOICES}/:id`,
      returns: { object: 'invoice' },
      params: editableInvoiceFields,
      async run(ctx, params, route) {
        const current = await ctx.load<Invoice>('invoice', route['id']!);
        const given = Object.keys(params).filter((key) => params[key as keyof typeof params] !== undefined);
        if (current.status !== 'draft' && given.some((key) => !FINALIZED_EDITABLE.has(key)))
          notEditable(current);
        const method = params.collection_method ?? current.collection_method;
        const daysUntilDue =
          params.days_until_due ?? (method === 'send_invoice' ? (current.days_until_due ?? 30) : null);
        checkCollection(method, params.days_until_due, params.due_date);
        if (params.default_payment_method != null) {
          await resolvePaymentMethod(
            ctx,
            params.default_payment_method,
            current.customer,
            'default_payment_method',
          );
        }
        const {
          metadata,
          account_tax_ids: _a,
          automatic_tax: _t,
          custom_fields: _c,
          payment_settings: _p,
          ...simple
        } = params;
        return ctx.replace(current, {
          ...current,
          ...simple,
          collection_method: method,
          days_until_due: method === 'send_invoice' ? daysUntilDue : null,
          metadata: applyMetadata(metadataOf(current), metadata),
        });
      },
    }),
    operation({
      method: 'DELETE',
      path: `${INVOICES}/:id`,
      returns: { object: 'invoice' },
      params: {},
      async run(ctx, _params, route) {
        const invoice = await ctx.load<Invoice>('invoice', route['id']!);
        if (invoice.status !== 'draft') {
          throw unexpectedState('You can only delete draft invoices.', 'invoice_not_editable');
        }
        for (const item of await ctx.all<InvoiceItem>('invoiceitem', {
          invoice: { op: 'eq', value: invoice.id },
        })) {
          await ctx.remove(item);
        }
        await ctx.remove(invoice);
        return { id: invoice.id, object: 'invoice', deleted: true };
      },
    }),
    operation({
      method: 'POST',
      path: `${INVOICES}/:id/finalize`,
      returns: { object: 'invoice' },
      params: { auto_advance: p.boolean() },
      async run(ctx, params, route) {
        const invoice = await ctx.load<Invoice>('invoice', route['id']!);
        return finalizeInvoice(ctx, {
          ...invoice,
          auto_advance: params.auto_advance ?? invoice['auto_advance'],
        });
      },
    }),
    operation({
      method: 'POST',
      path: `${INVOICES}/:id/pay`,
      returns: { object: 'invoice' },
      params: {
        forgive: p.ignored(),
        off_session: p.ignored(),
        paid_out_of_band: p.boolean(),
        payment_method: p.id(),
        source: p.id(),
      },
      async run(ctx, params, route) {
        const invoice = await ctx.load<Invoice>('invoice', route['id']!);
        const pm = params.payment_method ?? params.source;
        return payInvoice(ctx, invoice, {
          ...(pm === undefined ? {} : { paymentMethod: pm }),
          ...(params.paid_out_of_band === undefined ? {} : { paidOutOfBand: params.paid_out_of_band }),
        });
      },
    }),
    operation({
      method: 'POST',
      path: `${INVOICES}/:id/void`,
      returns: { object: 'invoice' },
      params: {},
      run: async (ctx, _params, route) => voidInvoice(ctx, await ctx.load<Invoice>('invoice', route['id']!)),
    }),
    operation({
      method: 'POST',
      path: `${INVOICES}/:id/mark_uncollectible`,
      returns: { object: 'invoice' },
      params: {},
      async run(ctx, _params, route) {
        const invoice = await ctx.load<Invoice>('invoice', route['id']!);
        if (invoice.status !== 'open') {
          throw unexpectedState(
            `You can only mark open invoices as uncollectible; this one has a status of ${invoice.status}.`,
            'invoice_not_open',
          );
        }
        return ctx.replace(
          invoice,
          {
            ...invoice,
            status: 'uncollectible',
            status_transitions: { ...invoice.status_transitions, marked_uncollectible_at: ctx.now },
          },
          { event: 'invoice.marked_uncollectible' },
        );
      },
    }),
    operation({
      method: 'POST',
      path: `${INVOICES}/:id/send`,
      returns: { object: 'invoice' },
      params: {},
      async run(ctx, _params, route) {
        const invoice = await ctx.load<Invoice>('invoice', route['id']!);
        if (invoice.status !== 'open') {
          throw unexpectedState(
            `You can only send open invoices; this one has a status of ${invoice.status}.`,
            'invoice_not_open',
          );
        }
        await ctx.emit('invoice.sent', invoice);
        return invoice;
      },
    }),
    operation({
      method: 'GET',
      path: `${INVOICES}/:id/lines`,
      returns: { list: 'line_item' },
      params: PAGINATION,
      async run(ctx, params, route) {
        const invoice = await ctx.load<Invoice>('invoice', route['id']!, 'invoice');
        return pageOf(invoice.lines.data, params, `${INVOICES}/${invoice.id}/lines`, 'line_item');
      },
    }),

    listOperation({
      object: 'invoiceitem',
      path: ITEMS,
      params: { customer: p.id(), invoice: p.id(), pending: p.boolean() },
      where(params) {
        const where = equalities({ customer: params.customer, invoice: params.invoice });
        if (params.pending !== undefined)
          where['invoice'] = { op: params.pending ? 'eq' : 'ne', value: null };
        return where;
      },
    }),
    operation({
      method: 'POST',
      path: ITEMS,
      returns: { object: 'invoiceitem' },
      params: {
        amount: p.integer({ min: -99_999_999 }),
        currency: p.currency(),
        customer: p.id(),
        description: p.string(),
        discountable: p.boolean(),
        invoice: p.id(),
        metadata: p.metadata(),
        period,
        price: p.id(),
        pricing,
        quantity: p.integer({ min: 1 }),
        tax_rates: p.ignored(),
        unit_amount: p.integer({ min: -99_999_999 }),
      },
      required: ['customer'],
      async run(ctx, input) {
        const params = withPricing(input);
        const customer = await ctx.load<Customer>('customer', params.customer!, 'customer');
        const invoice =
          params.invoice === undefined ? undefined : await draftInvoice(ctx, params.invoice, customer.id);
        const amounts = await itemAmounts(ctx, params, invoice?.currency ?? customer.currency);
        if (invoice !== undefined && amounts.currency !== invoice.currency) {
          throw invalidRequest(
            `The currency of the invoice item (${amounts.currency}) must match the invoice's currency (${invoice.currency}).`,
            { param: 'currency' },
          );
        }
        const item: InvoiceItem = {
          id: ctx.newId('ii', 24),
          object: 'invoiceitem',
          amount: amounts.amount,
          currency: amounts.currency,
          customer: customer.id,
          date: ctx.now,
          description: params.description ?? amounts.name ?? null,
          discountable: params.discountable ?? true,
          discounts: [],
          invoice: invoice?.id ?? null,
          livemode: ctx.scope.livemode,
          metadata: applyMetadata(undefined, params.metadata),
          period: params.period === undefined ? { start: ctx.now, end: ctx.now } : (params.period as Period),
          price: amounts.price,
          proration: false,
          quantity: amounts.quantity,
          subscription: null,
          subscription_item: null,
          tax_rates: [],
          test_clock: null,
          unit_amount: amounts.unit,
          unit_amount_decimal: amounts.unit === null ? null : String(amounts.unit),
        };
        const stored = await ctx.insert(item);
        if (invoice !== undefined) await recompute(ctx, invoice);
        return stored;
      },
    }),
    retrieveOperation('invoiceitem', `${ITEMS}/:id`),
    operation({
      method: 'POST',
      path: `${ITEMS}/:id`,
      returns: { object: 'invoiceitem' },
      params: {
        amount: p.integer({ min: -99_999_999 }),
        description: p.string(),
        discountable: p.boolean(),
        metadata: p.metadata(),
        period,
        price: p.id(),
        pricing,
        quantity: p.integer({ min: 1 }),
        tax_rates: p.ignored(),
        unit_amount: p.integer({ min: -99_999_999 }),
      },
      async run(ctx, input, route) {
        const params = withPricing(input);
        const current = await ctx.load<InvoiceItem>('invoiceitem', route['id']!);
        const invoice =
          current.invoice === null ? undefined : await draftInvoice(ctx, current.invoice, current.customer);
        const changesAmount = [params.amount, params.unit_amount, params.price, params.quantity].some(
          (v) => v !== undefined,
        );
        let next: InvoiceItem = {
          ...current,
          ...(params.description === undefined ? {} : { description: params.description }),
          ...(params.discountable === undefined ? {} : { discountable: params.discountable }),
          ...(params.period === undefined ? {} : { period: params.period as Period }),
          metadata: applyMetadata(metadataOf(current), params.metadata),
        };
        if (changesAmount) {
          const base =
            params.amount !== undefined || params.unit_amount !== undefined || params.price !== undefined
              ? {}
              : current.price !== null
                ? { price: current.price.id }
                : { unit_amount: current.unit_amount ?? current.amount };
          const amounts = await itemAmounts(
            ctx,
            { ...base, ...params, currency: current.currency },
            current.currency,
          );
          if (amounts.currency !== current.currency) {
            throw invalidRequest('An invoice item cannot change its currency.', { param: 'price' });
          }
          next = {
            ...next,
            amount: amounts.amount,
            unit_amount: amounts.unit,
            price: amounts.price,
            quantity: amounts.quantity,
          };
        }
        const saved = await ctx.replace(current, next);
        if (invoice !== undefined) await recompute(ctx, invoice);
        return saved;
      },
    }),
    operation({
      method: 'DELETE',
      path: `${ITEMS}/:id`,
      returns: { object: 'invoiceitem' },
      params: {},
      async run(ctx, _params, route) {
        const item = await ctx.load<InvoiceItem>('invoiceitem', route['id']!);
        const invoice =
          item.invoice === null ? undefined : await draftInvoice(ctx, item.invoice, item.customer);
        await ctx.remove(item);
        if (invoice !== undefined) await recompute(ctx, invoice);
        return { id: item.id, object: 'invoiceitem', deleted: true };
      },
    }),
  ],
};
