import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { EVENT_PERMISSIONS } from '../../src/gateway/event-permissions.js';
import { compileEventVisibility } from '../../src/gateway/event-visibility.js';
import { type GatewayWorld, rejection, startGateway } from './support.js';

const catalog = defaultCatalog();

describe('the event → permission table', () => {
  const events = compileEventVisibility(catalog);
  const can = (type: string, grant: string[]) => events.visible(type, catalog.closure(grant));

  it('needs event_read plus one listed permission', () => {
    expect(can('customer.created', ['customer_read'])).toBe(false);
    expect(can('customer.created', ['event_read'])).toBe(false);
    expect(can('customer.created', ['event_read', 'customer_read'])).toBe(true);
    expect(can('customer.created', ['event_read', 'customer_write'])).toBe(true); // write ⇒ read
    expect(can('account.application.authorized', ['event_read'])).toBe(true);
  });

  it('lets the most specific rule win', () => {
    expect(can('customer.subscription.created', ['event_read', 'customer_read'])).toBe(false);
    expect(can('customer.subscription.created', ['event_read', 'subscription_read'])).toBe(true);
    expect(can('customer.subscription.created', ['event_read', 'quote_read'])).toBe(true);
    expect(can('charge.dispute.created', ['event_read', 'charge_read'])).toBe(false);
    expect(can('charge.dispute.created', ['event_read', 'dispute_read'])).toBe(true);
    expect(can('customer.source.created', ['event_read', 'customer_read'])).toBe(true);
    expect(can('refund.created', ['event_read', 'charge_read'])).toBe(true);
    expect(can('price.updated', ['event_read', 'plan_read'])).toBe(true);
    expect(can('product.created', ['event_read', 'quote_read'])).toBe(true);
  });

  it('never shows a type with no listed permission', () => {
    expect(can('coupon.created', ['event_read', 'coupon_read'])).toBe(false);
    expect(
      can(
        'sigma.scheduled_query_run.created',
        catalog.permissions.map((p) => p.name),
      ),
    ).toBe(false);
    expect(can('customerx.created', ['event_read', 'customer_read'])).toBe(false);
    expect(events.visible(undefined, catalog.closure(['event_read']))).toBe(false);
  });

  it('is data: every rule is an exact type or a `.*` prefix, listed once', () => {
    const types = EVENT_PERMISSIONS.map((rule) => rule.type);
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(type).toMatch(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/);
  });
});

describe('GET /v1/events through the gateway', () => {
  let w: GatewayWorld;
  let customerEvents: string[];
  let productEvent: string;
  let reader: Stripe;

  beforeAll(async () => {
    w = await startGateway();
    const merchant = w.stripe(w.merchant.sk.test);
    // interleave visible (customer.*) and hidden (product.*, coupon.*) events
    for (let i = 0; i < 4; i++) {
      await merchant.customers.create({ email: `c${i}@example.com` });
      await merchant.products.create({ name: `P${i}` });
      await merchant.coupons.create({ percent_off: 10 + i, duration: 'once' });
    }
    const all = await merchant.events.list({ limit: 100 });
    customerEvents = all.data.filter((e) => e.type.startsWith('customer.')).map((e) => e.id);
    productEvent = all.data.find((e) => e.type.startsWith('product.'))!.id;
    await w.publish('com.example.events', '1.0.0', ['event_read', 'customer_read']);
    reader = w.stripe((await w.install('com.example.events')).key!.secret);
  });

  afterAll(async () => {
    await w.close();
  });

  it('lists only the events the install may read', async () => {
    const page = await reader.events.list({ limit: 100 });
    expect(page.data.map((e) => e.id)).toEqual(customerEvents);
    expect(page.has_more).toBe(false);
  });

  it('fills pages across hidden events, keeping limit and has_more', async () => {
    const first = await reader.events.list({ limit: 2 });
    expect(first.data.map((e) => e.id)).toEqual(customerEvents.slice(0, 2));
    expect(first.has_more).toBe(true);
    const second = await reader.events.list({ limit: 2, starting_after: first.data[1]!.id });
    expect(second.data.map((e) => e.id)).toEqual(customerEvents.slice(2, 4));
    expect(second.has_more).toBe(false);
    const back = await reader.events.list({ limit: 1, ending_before: second.data[0]!.id });
    expect(back.data.map((e) => e.id)).toEqual([customerEvents[1]]);
    expect(back.has_more).toBe(true);
    const everything: string[] = [];
    for await (const event of reader.events.list({ limit: 1 })) everything.push(event.id);
    expect(everything).toEqual(customerEvents);
  });

  it('hides an event it may not read, as if it did not exist', async () => {
    expect((await reader.events.retrieve(customerEvents[0]!)).id).toBe(customerEvents[0]);
    const error = await rejection<InstanceType<typeof Stripe.errors.StripeInvalidRequestError>>(
      reader.events.retrieve(productEvent),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
    expect(error.message).toBe(`No such event: '${productEvent}'`);
    expect(w.decisions.at(-1)).toMatchObject({
      outcome: 'denied',
      status: 404,
      missing: [
        EVENT_PERMISSIONS.find((r) => r.type === 'product.*')!.permissions.filter((n) => catalog.has(n)),
      ],
    });
    const cursor = await rejection<{ statusCode: number; param: string }>(
      reader.events.list({ starting_after: productEvent }),
    );
    expect(cursor.statusCode).toBe(404);
    expect(cursor.param).toBe('starting_after');
  });

  it('needs event_read for the list itself', async () => {
    await w.publish('com.example.no-events', '1.0.0', ['customer_read']);
    const stripe = w.stripe((await w.install('com.example.no-events')).key!.secret);
    const error = await rejection<Error>(stripe.events.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.message).toContain("'event_read'");
  });

  it("shows an account's own sk_ every event", async () => {
    const all = await w.stripe(w.merchant.sk.test).events.list({ limit: 100 });
    expect(all.data.length).toBe(12);
  });
});

describe("the generic engine's events through the gateway", () => {
  it('are filtered by the same table: setup intents and test clocks shown to who may read them, others hidden', async () => {
    const w = await startGateway();
    try {
      const merchant = w.stripe(w.merchant.sk.test);
      const intent = await merchant.setupIntents.create({});
      await merchant.setupIntents.cancel(intent.id);
      const clock = await merchant.testHelpers.testClocks.create({ frozen_time: 1_800_000_000 });
      await merchant.taxRates.create({ display_name: 'VAT', inclusive: false, percentage: 20 });
      const all = await merchant.events.list({ limit: 100 });
      expect(all.data.map((e) => e.type)).toEqual([
        'tax_rate.created',
        'test_helpers.test_clock.created',
        'setup_intent.updated',
        'setup_intent.created',
      ]);
      expect(all.data[1]!.data.object).toMatchObject({ id: clock.id, object: 'test_helpers.test_clock' });

      await w.publish('com.example.setup-events', '1.0.0', ['event_read', 'setup_intent_read']);
      const reader = w.stripe((await w.install('com.example.setup-events')).key!.secret);
      const seen = await reader.events.list({ limit: 100 });
      expect(seen.data.map((e) => e.type)).toEqual(['setup_intent.updated', 'setup_intent.created']);
      expect(seen.data[0]!.data.previous_attributes).toMatchObject({ status: 'requires_payment_method' });
      // No rule lists tax_rate.*: as for coupons, nobody's install sees it.
      const hidden = await rejection<{ statusCode: number }>(reader.events.retrieve(all.data[0]!.id));
      expect(hidden.statusCode).toBe(404);
    } finally {
      await w.close();
    }
  });
});
