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

describe('customers through the official SDK', () => {
  it('creates, retrieves, updates, lists and deletes', async () => {
    const stripe = harness.client();
    const created = await stripe.customers.create({
      email: 'ada@example.com',
      name: 'Ada',
      metadata: { plan: 'gold' },
      address: { line1: '1 Main St', city: 'Springfield' },
      preferred_locales: ['en', 'fr'],
      invoice_settings: { footer: 'Thanks' },
    });
    expect(created).toMatchObject({
      object: 'customer',
      email: 'ada@example.com',
      name: 'Ada',
      livemode: false,
      metadata: { plan: 'gold' },
      preferred_locales: ['en', 'fr'],
      address: { line1: '1 Main St', city: 'Springfield', country: null },
      invoice_settings: { footer: 'Thanks', default_payment_method: null },
    });
    expect(created.id).toMatch(/^cus_[0-9A-Za-z]{14}$/);
    expect(created.created).toBeGreaterThan(1_600_000_000);

    const retrieved = await stripe.customers.retrieve(created.id);
    expect(retrieved).toEqual(created);

    const updated = await stripe.customers.update(created.id, {
      name: 'Ada Lovelace',
      metadata: { plan: '', tier: '1' },
      description: 'first',
    });
    expect(updated).toMatchObject({ name: 'Ada Lovelace', metadata: { tier: '1' }, description: 'first' });
    expect(updated.metadata).not.toHaveProperty('plan');
    const unset = await stripe.customers.update(created.id, { description: '' });
    expect(unset.description).toBeNull();

    const other = await stripe.customers.create({ email: 'bob@example.com' });
    const list = await stripe.customers.list();
    expect(list).toMatchObject({ object: 'list', has_more: false, url: '/v1/customers' });
    expect(list.data.map((c) => c.id)).toEqual([other.id, created.id]);
    const byEmail = await stripe.customers.list({ email: 'ada@example.com' });
    expect(byEmail.data.map((c) => c.id)).toEqual([created.id]);

    const deleted = await stripe.customers.del(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'customer', deleted: true });
    const gone = await rejection(stripe.customers.retrieve(created.id));
    expect(gone).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(gone).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: `No such customer: '${created.id}'`,
    });
  });

  it('paginates newest first with limit, starting_after and ending_before, and auto-pages', async () => {
    const stripe = harness.client();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await stripe.customers.create({ email: `c${i}@example.com` })).id);
    const newestFirst = [...ids].reverse();

    const first = await stripe.customers.list({ limit: 3 });
    expect(first.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 3));
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({ limit: 3, starting_after: first.data[2]!.id });
    expect(second.data.map((c) => c.id)).toEqual(newestFirst.slice(3, 6));
    expect(second.has_more).toBe(true);
    const third = await stripe.customers.list({ limit: 3, starting_after: second.data[2]!.id });
    expect(third.data.map((c) => c.id)).toEqual(newestFirst.slice(6));
    expect(third.has_more).toBe(false);

    const back = await stripe.customers.list({ limit: 2, ending_before: newestFirst[4]! });
    expect(back.data.map((c) => c.id)).toEqual(newestFirst.slice(2, 4));
    expect(back.has_more).toBe(true);

    const all: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 2 })) all.push(customer.id);
    expect(all).toEqual(newestFirst);

    const created = await stripe.customers.list({ created: { gte: 0 }, limit: 100 });
    expect(created.data).toHaveLength(7);
    const none = await stripe.customers.list({ created: { lt: 1 } });
    expect(none.data).toEqual([]);
  });

  it('refuses bad list parameters the way Stripe does', async () => {
    const stripe = harness.client();
    const tooMany = await rejection(stripe.customers.list({ limit: 101 }));
    expect(tooMany).toMatchObject({ statusCode: 400, param: 'limit', code: 'parameter_invalid_integer' });
    const missingCursor = await rejection(stripe.customers.list({ starting_after: 'cus_missing' }));
    expect(missingCursor).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'starting_after',
    });
  });

  it('raises StripeInvalidRequestError for unknown and malformed parameters', async () => {
    const stripe = harness.client();
    const unknown = await rejection(
      stripe.customers.create({ favourite_colour: 'blue' } as Stripe.CustomerCreateParams),
    );
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown).toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'favourite_colour',
      message: 'Received unknown parameter: favourite_colour',
    });
    const nested = await rejection(
      stripe.customers.create({ address: { line1: 'x', planet: 'Mars' } } as Stripe.CustomerCreateParams),
    );
    expect(nested).toMatchObject({ code: 'parameter_unknown', param: 'address[planet]' });
    const badInt = await rejection(stripe.customers.create({ balance: 'lots' as unknown as number }));
    expect(badInt).toMatchObject({ code: 'parameter_invalid_integer', message: 'Invalid integer: lots' });
  });

  it('expands a customer default_source made from a test token, singly and in a list', async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({ source: 'tok_mastercard' });
    expect(customer.default_source).toMatch(/^card_/);
    const expanded = await stripe.customers.retrieve(customer.id, { expand: ['default_source'] });
    expect((expanded as Stripe.Customer).default_source).toMatchObject({
      object: 'card',
      brand: 'MasterCard',
      last4: '4444',
      customer: customer.id,
    });
    const list = await stripe.customers.list({ expand: ['data.default_source'] });
    expect(list.data[0]!.default_source).toMatchObject({ object: 'card', last4: '4444' });

    const bad = await rejection(stripe.customers.retrieve(customer.id, { expand: ['email'] }));
    expect(bad).toMatchObject({ statusCode: 400, message: 'This property cannot be expanded (email).' });
    const badList = await rejection(stripe.customers.list({ expand: ['default_source'] }));
    expect(badList).toMatchObject({ message: 'This property cannot be expanded (default_source).' });
  });
});
