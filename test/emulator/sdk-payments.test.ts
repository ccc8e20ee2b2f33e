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

/** A succeeded $20 payment, so the account has funds. */
async function pay(stripe: Stripe, amount = 2000): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
}

describe('products and prices', () => {
  it('creates a product and a price, expands both ways, and refuses to delete a product with prices', async () => {
    const stripe = harness.client();
    const product = await stripe.products.create({ name: 'Gold plan', metadata: { tier: 'gold' } });
    expect(product).toMatchObject({
      object: 'product',
      name: 'Gold plan',
      active: true,
      default_price: null,
    });
    expect(product.id).toMatch(/^prod_/);
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1500,
      recurring: { interval: 'month' },
      lookup_key: 'gold_monthly',
    });
    expect(price).toMatchObject({
      object: 'price',
      product: product.id,
      type: 'recurring',
      unit_amount: 1500,
      recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
    });
    expect(price.id).toMatch(/^price_[0-9A-Za-z]{24}$/);
    // The SDK turns decimal strings into its own Decimal type.
    expect(String(price.unit_amount_decimal)).toBe('1500');

    const withProduct = await stripe.prices.retrieve(price.id, { expand: ['product'] });
    expect(withProduct.product).toMatchObject({ id: product.id, name: 'Gold plan' });
    const updated = await stripe.products.update(product.id, { default_price: price.id });
    expect(updated.default_price).toBe(price.id);
    const withPrice = await stripe.products.retrieve(product.id, { expand: ['default_price'] });
    expect(withPrice.default_price).toMatchObject({ id: price.id, unit_amount: 1500 });

    expect((await stripe.prices.list({ lookup_keys: ['gold_monthly'] })).data.map((p) => p.id)).toEqual([
      price.id,
    ]);
    expect((await stripe.prices.list({ product: product.id, type: 'one_time' })).data).toEqual([]);

    const blocked = await rejection(stripe.products.del(product.id));
    expect(blocked).toMatchObject({ statusCode: 400 });
    const lone = await stripe.products.create({ name: 'Lone' });
    expect(await stripe.products.del(lone.id)).toEqual({ id: lone.id, object: 'product', deleted: true });

    const inline = await stripe.products.create({
      name: 'Silver',
      default_price_data: { currency: 'eur', unit_amount: 900 },
      expand: ['default_price'],
    });
    expect(inline.default_price).toMatchObject({
      object: 'price',
      currency: 'eur',
      unit_amount: 900,
      type: 'one_time',
    });
  });
});

describe('payment intents, charges and balance transactions', () => {
  it('creates, confirms and charges; the charge has a balance transaction whose source expands to it', async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({ email: 'pay@example.com' });
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: customer.id,
      metadata: { order: '42' },
    });
    expect(intent).toMatchObject({
      object: 'payment_intent',
      status: 'requires_payment_method',
      latest_charge: null,
    });
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));

    const confirmed = await stripe.paymentIntents.confirm(intent.id, {
      payment_method: 'pm_card_visa',
      expand: ['latest_charge.balance_transaction'],
    });
    expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: 2000 });
    const charge = confirmed.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 2000,
      captured: true,
      paid: true,
      status: 'succeeded',
      customer: customer.id,
      payment_intent: intent.id,
      metadata: { order: '42' },
      payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
    });
    const txn = charge.balance_transaction as Stripe.BalanceTransaction;
    expect(txn).toMatchObject({
      object: 'balance_transaction',
      amount: 2000,
      fee: 88,
      net: 1912,
      type: 'charge',
      source: charge.id,
    });

    const withSource = await stripe.balanceTransactions.retrieve(txn.id, { expand: ['source'] });
    expect(withSource.source).toMatchObject({ object: 'charge', id: charge.id });
    const listed = await stripe.balanceTransactions.list({ expand: ['data.source'] });
    expect(listed.data[0]!.source).toMatchObject({ id: charge.id });

    const charges = await stripe.charges.list({ payment_intent: intent.id, expand: ['data.customer'] });
    expect(charges.data.map((c) => c.id)).toEqual([charge.id]);
    expect(charges.data[0]!.customer).toMatchObject({ id: customer.id, email: 'pay@example.com' });
    const again = await rejection(stripe.paymentIntents.confirm(intent.id));
    expect(again).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('authorizes with capture_method=manual, then captures part; cancel releases another', async () => {
    const stripe = harness.client();
    const intent = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_mastercard',
      confirm: true,
    });
    expect(intent).toMatchObject({ status: 'requires_capture', amount_capturable: 5000 });
    const uncaptured = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(uncaptured).toMatchObject({ captured: false, balance_transaction: null });
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000, amount_capturable: 0 });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string, {
      expand: ['balance_transaction'],
    });
    expect(charge).toMatchObject({ captured: true, amount_captured: 3000, amount_refunded: 2000 });
    expect(charge.balance_transaction).toMatchObject({ amount: 3000 });

    const other = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const canceled = await stripe.paymentIntents.cancel(other.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(await stripe.charges.retrieve(other.latest_charge as string)).toMatchObject({ refunded: true });
  });

  it('declines pm_card_chargeDeclined with a StripeCardError and a failed charge', async () => {
    const stripe = harness.client();
    const error = await rejection(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    const charges = await stripe.charges.list();
    expect(charges.data[0]).toMatchObject({ status: 'failed', paid: false, failure_code: 'card_declined' });
  });

  it('refunds a charge in part and then in full, with negative balance transactions', async () => {
    const stripe = harness.client();
    const intent = await pay(stripe, 3000);
    const partial = await stripe.refunds.create({
      payment_intent: intent.id,
      amount: 1000,
      reason: 'requested_by_customer',
    });
    expect(partial).toMatchObject({
      object: 'refund',
      amount: 1000,
      status: 'succeeded',
      charge: intent.latest_charge,
    });
    const rest = await stripe.refunds.create({
      charge: intent.latest_charge as string,
      expand: ['balance_transaction', 'charge'],
    });
    expect(rest.amount).toBe(2000);
    expect(rest.balance_transaction).toMatchObject({ amount: -2000, type: 'refund', source: rest.id });
    expect(rest.charge).toMatchObject({ refunded: true, amount_refunded: 3000 });
    const none = await rejection(stripe.refunds.create({ charge: intent.latest_charge as string }));
    expect(none).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    const refunds = await stripe.refunds.list({ charge: intent.latest_charge as string });
    expect(refunds.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    const txns = await stripe.balanceTransactions.list({ type: 'refund', expand: ['data.source'] });
    expect(txns.data.map((t) => (t.source as Stripe.Refund).object)).toEqual(['refund', 'refund']);
  });
});

describe('balance, payouts and transfers', () => {
  it('reports the balance, pays out and cancels, and transfers; past the balance it refuses', async () => {
    const stripe = harness.client();
    const empty = await stripe.balance.retrieve();
    expect(empty).toMatchObject({
      object: 'balance',
      available: [{ amount: 0, currency: 'usd' }],
      livemode: false,
    });
    const broke = await rejection(stripe.payouts.create({ amount: 100, currency: 'usd' }));
    expect(broke).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });

    await pay(stripe, 10_000);
    const balance = await stripe.balance.retrieve();
    expect(balance.available).toEqual([
      { amount: 10_000 - 320, currency: 'usd', source_types: { card: 9680 } },
    ]);

    const payout = await stripe.payouts.create({ amount: 5000, currency: 'usd', metadata: { batch: '1' } });
    expect(payout).toMatchObject({
      object: 'payout',
      status: 'pending',
      amount: 5000,
      metadata: { batch: '1' },
    });
    expect(payout.id).toMatch(/^po_/);
    const payoutTxn = await stripe.balanceTransactions.retrieve(payout.balance_transaction as string, {
      expand: ['source'],
    });
    expect(payoutTxn).toMatchObject({
      amount: -5000,
      type: 'payout',
      source: { id: payout.id, object: 'payout' },
    });
    expect((await stripe.balance.retrieve()).available[0]!.amount).toBe(4680);
    const canceled = await stripe.payouts.cancel(payout.id);
    expect(canceled.status).toBe('canceled');
    expect((await stripe.balance.retrieve()).available[0]!.amount).toBe(9680);

    const transfer = await stripe.transfers.create({
      amount: 1000,
      currency: 'usd',
      destination: 'acct_1Destination',
      transfer_group: 'order_7',
      expand: ['balance_transaction'],
    });
    expect(transfer).toMatchObject({ object: 'transfer', amount: 1000, destination: 'acct_1Destination' });
    expect(transfer.balance_transaction).toMatchObject({
      amount: -1000,
      type: 'transfer',
      source: transfer.id,
    });
    expect((await stripe.transfers.list({ transfer_group: 'order_7' })).data.map((t) => t.id)).toEqual([
      transfer.id,
    ]);
    const renamed = await stripe.transfers.update(transfer.id, { description: 'for order 7' });
    expect(renamed.description).toBe('for order 7');
    const tooMuch = await rejection(
      stripe.transfers.create({ amount: 1_000_000, currency: 'usd', destination: 'acct_1D' }),
    );
    expect(tooMuch).toMatchObject({ code: 'balance_insufficient' });
  });
});
