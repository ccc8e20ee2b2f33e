import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRegistry } from '../../src/emulator/registry.js';
import { type Harness, rejection, startHarness } from './support.js';

/**
 * The official `stripe` SDK's typed calls against resources the generic engine serves from the
 * API description alone (none of the hand-written families: customers, products, prices,
 * payment intents, charges, refunds, invoices, invoice items, subscriptions, subscription
 * items, checkout sessions, coupons, payouts, transfers, balance, events). Each entry of
 * RESOURCES is one object type and its round trip, as far as the API has one: create →
 * retrieve → update → list (with its plain equality filters) → delete or the action that ends
 * it. Each runs on a fresh account, so a list holds exactly what the round trip made.
 *
 * The SDK is typed for a much later API version than the emulator's 2022-04-12 description;
 * the calls use parameters both know. Where the two disagree (`promotion_codes` takes
 * `coupon` in 2022-04-12, `promotion[coupon]` later) the parameters are cast, and said so.
 *
 * The test counts the distinct object types of RESOURCES that no hand-written module defines
 * and asserts at least 40 (54 when written).
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

interface Resource {
  /** The object type the round trip is about (its `object`). */
  readonly object: string;
  readonly run: (stripe: Stripe) => Promise<void>;
}

const ids = (list: { data: readonly { id?: string | null }[] }): (string | null | undefined)[] =>
  list.data.map((o) => o.id);

/** A customer with a default payment method, and a finalized invoice of 50.00 for them. */
async function openInvoice(stripe: Stripe): Promise<{ customer: string; invoice: string }> {
  const customer = await stripe.customers.create({
    email: 'inv@example.com',
    invoice_settings: { default_payment_method: 'pm_card_visa' },
  });
  const invoice = await stripe.invoices.create({ customer: customer.id });
  await stripe.invoiceItems.create({
    customer: customer.id,
    invoice: invoice.id,
    amount: 5000,
    currency: 'usd',
  });
  await stripe.invoices.finalizeInvoice(invoice.id);
  return { customer: customer.id, invoice: invoice.id };
}

/** A charge of `amount` (which also makes the balance a transfer needs). */
async function charge(stripe: Stripe, amount = 5000): Promise<string> {
  const intent = await stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  return intent.latest_charge as string;
}

async function monthlyPrice(stripe: Stripe, amount = 1500): Promise<Stripe.Price> {
  return stripe.prices.create({
    currency: 'usd',
    unit_amount: amount,
    recurring: { interval: 'month' },
    product_data: { name: 'Pro plan' },
  });
}

const ADDRESS = {
  line1: '1 Main St',
  city: 'San Francisco',
  state: 'CA',
  postal_code: '94111',
  country: 'US',
};

const RESOURCES: readonly Resource[] = [
  // Billing and tax
  {
    object: 'tax_rate',
    async run(stripe) {
      const rate = await stripe.taxRates.create({
        display_name: 'VAT',
        percentage: 19,
        inclusive: false,
        jurisdiction: 'DE',
        metadata: { region: 'eu' },
      });
      expect(rate.id).toMatch(/^txr_/);
      expect(rate).toMatchObject({
        object: 'tax_rate',
        display_name: 'VAT',
        percentage: 19,
        inclusive: false,
        jurisdiction: 'DE',
        active: true,
        livemode: false,
      });
      expect(await stripe.taxRates.retrieve(rate.id)).toMatchObject({ id: rate.id, percentage: 19 });
      const updated = await stripe.taxRates.update(rate.id, {
        active: false,
        description: 'German VAT',
        metadata: { code: 'de' },
      });
      expect(updated).toMatchObject({
        active: false,
        description: 'German VAT',
        metadata: { region: 'eu', code: 'de' },
      });
      const other = await stripe.taxRates.create({ display_name: 'GST', percentage: 10, inclusive: true });
      expect(ids(await stripe.taxRates.list())).toEqual([other.id, rate.id]);
      expect(ids(await stripe.taxRates.list({ active: false }))).toEqual([rate.id]);
      expect(ids(await stripe.taxRates.list({ inclusive: true }))).toEqual([other.id]);
    },
  },
  {
    object: 'shipping_rate',
    async run(stripe) {
      const rate = await stripe.shippingRates.create({
        display_name: 'Ground',
        type: 'fixed_amount',
        fixed_amount: { amount: 500, currency: 'usd' },
        metadata: { carrier: 'ups' },
      });
      expect(rate.id).toMatch(/^shr_/);
      expect(rate).toMatchObject({
        object: 'shipping_rate',
        display_name: 'Ground',
        type: 'fixed_amount',
        fixed_amount: { amount: 500, currency: 'usd' },
        active: true,
      });
      const updated = await stripe.shippingRates.update(rate.id, {
        active: false,
        metadata: { carrier: '' },
      });
      expect(updated).toMatchObject({ active: false, metadata: {} });
      expect((await stripe.shippingRates.retrieve(rate.id)).active).toBe(false);
      expect(ids(await stripe.shippingRates.list({ active: false }))).toEqual([rate.id]);
      expect(ids(await stripe.shippingRates.list({ active: true }))).toEqual([]);
      // `currency` is no field of a shipping rate (Stripe compares `fixed_amount.currency`): not compared
      expect(ids(await stripe.shippingRates.list({ currency: 'usd' }))).toEqual([rate.id]);
    },
  },
  {
    object: 'credit_note',
    async run(stripe) {
      const { customer, invoice } = await openInvoice(stripe);
      const note = await stripe.creditNotes.create({
        invoice,
        amount: 1000,
        reason: 'duplicate',
        memo: 'Charged twice',
        metadata: { ticket: '42' },
      });
      expect(note.id).toMatch(/^cn_/);
      expect(note).toMatchObject({
        object: 'credit_note',
        invoice,
        customer,
        amount: 1000,
        reason: 'duplicate',
        memo: 'Charged twice',
        status: 'issued',
        lines: { object: 'list' },
      });
      expect((await stripe.creditNotes.retrieve(note.id)).memo).toBe('Charged twice');
      const updated = await stripe.creditNotes.update(note.id, { memo: 'Refunded', metadata: { by: 'ops' } });
      expect(updated).toMatchObject({ memo: 'Refunded', metadata: { ticket: '42', by: 'ops' } });
      expect(ids(await stripe.creditNotes.list({ invoice }))).toEqual([note.id]);
      expect(ids(await stripe.creditNotes.list({ customer: 'cus_other' }))).toEqual([]);
      expect((await stripe.creditNotes.listLineItems(note.id)).object).toBe('list');
      const preview = await stripe.creditNotes.preview({ invoice, amount: 500 });
      expect(preview).toMatchObject({ object: 'credit_note', invoice, amount: 500 });
      const voided = await stripe.creditNotes.voidCreditNote(note.id);
      expect(voided).toMatchObject({ id: note.id, status: 'void' });
    },
  },
  {
    object: 'quote',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'quote@example.com' });
      const price = await monthlyPrice(stripe, 1500);
      const quote = await stripe.quotes.create({
        customer: customer.id,
        line_items: [{ price: price.id, quantity: 2 }],
        description: 'Annual deal',
        metadata: { deal: 'q1' },
      });
      expect(quote.id).toMatch(/^qt_/);
      expect(quote).toMatchObject({
        object: 'quote',
        customer: customer.id,
        status: 'draft',
        description: 'Annual deal',
        currency: 'usd',
        amount_subtotal: 3000,
        amount_total: 3000,
        metadata: { deal: 'q1' },
      });
      // line items are left out unless expanded, and listed on their own
      expect(quote.line_items).toBeUndefined();
      const lines = await stripe.quotes.listLineItems(quote.id);
      expect(lines.data).toMatchObject([
        { object: 'item', quantity: 2, amount_total: 3000, currency: 'usd', price: { id: price.id } },
      ]);
      expect(lines.data[0]!.id).toMatch(/^li_/);
      const expanded = await stripe.quotes.retrieve(quote.id, { expand: ['line_items'] });
      expect(expanded.line_items?.data.map((line) => line.id)).toEqual([lines.data[0]!.id]);
      const updated = await stripe.quotes.update(quote.id, {
        description: 'Two-year deal',
        metadata: { by: 'ae' },
      });
      expect(updated).toMatchObject({ description: 'Two-year deal', metadata: { deal: 'q1', by: 'ae' } });
      expect((await stripe.quotes.finalizeQuote(quote.id)).status).toBe('open');
      expect((await stripe.quotes.accept(quote.id)).status).toBe('accepted');
      const other = await stripe.quotes.create({ customer: customer.id });
      const canceled = await stripe.quotes.cancel(other.id);
      expect(canceled).toMatchObject({ id: other.id, status: 'canceled' });
      expect(ids(await stripe.quotes.list({ customer: customer.id }))).toEqual([other.id, quote.id]);
      expect(ids(await stripe.quotes.list({ status: 'accepted' }))).toEqual([quote.id]);
      const pdf = await stripe.quotes.pdf(quote.id);
      const chunks: Buffer[] = [];
      for await (const chunk of pdf as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
      expect(Buffer.concat(chunks).subarray(0, 5).toString()).toBe('%PDF-');
    },
  },
  {
    object: 'subscription_schedule',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'sched@example.com' });
      const price = await monthlyPrice(stripe);
      const endDate = Math.floor(Date.now() / 1000) + 365 * 86_400;
      const schedule = await stripe.subscriptionSchedules.create({
        customer: customer.id,
        start_date: 'now',
        end_behavior: 'release',
        phases: [{ items: [{ price: price.id, quantity: 1 }], end_date: endDate }],
        metadata: { plan: 'annual' },
      });
      expect(schedule.id).toMatch(/^sub_sched_/);
      expect(schedule).toMatchObject({
        object: 'subscription_schedule',
        customer: customer.id,
        end_behavior: 'release',
        metadata: { plan: 'annual' },
      });
      expect(schedule.phases).toHaveLength(1);
      const updated = await stripe.subscriptionSchedules.update(schedule.id, {
        end_behavior: 'cancel',
        metadata: { owner: 'ops' },
      });
      expect(updated).toMatchObject({ end_behavior: 'cancel', metadata: { plan: 'annual', owner: 'ops' } });
      expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).end_behavior).toBe('cancel');
      expect(ids(await stripe.subscriptionSchedules.list({ customer: customer.id }))).toEqual([schedule.id]);
      const canceled = await stripe.subscriptionSchedules.cancel(schedule.id);
      expect(canceled.status).toBe('canceled');
      expect(canceled.canceled_at).toEqual(expect.any(Number));
      const other = await stripe.subscriptionSchedules.create({ customer: customer.id, start_date: 'now' });
      expect((await stripe.subscriptionSchedules.release(other.id)).status).toBe('released');
    },
  },
  {
    object: 'test_helpers.test_clock',
    async run(stripe) {
      const clock = await stripe.testHelpers.testClocks.create({
        frozen_time: 1_700_000_000,
        name: 'Renewals',
      });
      expect(clock.id).toMatch(/^clock_/);
      expect(clock).toMatchObject({
        object: 'test_helpers.test_clock',
        frozen_time: 1_700_000_000,
        name: 'Renewals',
        status: 'ready',
      });
      const advanced = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: 1_702_592_000 });
      expect(advanced).toMatchObject({ frozen_time: 1_702_592_000, status: 'ready' });
      expect((await stripe.testHelpers.testClocks.retrieve(clock.id)).frozen_time).toBe(1_702_592_000);
      expect(ids(await stripe.testHelpers.testClocks.list())).toEqual([clock.id]);
      expect(await stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({
        id: clock.id,
        deleted: true,
      });
      expect(await rejection(stripe.testHelpers.testClocks.retrieve(clock.id))).toMatchObject({
        statusCode: 404,
        code: 'resource_missing',
      });
    },
  },
  {
    object: 'payment_link',
    async run(stripe) {
      const price = await monthlyPrice(stripe, 900);
      const link = await stripe.paymentLinks.create({
        line_items: [{ price: price.id, quantity: 3 }],
        metadata: { campaign: 'spring' },
      });
      expect(link.id).toMatch(/^plink_/);
      expect(link).toMatchObject({ object: 'payment_link', active: true, metadata: { campaign: 'spring' } });
      const lines = await stripe.paymentLinks.listLineItems(link.id);
      expect(lines.data).toMatchObject([
        { object: 'item', quantity: 3, amount_total: 2700, price: { id: price.id } },
      ]);
      const updated = await stripe.paymentLinks.update(link.id, {
        active: false,
        metadata: { owner: 'growth' },
      });
      expect(updated).toMatchObject({ active: false, metadata: { campaign: 'spring', owner: 'growth' } });
      expect((await stripe.paymentLinks.retrieve(link.id)).active).toBe(false);
      expect(ids(await stripe.paymentLinks.list({ active: false }))).toEqual([link.id]);
      expect(ids(await stripe.paymentLinks.list({ active: true }))).toEqual([]);
    },
  },
  {
    object: 'billing_portal.configuration',
    async run(stripe) {
      const configuration = await stripe.billingPortal.configurations.create({
        business_profile: { headline: 'Manage your plan' },
        features: { invoice_history: { enabled: true } },
        metadata: { team: 'billing' },
      });
      expect(configuration.id).toMatch(/^bpc_/);
      expect(configuration).toMatchObject({
        object: 'billing_portal.configuration',
        active: true,
        business_profile: { headline: 'Manage your plan' },
        features: { invoice_history: { enabled: true } },
      });
      const updated = await stripe.billingPortal.configurations.update(configuration.id, {
        active: false,
        default_return_url: 'https://example.com/account',
      });
      expect(updated).toMatchObject({ active: false, default_return_url: 'https://example.com/account' });
      expect((await stripe.billingPortal.configurations.retrieve(configuration.id)).active).toBe(false);
      expect(ids(await stripe.billingPortal.configurations.list({ active: false }))).toEqual([
        configuration.id,
      ]);
      expect(ids(await stripe.billingPortal.configurations.list({ active: true }))).toEqual([]);
    },
  },
  {
    object: 'billing_portal.session',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'portal@example.com' });
      const session = await stripe.billingPortal.sessions.create({
        customer: customer.id,
        return_url: 'https://example.com/account',
      });
      expect(session.id).toMatch(/^bps_/);
      expect(session).toMatchObject({
        object: 'billing_portal.session',
        customer: customer.id,
        return_url: 'https://example.com/account',
        livemode: false,
      });
    },
  },
  {
    object: 'plan',
    async run(stripe) {
      const product = await stripe.products.create({ name: 'Legacy plan' });
      const plan = await stripe.plans.create({
        amount: 2000,
        currency: 'usd',
        interval: 'month',
        product: product.id,
        nickname: 'Basic',
        metadata: { tier: '1' },
      });
      expect(plan.id).toMatch(/^plan_/);
      expect(plan).toMatchObject({
        object: 'plan',
        amount: 2000,
        currency: 'usd',
        interval: 'month',
        product: product.id,
        nickname: 'Basic',
        active: true,
      });
      const updated = await stripe.plans.update(plan.id, { nickname: 'Starter', metadata: { tier: '0' } });
      expect(updated).toMatchObject({ nickname: 'Starter', metadata: { tier: '0' } });
      expect((await stripe.plans.retrieve(plan.id)).nickname).toBe('Starter');
      expect(ids(await stripe.plans.list({ product: product.id }))).toEqual([plan.id]);
      expect(ids(await stripe.plans.list({ active: false }))).toEqual([]);
      expect(await stripe.plans.del(plan.id)).toMatchObject({ id: plan.id, object: 'plan', deleted: true });
      expect(ids(await stripe.plans.list())).toEqual([]);
    },
  },
  {
    object: 'promotion_code',
    async run(stripe) {
      const coupon = await stripe.coupons.create({ percent_off: 15, duration: 'once' });
      // 2022-04-12 takes `coupon`; the SDK types the later `promotion[coupon]`
      const params = { coupon: coupon.id, code: 'SPRING15', metadata: { channel: 'email' } };
      const code = await stripe.promotionCodes.create(params as unknown as Stripe.PromotionCodeCreateParams);
      expect(code.id).toMatch(/^promo_/);
      expect(code).toMatchObject({ object: 'promotion_code', code: 'SPRING15', active: true });
      // the coupon is embedded whole, as stored
      expect((code as unknown as { coupon: Stripe.Coupon }).coupon).toMatchObject({
        id: coupon.id,
        object: 'coupon',
        percent_off: 15,
      });
      const updated = await stripe.promotionCodes.update(code.id, {
        active: false,
        metadata: { channel: '' },
      });
      expect(updated).toMatchObject({ active: false, metadata: {} });
      expect((await stripe.promotionCodes.retrieve(code.id)).active).toBe(false);
      expect(ids(await stripe.promotionCodes.list({ code: 'SPRING15' }))).toEqual([code.id]);
      expect(ids(await stripe.promotionCodes.list({ active: true }))).toEqual([]);
      const byCoupon = { coupon: coupon.id } as unknown as Stripe.PromotionCodeListParams;
      expect(ids(await stripe.promotionCodes.list(byCoupon))).toEqual([code.id]);
      const unknown = { coupon: 'nope', code: 'X' } as unknown as Stripe.PromotionCodeCreateParams;
      expect(await rejection(stripe.promotionCodes.create(unknown))).toMatchObject({
        statusCode: 404,
        code: 'resource_missing',
        param: 'coupon',
      });
    },
  },

  // Customers' nested collections
  {
    object: 'tax_id',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'vat@example.com' });
      const taxId = await stripe.customers.createTaxId(customer.id, { type: 'eu_vat', value: 'DE123456789' });
      expect(taxId.id).toMatch(/^txi_/);
      expect(taxId).toMatchObject({
        object: 'tax_id',
        type: 'eu_vat',
        value: 'DE123456789',
        customer: customer.id,
      });
      expect(await stripe.customers.retrieveTaxId(customer.id, taxId.id)).toMatchObject({ id: taxId.id });
      expect(ids(await stripe.customers.listTaxIds(customer.id))).toEqual([taxId.id]);
      const stranger = await stripe.customers.create({ email: 'other@example.com' });
      expect(ids(await stripe.customers.listTaxIds(stranger.id))).toEqual([]);
      expect(await rejection(stripe.customers.retrieveTaxId(stranger.id, taxId.id))).toMatchObject({
        statusCode: 404,
      });
      expect(await stripe.customers.deleteTaxId(customer.id, taxId.id)).toMatchObject({
        id: taxId.id,
        object: 'tax_id',
        deleted: true,
      });
      expect(ids(await stripe.customers.listTaxIds(customer.id))).toEqual([]);
    },
  },
  {
    object: 'customer_balance_transaction',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'credit@example.com' });
      const transaction = await stripe.customers.createBalanceTransaction(customer.id, {
        amount: -500,
        currency: 'usd',
        description: 'Goodwill credit',
        metadata: { ticket: '7' },
      });
      expect(transaction.id).toMatch(/^cbtxn_/);
      expect(transaction).toMatchObject({
        object: 'customer_balance_transaction',
        customer: customer.id,
        amount: -500,
        currency: 'usd',
        description: 'Goodwill credit',
      });
      expect(await stripe.customers.retrieveBalanceTransaction(customer.id, transaction.id)).toMatchObject({
        amount: -500,
      });
      const updated = await stripe.customers.updateBalanceTransaction(customer.id, transaction.id, {
        description: 'Credit for outage',
        metadata: { by: 'support' },
      });
      expect(updated).toMatchObject({
        description: 'Credit for outage',
        metadata: { ticket: '7', by: 'support' },
      });
      expect(ids(await stripe.customers.listBalanceTransactions(customer.id))).toEqual([transaction.id]);
    },
  },
  {
    object: 'payment_method',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'pm@example.com' });
      const method = await stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' },
        billing_details: { name: 'Ada Lovelace' },
        metadata: { source: 'signup' },
      });
      expect(method.id).toMatch(/^pm_/);
      expect(method).toMatchObject({
        object: 'payment_method',
        type: 'card',
        customer: null,
        card: { exp_month: 12, exp_year: 2034 },
        billing_details: { name: 'Ada Lovelace' },
      });
      // only the variant of its type is present
      expect(method.sepa_debit).toBeUndefined();
      expect(method.us_bank_account).toBeUndefined();
      const updated = await stripe.paymentMethods.update(method.id, {
        billing_details: { email: 'ada@example.com' },
        metadata: { checked: 'yes' },
      });
      expect(updated).toMatchObject({
        billing_details: { name: 'Ada Lovelace', email: 'ada@example.com' },
        metadata: { source: 'signup', checked: 'yes' },
      });
      const attached = await stripe.paymentMethods.attach(method.id, { customer: customer.id });
      expect(attached.customer).toBe(customer.id);
      expect((await stripe.paymentMethods.retrieve(method.id)).customer).toBe(customer.id);
      expect(ids(await stripe.paymentMethods.list({ customer: customer.id, type: 'card' }))).toEqual([
        method.id,
      ]);
      expect(ids(await stripe.customers.listPaymentMethods(customer.id, { type: 'card' }))).toEqual([
        method.id,
      ]);
      expect(ids(await stripe.paymentMethods.list({ customer: customer.id, type: 'sepa_debit' }))).toEqual(
        [],
      );
      const detached = await stripe.paymentMethods.detach(method.id);
      expect(detached).toMatchObject({ id: method.id, customer: null });
      expect(ids(await stripe.customers.listPaymentMethods(customer.id, { type: 'card' }))).toEqual([]);
    },
  },
  {
    object: 'setup_intent',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'setup@example.com' });
      const intent = await stripe.setupIntents.create({
        customer: customer.id,
        usage: 'off_session',
        description: 'Save a card',
        metadata: { flow: 'onboarding' },
      });
      expect(intent.id).toMatch(/^seti_/);
      expect(intent).toMatchObject({
        object: 'setup_intent',
        customer: customer.id,
        usage: 'off_session',
        status: 'requires_payment_method',
      });
      const updated = await stripe.setupIntents.update(intent.id, {
        description: 'Save a card for renewals',
        metadata: { step: '2' },
      });
      expect(updated).toMatchObject({
        description: 'Save a card for renewals',
        metadata: { flow: 'onboarding', step: '2' },
      });
      expect((await stripe.setupIntents.retrieve(intent.id)).description).toBe('Save a card for renewals');
      expect(ids(await stripe.setupIntents.list({ customer: customer.id }))).toEqual([intent.id]);
      const confirmed = await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
      expect(confirmed).toMatchObject({ status: 'succeeded', payment_method: 'pm_card_visa' });
      const other = await stripe.setupIntents.create({ customer: customer.id });
      const canceled = await stripe.setupIntents.cancel(other.id, { cancellation_reason: 'abandoned' });
      expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
      expect(ids(await stripe.setupAttempts.list({ setup_intent: intent.id }))).toEqual([]);
    },
  },
  {
    object: 'mandate',
    async run(stripe) {
      // no API call creates a mandate: one is made up on first retrieval, and kept
      const mandate = await stripe.mandates.retrieve('mandate_1Generic');
      expect(mandate).toMatchObject({ id: 'mandate_1Generic', object: 'mandate', livemode: false });
      expect(mandate.status).toMatch(/^(active|inactive|pending)$/);
      // the variant its `type` does not name is left out
      expect(mandate.type === 'multi_use' ? mandate.single_use : mandate.multi_use).toBeUndefined();
      expect(await stripe.mandates.retrieve('mandate_1Generic')).toEqual(mandate);
    },
  },
  {
    object: 'source',
    async run(stripe) {
      const source = await stripe.sources.create({
        type: 'ach_credit_transfer',
        currency: 'usd',
        owner: { email: 'owner@example.com' },
        metadata: { order: '9' },
      });
      expect(source.id).toMatch(/^src_/);
      expect(source).toMatchObject({
        object: 'source',
        type: 'ach_credit_transfer',
        currency: 'usd',
        owner: { email: 'owner@example.com' },
        status: 'pending',
      });
      expect(source.ach_credit_transfer).toBeDefined();
      expect(source.sepa_debit).toBeUndefined();
      const updated = await stripe.sources.update(source.id, {
        owner: { name: 'Ada' },
        metadata: { order: '10' },
      });
      expect(updated).toMatchObject({
        owner: { email: 'owner@example.com', name: 'Ada' },
        metadata: { order: '10' },
      });
      expect((await stripe.sources.retrieve(source.id)).owner?.name).toBe('Ada');
      expect((await stripe.sources.listSourceTransactions(source.id)).data).toEqual([]);
    },
  },
  {
    object: 'token',
    async run(stripe) {
      const token = await stripe.tokens.create({
        card: { number: '4242424242424242', exp_month: '12', exp_year: '2034', cvc: '123' },
      });
      expect(token.id).toMatch(/^tok_/);
      expect(token).toMatchObject({ object: 'token', used: false, livemode: false });
      expect(await stripe.tokens.retrieve(token.id)).toMatchObject({ id: token.id, object: 'token' });
    },
  },
  {
    object: 'ephemeral_key',
    async run(stripe) {
      const customer = await stripe.customers.create({ email: 'mobile@example.com' });
      const key = await stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: '2022-04-12' });
      expect(key.id).toMatch(/^ephkey_/);
      expect(key).toMatchObject({ object: 'ephemeral_key', livemode: false });
      expect(await stripe.ephemeralKeys.del(key.id)).toMatchObject({ object: 'ephemeral_key' });
    },
  },
  // Money movement
  {
    object: 'topup',
    async run(stripe) {
      const topup = await stripe.topups.create({
        amount: 10_000,
        currency: 'usd',
        description: 'Float',
        metadata: { month: 'may' },
      });
      expect(topup.id).toMatch(/^tu_/);
      expect(topup).toMatchObject({
        object: 'topup',
        amount: 10_000,
        currency: 'usd',
        description: 'Float',
        status: 'pending',
      });
      const updated = await stripe.topups.update(topup.id, {
        description: 'Payroll float',
        metadata: { by: 'cfo' },
      });
      expect(updated).toMatchObject({ description: 'Payroll float', metadata: { month: 'may', by: 'cfo' } });
      expect((await stripe.topups.retrieve(topup.id)).description).toBe('Payroll float');
      expect(ids(await stripe.topups.list({ status: 'pending' }))).toEqual([topup.id]);
      expect((await stripe.topups.cancel(topup.id)).status).toBe('canceled');
      expect(ids(await stripe.topups.list({ status: 'canceled' }))).toEqual([topup.id]);
      expect(ids(await stripe.topups.list({ status: 'pending' }))).toEqual([]);
    },
  },
  {
    object: 'transfer_reversal',
    async run(stripe) {
      await charge(stripe);
      const transfer = await stripe.transfers.create({
        amount: 1000,
        currency: 'usd',
        destination: 'acct_1Dest',
      });
      const reversal = await stripe.transfers.createReversal(transfer.id, {
        amount: 400,
        metadata: { reason: 'overpaid' },
      });
      expect(reversal.id).toMatch(/^trr_/);
      expect(reversal).toMatchObject({
        object: 'transfer_reversal',
        transfer: transfer.id,
        amount: 400,
        currency: 'usd',
      });
      expect(await stripe.transfers.retrieveReversal(transfer.id, reversal.id)).toMatchObject({
        amount: 400,
      });
      const updated = await stripe.transfers.updateReversal(transfer.id, reversal.id, {
        metadata: { by: 'ops' },
      });
      expect(updated.metadata).toEqual({ reason: 'overpaid', by: 'ops' });
      expect(ids(await stripe.transfers.listReversals(transfer.id))).toEqual([reversal.id]);
    },
  },
  {
    object: 'dispute',
    async run(stripe) {
      const chargeId = await charge(stripe);
      // no typed SDK method opens a dispute (`POST /v1/charges/{charge}/dispute`): a raw request does
      const opened = (await stripe.rawRequest(
        'POST',
        `/v1/charges/${chargeId}/dispute`,
        {},
      )) as Stripe.Dispute;
      expect(opened.id).toMatch(/^dp_/);
      const dispute = await stripe.disputes.retrieve(opened.id);
      expect(dispute).toMatchObject({ object: 'dispute', charge: chargeId, status: 'needs_response' });
      const updated = await stripe.disputes.update(dispute.id, {
        evidence: { customer_name: 'Ada Lovelace', product_description: 'Widget' },
        metadata: { case: '1' },
      });
      expect(updated).toMatchObject({
        evidence: { customer_name: 'Ada Lovelace', product_description: 'Widget' },
        metadata: { case: '1' },
      });
      expect(ids(await stripe.disputes.list({ charge: chargeId }))).toEqual([dispute.id]);
      expect(ids(await stripe.disputes.list({ charge: 'ch_other' }))).toEqual([]);
      expect((await stripe.disputes.close(dispute.id)).status).toBe('lost');
    },
  },
  {
    object: 'review',
    async run(stripe) {
      const review = await stripe.reviews.retrieve('prv_1Generic');
      expect(review).toMatchObject({ id: 'prv_1Generic', object: 'review' });
      expect(ids(await stripe.reviews.list())).toEqual([review.id]);
      const approved = await stripe.reviews.approve(review.id);
      expect(approved).toMatchObject({ open: false, closed_reason: 'approved' });
    },
  },
  {
    object: 'radar.early_fraud_warning',
    async run(stripe) {
      expect(ids(await stripe.radar.earlyFraudWarnings.list())).toEqual([]);
      const warning = await stripe.radar.earlyFraudWarnings.retrieve('issfr_1Generic');
      expect(warning).toMatchObject({ id: 'issfr_1Generic', object: 'radar.early_fraud_warning' });
      expect(ids(await stripe.radar.earlyFraudWarnings.list())).toEqual([warning.id]);
      const byCharge = await stripe.radar.earlyFraudWarnings.list({ charge: warning.charge as string });
      expect(ids(byCharge)).toEqual([warning.id]);
    },
  },
  {
    object: 'application_fee',
    async run(stripe) {
      const fee = await stripe.applicationFees.retrieve('fee_1Generic');
      expect(fee).toMatchObject({ id: 'fee_1Generic', object: 'application_fee' });
      expect(ids(await stripe.applicationFees.list())).toEqual([fee.id]);
    },
  },
  {
    object: 'fee_refund',
    async run(stripe) {
      const fee = await stripe.applicationFees.retrieve('fee_1Refunded');
      const refund = await stripe.applicationFees.createRefund(fee.id, {
        amount: 100,
        metadata: { why: 'test' },
      });
      expect(refund.id).toMatch(/^fr_/);
      expect(refund).toMatchObject({ object: 'fee_refund', fee: fee.id, amount: 100 });
      expect(await stripe.applicationFees.retrieveRefund(fee.id, refund.id)).toMatchObject({ amount: 100 });
      const updated = await stripe.applicationFees.updateRefund(fee.id, refund.id, { metadata: { ok: '1' } });
      expect(updated.metadata).toEqual({ why: 'test', ok: '1' });
      expect(ids(await stripe.applicationFees.listRefunds(fee.id))).toEqual([refund.id]);
    },
  },
  // Files
  {
    object: 'file',
    async run(stripe) {
      const file = await stripe.files.create({
        purpose: 'dispute_evidence',
        file: { data: Buffer.from('receipt: 42 widgets\n'), name: 'receipt.txt', type: 'text/plain' },
      });
      expect(file.id).toMatch(/^file_/);
      expect(file).toMatchObject({
        object: 'file',
        purpose: 'dispute_evidence',
        filename: 'receipt.txt',
        size: 20,
        type: 'txt',
      });
      expect(await stripe.files.retrieve(file.id)).toMatchObject({ id: file.id, size: 20 });
      expect(ids(await stripe.files.list({ purpose: 'dispute_evidence' }))).toEqual([file.id]);
      expect(ids(await stripe.files.list({ purpose: 'identity_document' }))).toEqual([]);
    },
  },
  {
    object: 'file_link',
    async run(stripe) {
      const file = await stripe.files.create({
        purpose: 'business_logo',
        file: { data: Buffer.from([0x89, 0x50, 0x4e, 0x47]), name: 'logo.png', type: 'image/png' },
      });
      const link = await stripe.fileLinks.create({ file: file.id, metadata: { page: 'about' } });
      expect(link.id).toMatch(/^link_/);
      expect(link).toMatchObject({
        object: 'file_link',
        file: file.id,
        expired: false,
        metadata: { page: 'about' },
      });
      const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
      const updated = await stripe.fileLinks.update(link.id, {
        expires_at: expiresAt,
        metadata: { page: '' },
      });
      expect(updated).toMatchObject({ expires_at: expiresAt, metadata: {} });
      expect((await stripe.fileLinks.retrieve(link.id)).expires_at).toBe(expiresAt);
      expect(ids(await stripe.fileLinks.list({ file: file.id }))).toEqual([link.id]);
      expect(ids(await stripe.fileLinks.list({ expired: true }))).toEqual([]);
    },
  },
  // Connect
  {
    object: 'account',
    async run(stripe) {
      const account = await stripe.accounts.create({
        type: 'custom',
        country: 'US',
        email: 'shop@example.com',
        business_type: 'company',
        metadata: { shop: '1' },
      });
      expect(account.id).toMatch(/^acct_/);
      expect(account).toMatchObject({
        object: 'account',
        type: 'custom',
        country: 'US',
        email: 'shop@example.com',
        business_type: 'company',
      });
      const updated = await stripe.accounts.update(account.id, {
        business_profile: { name: 'Corner Shop' },
        metadata: { tier: 'gold' },
      });
      expect(updated).toMatchObject({
        business_profile: { name: 'Corner Shop' },
        metadata: { shop: '1', tier: 'gold' },
      });
      expect((await stripe.accounts.retrieve(account.id)).business_profile?.name).toBe('Corner Shop');
      expect(ids(await stripe.accounts.list())).toEqual([account.id]);
      expect((await stripe.accounts.reject(account.id, { reason: 'fraud' })).id).toBe(account.id);
      expect(await stripe.accounts.del(account.id)).toMatchObject({ id: account.id, deleted: true });
      expect(await rejection(stripe.accounts.retrieve(account.id))).toMatchObject({ statusCode: 404 });
    },
  },
  {
    object: 'person',
    async run(stripe) {
      const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
      const person = await stripe.accounts.createPerson(account.id, {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
        relationship: { owner: true, percent_ownership: 60 },
      });
      expect(person.id).toMatch(/^person_/);
      expect(person).toMatchObject({
        object: 'person',
        account: account.id,
        first_name: 'Ada',
        last_name: 'Lovelace',
        relationship: { owner: true, percent_ownership: 60 },
      });
      const updated = await stripe.accounts.updatePerson(account.id, person.id, { last_name: 'King' });
      expect(updated.last_name).toBe('King');
      expect((await stripe.accounts.retrievePerson(account.id, person.id)).last_name).toBe('King');
      expect(ids(await stripe.accounts.listPersons(account.id))).toEqual([person.id]);
      const other = await stripe.accounts.create({ type: 'custom', country: 'US' });
      expect(ids(await stripe.accounts.listPersons(other.id))).toEqual([]);
      expect(await stripe.accounts.deletePerson(account.id, person.id)).toMatchObject({ deleted: true });
      expect(ids(await stripe.accounts.listPersons(account.id))).toEqual([]);
    },
  },
  {
    object: 'capability',
    async run(stripe) {
      const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
      const capability = await stripe.accounts.retrieveCapability(account.id, 'card_payments');
      expect(capability).toMatchObject({ id: 'card_payments', object: 'capability', account: account.id });
      const requested = await stripe.accounts.updateCapability(account.id, 'card_payments', {
        requested: true,
      });
      expect(requested.requested).toBe(true);
      expect(ids(await stripe.accounts.listCapabilities(account.id))).toEqual(['card_payments']);
    },
  },
  {
    object: 'bank_account',
    async run(stripe) {
      const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
      const external = await stripe.accounts.createExternalAccount(account.id, {
        external_account: 'btok_us_verified',
        metadata: { payouts: 'primary' },
      });
      expect(external.id).toMatch(/^ba_/);
      expect(external).toMatchObject({
        object: 'bank_account',
        account: account.id,
        last4: '6789',
        routing_number: '110000000',
        country: 'US',
        currency: 'usd',
      });
      const updated = await stripe.accounts.updateExternalAccount(account.id, external.id, {
        metadata: { checked: 'yes' },
      });
      expect(updated.metadata).toEqual({ payouts: 'primary', checked: 'yes' });
      expect((await stripe.accounts.retrieveExternalAccount(account.id, external.id)).id).toBe(external.id);
      expect(ids(await stripe.accounts.listExternalAccounts(account.id))).toEqual([external.id]);
      expect(await stripe.accounts.deleteExternalAccount(account.id, external.id)).toMatchObject({
        id: external.id,
        deleted: true,
      });
      expect(ids(await stripe.accounts.listExternalAccounts(account.id))).toEqual([]);
    },
  },
  {
    object: 'login_link',
    async run(stripe) {
      const account = await stripe.accounts.create({ type: 'express', country: 'US' });
      const link = await stripe.accounts.createLoginLink(account.id);
      expect(link).toMatchObject({ object: 'login_link', created: expect.any(Number) });
    },
  },
  {
    object: 'account_link',
    async run(stripe) {
      const account = await stripe.accounts.create({ type: 'express', country: 'US' });
      const link = await stripe.accountLinks.create({
        account: account.id,
        refresh_url: 'https://example.com/reauth',
        return_url: 'https://example.com/return',
        type: 'account_onboarding',
      });
      expect(link).toMatchObject({ object: 'account_link', created: expect.any(Number) });
      expect(link.expires_at).toEqual(expect.any(Number));
    },
  },
  {
    object: 'country_spec',
    async run(stripe) {
      const spec = await stripe.countrySpecs.retrieve('DE');
      expect(spec).toMatchObject({ id: 'DE', object: 'country_spec' });
      expect(ids(await stripe.countrySpecs.list())).toEqual(['DE']);
    },
  },
  // Issuing
  {
    object: 'issuing.cardholder',
    async run(stripe) {
      const cardholder = await stripe.issuing.cardholders.create({
        name: 'Jane Doe',
        type: 'individual',
        email: 'jane@example.com',
        billing: { address: ADDRESS },
        metadata: { team: 'sales' },
      });
      expect(cardholder.id).toMatch(/^ich_/);
      expect(cardholder).toMatchObject({
        object: 'issuing.cardholder',
        name: 'Jane Doe',
        type: 'individual',
        email: 'jane@example.com',
        billing: { address: ADDRESS },
        status: 'active',
      });
      const updated = await stripe.issuing.cardholders.update(cardholder.id, {
        phone_number: '+15555550100',
        metadata: { team: 'support' },
      });
      expect(updated).toMatchObject({ phone_number: '+15555550100', metadata: { team: 'support' } });
      expect((await stripe.issuing.cardholders.retrieve(cardholder.id)).phone_number).toBe('+15555550100');
      expect(ids(await stripe.issuing.cardholders.list({ email: 'jane@example.com' }))).toEqual([
        cardholder.id,
      ]);
      expect(ids(await stripe.issuing.cardholders.list({ type: 'company' }))).toEqual([]);
    },
  },
  {
    object: 'issuing.card',
    async run(stripe) {
      const cardholder = await stripe.issuing.cardholders.create({
        name: 'Jane Doe',
        type: 'individual',
        billing: { address: ADDRESS },
      });
      const card = await stripe.issuing.cards.create({
        cardholder: cardholder.id,
        currency: 'usd',
        type: 'virtual',
        metadata: { use: 'travel' },
      });
      expect(card.id).toMatch(/^ic_/);
      expect(card).toMatchObject({
        object: 'issuing.card',
        currency: 'usd',
        type: 'virtual',
        status: 'active',
      });
      // the cardholder is embedded whole, as stored
      expect(card.cardholder).toMatchObject({ id: cardholder.id, name: 'Jane Doe' });
      const updated = await stripe.issuing.cards.update(card.id, {
        status: 'inactive',
        metadata: { use: '' },
      });
      expect(updated).toMatchObject({ status: 'inactive', metadata: {} });
      expect((await stripe.issuing.cards.retrieve(card.id)).status).toBe('inactive');
      expect(ids(await stripe.issuing.cards.list({ cardholder: cardholder.id }))).toEqual([card.id]);
      expect(ids(await stripe.issuing.cards.list({ cardholder: 'ich_other' }))).toEqual([]);
      expect(ids(await stripe.issuing.cards.list({ status: 'inactive' }))).toEqual([card.id]);
      const second = await stripe.issuing.cards.create({
        cardholder: cardholder.id,
        currency: 'usd',
        type: 'physical',
      });
      const first = await stripe.issuing.cards.list({ cardholder: cardholder.id, limit: 1 });
      expect({ ids: ids(first), more: first.has_more }).toEqual({ ids: [second.id], more: true });
      const next = await stripe.issuing.cards.list({
        cardholder: cardholder.id,
        limit: 1,
        starting_after: second.id,
      });
      expect({ ids: ids(next), more: next.has_more }).toEqual({ ids: [card.id], more: false });
      const back = await stripe.issuing.cards.list({ cardholder: cardholder.id, ending_before: card.id });
      expect(ids(back)).toEqual([second.id]);
      const unknown = stripe.issuing.cards.create({
        cardholder: 'ich_nope',
        currency: 'usd',
        type: 'virtual',
      });
      expect(await rejection(unknown)).toMatchObject({ statusCode: 404, param: 'cardholder' });
    },
  },
  {
    object: 'issuing.authorization',
    async run(stripe) {
      // authorizations come from card networks, not the API: made up on first retrieval
      const authorization = await stripe.issuing.authorizations.retrieve('iauth_1Approved');
      expect(authorization).toMatchObject({
        id: 'iauth_1Approved',
        object: 'issuing.authorization',
        status: 'pending',
      });
      const updated = await stripe.issuing.authorizations.update(authorization.id, {
        metadata: { memo: 'lunch' },
      });
      expect(updated.metadata).toEqual({ memo: 'lunch' });
      expect((await stripe.issuing.authorizations.approve(authorization.id)).approved).toBe(true);
      const declined = await stripe.issuing.authorizations.decline('iauth_1Declined');
      expect(declined).toMatchObject({ approved: false, status: 'closed' });
      expect(ids(await stripe.issuing.authorizations.list({ status: 'closed' }))).toEqual([declined.id]);
      expect(ids(await stripe.issuing.authorizations.list({ status: 'pending' }))).toEqual([
        authorization.id,
      ]);
    },
  },
  {
    object: 'issuing.transaction',
    async run(stripe) {
      const transaction = await stripe.issuing.transactions.retrieve('ipi_1Generic');
      expect(transaction).toMatchObject({ id: 'ipi_1Generic', object: 'issuing.transaction' });
      const updated = await stripe.issuing.transactions.update(transaction.id, {
        metadata: { receipt: 'yes' },
      });
      expect(updated.metadata).toEqual({ receipt: 'yes' });
      expect(ids(await stripe.issuing.transactions.list())).toEqual([transaction.id]);
    },
  },
  {
    object: 'issuing.dispute',
    async run(stripe) {
      const transaction = await stripe.issuing.transactions.retrieve('ipi_1Disputed');
      const dispute = await stripe.issuing.disputes.create({
        transaction: transaction.id,
        evidence: { reason: 'other', other: { explanation: 'Never arrived' } },
        metadata: { case: '3' },
      });
      expect(dispute.id).toMatch(/^idp_/);
      expect(dispute).toMatchObject({
        object: 'issuing.dispute',
        transaction: transaction.id,
        status: 'unsubmitted',
        evidence: { reason: 'other', other: { explanation: 'Never arrived' } },
      });
      const updated = await stripe.issuing.disputes.update(dispute.id, { metadata: { owner: 'ops' } });
      expect(updated.metadata).toEqual({ case: '3', owner: 'ops' });
      expect((await stripe.issuing.disputes.retrieve(dispute.id)).metadata).toEqual({
        case: '3',
        owner: 'ops',
      });
      expect(ids(await stripe.issuing.disputes.list({ status: 'unsubmitted' }))).toEqual([dispute.id]);
      expect((await stripe.issuing.disputes.submit(dispute.id)).status).toBe('submitted');
      expect(ids(await stripe.issuing.disputes.list({ status: 'unsubmitted' }))).toEqual([]);
    },
  },
  // Terminal
  {
    object: 'terminal.location',
    async run(stripe) {
      const location = await stripe.terminal.locations.create({
        display_name: 'Flagship',
        address: ADDRESS,
        metadata: { floor: '1' },
      });
      expect(location.id).toMatch(/^tml_/);
      expect(location).toMatchObject({
        object: 'terminal.location',
        display_name: 'Flagship',
        address: ADDRESS,
      });
      const updated = await stripe.terminal.locations.update(location.id, {
        display_name: 'Flagship store',
        metadata: { floor: '2' },
      });
      expect(updated).toMatchObject({ display_name: 'Flagship store', metadata: { floor: '2' } });
      expect(await stripe.terminal.locations.retrieve(location.id)).toMatchObject({
        display_name: 'Flagship store',
      });
      expect(ids(await stripe.terminal.locations.list())).toEqual([location.id]);
      expect(await stripe.terminal.locations.del(location.id)).toMatchObject({
        id: location.id,
        deleted: true,
      });
      expect(ids(await stripe.terminal.locations.list())).toEqual([]);
    },
  },
  {
    object: 'terminal.reader',
    async run(stripe) {
      const location = await stripe.terminal.locations.create({ display_name: 'Kiosk', address: ADDRESS });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        label: 'Front desk',
        location: location.id,
      });
      expect(reader.id).toMatch(/^tmr_/);
      expect(reader).toMatchObject({ object: 'terminal.reader', label: 'Front desk', location: location.id });
      const updated = await stripe.terminal.readers.update(reader.id, {
        label: 'Back desk',
        metadata: { lane: '2' },
      });
      expect(updated).toMatchObject({ label: 'Back desk', metadata: { lane: '2' } });
      expect(await stripe.terminal.readers.retrieve(reader.id)).toMatchObject({ label: 'Back desk' });
      expect(ids(await stripe.terminal.readers.list({ location: location.id }))).toEqual([reader.id]);
      expect(ids(await stripe.terminal.readers.list({ location: 'tml_other' }))).toEqual([]);
      expect((await stripe.terminal.readers.cancelAction(reader.id)).id).toBe(reader.id);
      expect(await stripe.terminal.readers.del(reader.id)).toMatchObject({ id: reader.id, deleted: true });
    },
  },
  {
    object: 'terminal.connection_token',
    async run(stripe) {
      const location = await stripe.terminal.locations.create({ display_name: 'Pop-up', address: ADDRESS });
      const token = await stripe.terminal.connectionTokens.create({ location: location.id });
      expect(token).toMatchObject({ object: 'terminal.connection_token', location: location.id });
    },
  },
  // Radar
  {
    object: 'radar.value_list',
    async run(stripe) {
      const list = await stripe.radar.valueLists.create({
        alias: 'blocked_emails',
        name: 'Blocked emails',
        item_type: 'email',
        metadata: { owner: 'risk' },
      });
      expect(list.id).toMatch(/^rsl_/);
      expect(list).toMatchObject({
        object: 'radar.value_list',
        alias: 'blocked_emails',
        name: 'Blocked emails',
        item_type: 'email',
        list_items: { object: 'list', data: [] },
      });
      const updated = await stripe.radar.valueLists.update(list.id, {
        name: 'Banned emails',
        metadata: { v: '2' },
      });
      expect(updated).toMatchObject({ name: 'Banned emails', metadata: { owner: 'risk', v: '2' } });
      expect((await stripe.radar.valueLists.retrieve(list.id)).name).toBe('Banned emails');
      expect(ids(await stripe.radar.valueLists.list({ alias: 'blocked_emails' }))).toEqual([list.id]);
      expect(ids(await stripe.radar.valueLists.list({ alias: 'other' }))).toEqual([]);
      expect(await stripe.radar.valueLists.del(list.id)).toMatchObject({ id: list.id, deleted: true });
    },
  },
  {
    object: 'radar.value_list_item',
    async run(stripe) {
      const list = await stripe.radar.valueLists.create({
        alias: 'ips',
        name: 'IPs',
        item_type: 'ip_address',
      });
      const item = await stripe.radar.valueListItems.create({ value_list: list.id, value: '192.0.2.1' });
      expect(item.id).toMatch(/^rsli_/);
      expect(item).toMatchObject({
        object: 'radar.value_list_item',
        value_list: list.id,
        value: '192.0.2.1',
      });
      expect((await stripe.radar.valueListItems.retrieve(item.id)).value).toBe('192.0.2.1');
      expect(ids(await stripe.radar.valueListItems.list({ value_list: list.id }))).toEqual([item.id]);
      expect(
        ids(await stripe.radar.valueListItems.list({ value_list: list.id, value: '192.0.2.9' })),
      ).toEqual([]);
      expect(await stripe.radar.valueListItems.del(item.id)).toMatchObject({ id: item.id, deleted: true });
      expect(ids(await stripe.radar.valueListItems.list({ value_list: list.id }))).toEqual([]);
    },
  },
  // Identity
  {
    object: 'identity.verification_session',
    async run(stripe) {
      const session = await stripe.identity.verificationSessions.create({
        type: 'document',
        metadata: { user: 'u_1' },
      });
      expect(session.id).toMatch(/^vs_/);
      expect(session).toMatchObject({
        object: 'identity.verification_session',
        type: 'document',
        status: 'requires_input',
        metadata: { user: 'u_1' },
      });
      const updated = await stripe.identity.verificationSessions.update(session.id, {
        metadata: { step: 'id' },
      });
      expect(updated.metadata).toEqual({ user: 'u_1', step: 'id' });
      expect((await stripe.identity.verificationSessions.retrieve(session.id)).type).toBe('document');
      const pending = await stripe.identity.verificationSessions.list({ status: 'requires_input' });
      expect(ids(pending)).toEqual([session.id]);
      expect((await stripe.identity.verificationSessions.cancel(session.id)).status).toBe('canceled');
      expect(ids(await stripe.identity.verificationSessions.list({ status: 'requires_input' }))).toEqual([]);
      expect((await stripe.identity.verificationSessions.redact(session.id)).id).toBe(session.id);
    },
  },
  {
    object: 'identity.verification_report',
    async run(stripe) {
      const report = await stripe.identity.verificationReports.retrieve('vr_1Generic');
      expect(report).toMatchObject({ id: 'vr_1Generic', object: 'identity.verification_report' });
      expect(ids(await stripe.identity.verificationReports.list())).toEqual([report.id]);
    },
  },
  // Reporting and Sigma
  {
    object: 'reporting.report_run',
    async run(stripe) {
      const run = await stripe.reporting.reportRuns.create({
        report_type: 'balance.summary.1',
        parameters: { interval_start: 1_680_000_000, interval_end: 1_682_000_000 },
      });
      expect(run.id).toMatch(/^frr_/);
      expect(run).toMatchObject({
        object: 'reporting.report_run',
        report_type: 'balance.summary.1',
        parameters: { interval_start: 1_680_000_000, interval_end: 1_682_000_000 },
        status: 'pending',
      });
      expect((await stripe.reporting.reportRuns.retrieve(run.id)).report_type).toBe('balance.summary.1');
      expect(ids(await stripe.reporting.reportRuns.list())).toEqual([run.id]);
    },
  },
  {
    object: 'reporting.report_type',
    async run(stripe) {
      const type = await stripe.reporting.reportTypes.retrieve('balance.summary.1');
      expect(type).toMatchObject({ id: 'balance.summary.1', object: 'reporting.report_type' });
      expect(ids(await stripe.reporting.reportTypes.list())).toEqual([type.id]);
    },
  },
  {
    object: 'scheduled_query_run',
    async run(stripe) {
      const run = await stripe.sigma.scheduledQueryRuns.retrieve('sqr_1Generic');
      expect(run).toMatchObject({ id: 'sqr_1Generic', object: 'scheduled_query_run', status: 'completed' });
      expect(ids(await stripe.sigma.scheduledQueryRuns.list())).toEqual([run.id]);
    },
  },
  // Platform
  {
    object: 'webhook_endpoint',
    async run(stripe) {
      const endpoint = await stripe.webhookEndpoints.create({
        url: 'https://example.com/hooks',
        enabled_events: ['charge.succeeded', 'invoice.paid'],
        description: 'Orders',
        metadata: { env: 'staging' },
      });
      expect(endpoint.id).toMatch(/^we_/);
      expect(endpoint).toMatchObject({
        object: 'webhook_endpoint',
        url: 'https://example.com/hooks',
        enabled_events: ['charge.succeeded', 'invoice.paid'],
        description: 'Orders',
        status: 'enabled',
      });
      const updated = await stripe.webhookEndpoints.update(endpoint.id, {
        url: 'https://example.com/v2/hooks',
        enabled_events: ['*'],
        metadata: { env: 'production' },
      });
      expect(updated).toMatchObject({
        url: 'https://example.com/v2/hooks',
        enabled_events: ['*'],
        metadata: { env: 'production' },
      });
      expect((await stripe.webhookEndpoints.retrieve(endpoint.id)).url).toBe('https://example.com/v2/hooks');
      expect(ids(await stripe.webhookEndpoints.list())).toEqual([endpoint.id]);
      expect(await stripe.webhookEndpoints.del(endpoint.id)).toMatchObject({
        id: endpoint.id,
        deleted: true,
      });
      expect(ids(await stripe.webhookEndpoints.list())).toEqual([]);
    },
  },
  {
    object: 'apple_pay_domain',
    async run(stripe) {
      const domain = await stripe.applePayDomains.create({ domain_name: 'shop.example.com' });
      expect(domain.id).toMatch(/^apwc_/);
      expect(domain).toMatchObject({ object: 'apple_pay_domain', domain_name: 'shop.example.com' });
      expect((await stripe.applePayDomains.retrieve(domain.id)).domain_name).toBe('shop.example.com');
      expect(ids(await stripe.applePayDomains.list({ domain_name: 'shop.example.com' }))).toEqual([
        domain.id,
      ]);
      expect(ids(await stripe.applePayDomains.list({ domain_name: 'other.example.com' }))).toEqual([]);
      expect(await stripe.applePayDomains.del(domain.id)).toMatchObject({ id: domain.id, deleted: true });
    },
  },
  {
    object: 'exchange_rate',
    async run(stripe) {
      const rate = await stripe.exchangeRates.retrieve('eur');
      expect(rate).toMatchObject({ id: 'eur', object: 'exchange_rate' });
      expect(ids(await stripe.exchangeRates.list())).toEqual(['eur']);
    },
  },
  {
    object: 'tax_code',
    async run(stripe) {
      const code = await stripe.taxCodes.retrieve('txcd_10000000');
      expect(code).toMatchObject({ id: 'txcd_10000000', object: 'tax_code' });
      expect(ids(await stripe.taxCodes.list())).toEqual([code.id]);
    },
  },
];

describe('generic-engine resources through the official SDK', () => {
  for (const resource of RESOURCES) {
    it(resource.object, async () => {
      await resource.run(harness.client());
    });
  }

  it('covers at least 40 object types outside the hand-written families', () => {
    const registry = compileRegistry();
    const served = new Set(
      registry.coverage.filter((c) => c.servedBy === 'generic').flatMap((c) => c.plan.types),
    );
    const covered = new Set(RESOURCES.map((r) => r.object));
    expect(covered.size).toBe(RESOURCES.length);
    for (const object of covered) {
      expect(registry.handTypes.has(object), object).toBe(false);
      expect(served.has(object), object).toBe(true);
    }
    expect(covered.size).toBeGreaterThanOrEqual(40);
  });
});

describe('generic operations on objects of the hand-written families', () => {
  it("a customer's payment sources: a test token makes that card, which can pay", async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({ email: 'sources@example.com' });
    const card = (await stripe.customers.createSource(customer.id, {
      source: 'tok_mastercard',
      metadata: { wallet: 'main' },
    })) as Stripe.Card;
    expect(card.id).toMatch(/^card_/);
    expect(card).toMatchObject({
      object: 'card',
      customer: customer.id,
      brand: 'MasterCard',
      last4: '4444',
      funding: 'credit',
      metadata: { wallet: 'main' },
    });
    expect(await stripe.customers.retrieveSource(customer.id, card.id)).toMatchObject({ id: card.id });
    const updated = await stripe.customers.updateSource(customer.id, card.id, {
      name: 'Ada Lovelace',
      metadata: { checked: 'yes' },
    });
    expect(updated).toMatchObject({ name: 'Ada Lovelace', metadata: { wallet: 'main', checked: 'yes' } });
    expect(ids(await stripe.customers.listSources(customer.id))).toEqual([card.id]);
    const paid = await stripe.charges.create({
      amount: 700,
      currency: 'usd',
      customer: customer.id,
      source: card.id,
    });
    expect(paid).toMatchObject({ status: 'succeeded', payment_method_details: { card: { last4: '4444' } } });
    expect(await stripe.customers.deleteSource(customer.id, card.id)).toMatchObject({
      id: card.id,
      deleted: true,
    });
    expect(ids(await stripe.customers.listSources(customer.id))).toEqual([]);
  });

  it('a subscription item made on its own embeds the price it names', async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({ email: 'items@example.com' });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthlyPrice(stripe)).id }],
    });
    const addOn = await monthlyPrice(stripe, 300);
    const item = await stripe.subscriptionItems.create({
      subscription: subscription.id,
      price: addOn.id,
      quantity: 2,
    });
    expect(item).toMatchObject({
      object: 'subscription_item',
      subscription: subscription.id,
      quantity: 2,
      price: { id: addOn.id, unit_amount: 300 },
    });
  });
});
