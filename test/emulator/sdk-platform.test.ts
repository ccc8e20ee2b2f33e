import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAccountForKey } from '../../src/emulator/standalone-auth.js';
import { freshKey, type Harness, rejection, startHarness } from './support.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

describe('events', () => {
  it('announces every write as a Stripe-shaped event, newest first, filterable by type', async () => {
    const key = freshKey();
    const stripe = harness.client(key);
    const customer = await stripe.customers.create({ email: 'e@example.com' });
    await stripe.customers.update(customer.id, { name: 'Eve' });
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await stripe.customers.del(customer.id);

    const events = await stripe.events.list({ limit: 100 });
    expect(events.data.map((e) => e.type).reverse()).toEqual([
      'customer.created',
      'customer.updated',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'customer.deleted',
    ]);
    const created = events.data.at(-1)!;
    expect(created).toMatchObject({
      object: 'event',
      account: defaultAccountForKey(key),
      livemode: false,
      pending_webhooks: 0,
      data: { object: { id: customer.id, object: 'customer', email: 'e@example.com' } },
    });
    expect(created.id).toMatch(/^evt_/);
    expect(created.request?.id).toMatch(/^req_/);
    const updated = events.data.find((e) => e.type === 'customer.updated')!;
    expect(updated.data.previous_attributes).toEqual({ name: null });

    expect(await stripe.events.retrieve(created.id)).toEqual(created);
    const customerEvents = await stripe.events.list({ type: 'customer.*' });
    expect(customerEvents.data.map((e) => e.type)).toEqual([
      'customer.deleted',
      'customer.updated',
      'customer.created',
    ]);
    const some = await stripe.events.list({ types: ['charge.succeeded', 'customer.deleted'] });
    expect(some.data.map((e) => e.type)).toEqual(['customer.deleted', 'charge.succeeded']);
  });
});

describe('isolation', () => {
  it('keeps each account and each mode apart (404 across them)', async () => {
    const key = freshKey();
    const mine = harness.client(key);
    const customer = await mine.customers.create({ email: 'mine@example.com' });

    const otherKey = harness.client();
    const fromOtherKey = await rejection(otherKey.customers.retrieve(customer.id));
    expect(fromOtherKey).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect((await otherKey.customers.list()).data).toEqual([]);

    const live = harness.client(key.replace('sk_test_', 'sk_live_'));
    const fromLive = await rejection(live.customers.retrieve(customer.id));
    expect(fromLive).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const liveCustomer = await live.customers.create({ email: 'live@example.com' });
    expect(liveCustomer.livemode).toBe(true);
    expect((await mine.customers.list()).data.map((c) => c.id)).toEqual([customer.id]);
    expect((await live.events.list()).data.map((e) => e.data.object)).toMatchObject([
      { id: liveCustomer.id },
    ]);

    const connected = harness.client(key, { stripeAccount: 'acct_1Connected' });
    expect((await connected.customers.list()).data).toEqual([]);
    const theirs = await connected.customers.create({ email: 'connected@example.com' });
    const sameAccountOtherKey = harness.client(freshKey(), { stripeAccount: 'acct_1Connected' });
    expect((await sameAccountOtherKey.customers.retrieve(theirs.id)).id).toBe(theirs.id);
    const event = (await connected.events.list()).data[0]!;
    expect(event.account).toBe('acct_1Connected');
    await rejection(mine.customers.retrieve(theirs.id));
  });
});

describe('idempotency', () => {
  it('replays the same request with the same key, and refuses the key with a different request', async () => {
    const stripe = harness.client();
    const first = await stripe.customers.create(
      { email: 'once@example.com' },
      { idempotencyKey: 'signup-1' },
    );
    const again = await stripe.customers.create(
      { email: 'once@example.com' },
      { idempotencyKey: 'signup-1' },
    );
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(again.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect((await stripe.customers.list()).data).toHaveLength(1);

    const conflict = await rejection(
      stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'signup-1' }),
    );
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(conflict).toMatchObject({
      statusCode: 400,
      type: 'StripeIdempotencyError',
      rawType: 'idempotency_error',
    });

    const otherAccount = harness.client();
    const elsewhere = await otherAccount.customers.create(
      { email: 'x@example.com' },
      { idempotencyKey: 'signup-1' },
    );
    expect(elsewhere.id).not.toBe(first.id);
  });

  it('replays errors that happened after the request started, but not validation errors', async () => {
    const stripe = harness.client();
    const declined = {
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_chargeDeclined',
      confirm: true,
    };
    const a = await rejection(stripe.paymentIntents.create(declined, { idempotencyKey: 'pay-1' }));
    const b = await rejection(stripe.paymentIntents.create(declined, { idempotencyKey: 'pay-1' }));
    expect(b).toMatchObject({ code: 'card_declined', charge: a['charge'] });
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);

    const invalid = await rejection(
      stripe.customers.create({ nope: 1 } as Stripe.CustomerCreateParams, { idempotencyKey: 'k2' }),
    );
    expect(invalid).toMatchObject({ code: 'parameter_unknown' });
  });
});

describe('the standalone server', () => {
  it('answers with a Request-Id, and refuses missing or non-secret keys with 401', async () => {
    const stripe = harness.client();
    const customer = await stripe.customers.create({});
    expect(customer.lastResponse.requestId).toMatch(/^req_[0-9A-Za-z]{14}$/);

    const noKey = await fetch(`${harness.server.url}/v1/customers`);
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get('request-id')).toMatch(/^req_/);
    expect(await noKey.json()).toMatchObject({ error: { type: 'authentication_error' } });

    const restricted = await rejection(harness.client('rk_test_abcdef123456').customers.list());
    expect(restricted).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(restricted['message']).toContain('rk_test_***…3456');

    const basic = await fetch(`${harness.server.url}/v1/customers`, {
      headers: { authorization: `Basic ${Buffer.from('sk_test_basic:').toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    expect(await basic.json()).toMatchObject({ object: 'list' });
  });

  it('answers unknown paths with Stripe’s 404 and refuses JSON and GET bodies', async () => {
    const stripe = harness.client();
    const unknown = await rejection(stripe.rawRequest('GET', '/v1/foo'));
    expect(unknown).toMatchObject({
      statusCode: 404,
      message:
        'Unrecognized request URL (GET: /v1/foo). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
    });
    const headers = { authorization: 'Bearer sk_test_raw', 'content-type': 'application/json' };
    const json = await fetch(`${harness.server.url}/v1/customers`, {
      method: 'POST',
      headers,
      body: '{"email":"a"}',
    });
    expect(json.status).toBe(400);
  });
});
