import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, rejection, startHarness } from './support.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

async function monthlyPrice(stripe: Stripe, amount = 1500): Promise<Stripe.Price> {
  return stripe.prices.create({
    currency: 'usd',
    unit_amount: amount,
    recurring: { interval: 'month' },
    product_data: { name: 'Pro plan' },
  });
}

describe('invoices', () => {
  it('drafts, adds items, finalizes, pays, and lists lines', async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({
      email: 'bill@example.com',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const invoice = await stripe.invoices.create({ customer: customer.id, metadata: { po: '7' } });
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'draft',
      customer: customer.id,
      total: 0,
      number: null,
      lines: { object: 'list', data: [] },
    });
    expect(invoice.id).toMatch(/^in_/);

    const product = await stripe.products.create({ name: 'Consulting' });
    const hourly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 10_000 });
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      pricing: { price: hourly.id },
      quantity: 3,
    });
    expect(item).toMatchObject({
      object: 'invoiceitem',
      amount: 30_000,
      invoice: invoice.id,
      description: 'Consulting',
    });
    await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 500,
      currency: 'usd',
      description: 'Fee',
    });

    const draft = await stripe.invoices.retrieve(invoice.id, { expand: ['lines.data.price.product'] });
    expect(draft).toMatchObject({ subtotal: 30_500, total: 30_500, amount_due: 30_500 });
    expect(draft.lines.data.map((line) => line.amount)).toEqual([30_000, 500]);
    expect((draft.lines.data[0]! as unknown as { price: Stripe.Price }).price.product).toMatchObject({
      name: 'Consulting',
    });

    const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized).toMatchObject({ status: 'open', amount_due: 30_500 });
    expect(finalized.number).toMatch(/^[0-9A-F]{8}-0001$/);
    expect(finalized.hosted_invoice_url).toMatch(/^https:\/\//);
    const locked = await rejection(
      stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 1, currency: 'usd' }),
    );
    expect(locked).toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });

    const paid = await stripe.invoices.pay(invoice.id, { expand: ['charge.balance_transaction'] });
    expect(paid).toMatchObject({ status: 'paid', paid: true, amount_paid: 30_500, amount_remaining: 0 });
    const charge = (paid as unknown as { charge: Stripe.Charge }).charge;
    expect(charge).toMatchObject({
      amount: 30_500,
      invoice: invoice.id,
      balance_transaction: { type: 'charge' },
    });

    const lines = await stripe.invoices.listLineItems(invoice.id, { limit: 1 });
    expect(lines).toMatchObject({ object: 'list', has_more: true, url: `/v1/invoices/${invoice.id}/lines` });
    const rest = await stripe.invoices.listLineItems(invoice.id, { starting_after: lines.data[0]!.id });
    expect(rest.data.map((line) => line.amount)).toEqual([500]);

    expect(
      (await stripe.invoices.list({ customer: customer.id, status: 'paid' })).data.map((i) => i.id),
    ).toEqual([invoice.id]);
  });

  it('voids an open invoice, deletes a draft, and pulls pending items when asked', async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({});
    await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd' });
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data).toHaveLength(1);
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
      collection_method: 'send_invoice',
      days_until_due: 14,
    });
    expect(invoice.total).toBe(700);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);
    await stripe.invoices.finalizeInvoice(invoice.id);
    const voided = await stripe.invoices.voidInvoice(invoice.id);
    expect(voided.status).toBe('void');
    const notDraft = await rejection(stripe.invoices.del(invoice.id));
    expect(notDraft).toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });

    const draft = await stripe.invoices.create({ customer: customer.id });
    expect(await stripe.invoices.del(draft.id)).toEqual({ id: draft.id, object: 'invoice', deleted: true });
  });

  it('refuses to pay without a payment method (StripeCardError), and accepts paid_out_of_band', async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({});
    const invoice = await stripe.invoices.create({ customer: customer.id });
    await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 1200,
      currency: 'usd',
    });
    const error = await rejection(stripe.invoices.pay(invoice.id));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const paid = await stripe.invoices.pay(invoice.id, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: 'paid', paid_out_of_band: true });
  });
});

describe('subscriptions', () => {
  it('creates an active subscription, paid by its first invoice; expands items.data.price', async () => {
    const stripe = harness.client();
    const price = await monthlyPrice(stripe);
    const customer = await stripe.customers.create({ source: 'tok_visa' });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 2 }],
      metadata: { seats: '2' },
      expand: ['latest_invoice', 'items.data.price.product', 'customer'],
    });
    expect(subscription).toMatchObject({
      object: 'subscription',
      status: 'active',
      metadata: { seats: '2' },
      customer: { id: customer.id, object: 'customer' },
      latest_invoice: {
        object: 'invoice',
        status: 'paid',
        amount_paid: 3000,
        billing_reason: 'subscription_create',
      },
    });
    expect(subscription.id).toMatch(/^sub_/);
    const item = subscription.items.data[0]!;
    expect(item).toMatchObject({ object: 'subscription_item', quantity: 2, subscription: subscription.id });
    expect(item.price).toMatchObject({ id: price.id, product: { object: 'product', name: 'Pro plan' } });
    expect(item.id).toMatch(/^si_/);

    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, quantity: 5 }],
      cancel_at_period_end: true,
    });
    expect(updated.items.data[0]!.quantity).toBe(5);
    expect(updated).toMatchObject({ cancel_at_period_end: true, cancel_at: item.current_period_end });
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start + 27 * 86_400);
    expect(subscription).toMatchObject({ current_period_end: item.current_period_end });

    const listed = await stripe.subscriptions.list({ customer: customer.id, price: price.id });
    expect(listed.data.map((s) => s.id)).toEqual([subscription.id]);

    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled' });
    expect(canceled.canceled_at).not.toBeNull();
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
    expect(
      (await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' })).data,
    ).toHaveLength(1);
  });

  it('starts incomplete without a payment method, trialing with a trial, and refuses one-time prices', async () => {
    const stripe = harness.client();
    const price = await monthlyPrice(stripe);
    const customer = await stripe.customers.create({});
    const incomplete = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
    });
    expect(incomplete.status).toBe('incomplete');
    const invoice = await stripe.invoices.retrieve(incomplete.latest_invoice as string, {
      expand: ['payment_intent'],
    });
    expect(invoice).toMatchObject({ status: 'open' });
    expect((invoice as unknown as { payment_intent: Stripe.PaymentIntent }).payment_intent.status).toBe(
      'requires_payment_method',
    );

    const trial = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 14,
    });
    expect(trial).toMatchObject({ status: 'trialing', trial_end: trial.created + 14 * 86_400 });

    const oneTime = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 100,
      product_data: { name: 'x' },
    });
    const refused = await rejection(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: oneTime.id }] }),
    );
    expect(refused).toMatchObject({ statusCode: 400, param: 'items[0][price]' });
  });
});

describe('checkout sessions and coupons', () => {
  it('creates a session with line items, lists them, and expires it', async () => {
    const stripe = harness.client();
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 2500,
      product_data: { name: 'T-shirt' },
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://example.com/ok',
      cancel_url: 'https://example.com/cancel',
      line_items: [{ price: price.id, quantity: 2 }],
      client_reference_id: 'cart_1',
      expand: ['line_items'],
    });
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 5000,
      currency: 'usd',
      client_reference_id: 'cart_1',
      livemode: false,
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`https://checkout.stripe.com/c/pay/${session.id}`);
    expect(session.line_items?.data[0]).toMatchObject({
      object: 'item',
      quantity: 2,
      amount_total: 5000,
      description: 'T-shirt',
    });

    const plain = await stripe.checkout.sessions.retrieve(session.id);
    expect(plain).not.toHaveProperty('line_items');
    const items = await stripe.checkout.sessions.listLineItems(session.id, {
      expand: ['data.price.product'],
    });
    expect((items.data[0]!.price!.product as Stripe.Product).name).toBe('T-shirt');

    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    const again = await rejection(stripe.checkout.sessions.expire(session.id));
    expect(again).toMatchObject({ statusCode: 400 });
    expect((await stripe.checkout.sessions.list({ status: 'expired' })).data.map((s) => s.id)).toEqual([
      session.id,
    ]);
  });

  it('creates, updates, lists and deletes coupons', async () => {
    const stripe = harness.client();
    const percent = await stripe.coupons.create({
      percent_off: 25,
      duration: 'repeating',
      duration_in_months: 3,
    });
    expect(percent).toMatchObject({
      object: 'coupon',
      percent_off: 25,
      duration: 'repeating',
      valid: true,
      times_redeemed: 0,
    });
    const fixed = await stripe.coupons.create({
      id: 'WELCOME10',
      amount_off: 1000,
      currency: 'usd',
      name: 'Welcome',
    });
    expect(fixed.id).toBe('WELCOME10');
    const duplicate = await rejection(stripe.coupons.create({ id: 'WELCOME10', percent_off: 5 }));
    expect(duplicate).toMatchObject({ code: 'resource_already_exists' });
    const renamed = await stripe.coupons.update('WELCOME10', {
      name: 'Hello',
      metadata: { campaign: 'spring' },
    });
    expect(renamed).toMatchObject({ name: 'Hello', metadata: { campaign: 'spring' } });
    expect((await stripe.coupons.list()).data.map((c) => c.id).sort()).toEqual(
      [percent.id, 'WELCOME10'].sort(),
    );
    expect(await stripe.coupons.del('WELCOME10')).toEqual({
      id: 'WELCOME10',
      object: 'coupon',
      deleted: true,
    });
    const neither = await rejection(stripe.coupons.create({ duration: 'once' }));
    expect(neither).toMatchObject({ statusCode: 400 });
  });
});
