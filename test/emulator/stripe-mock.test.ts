import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_PORT } from '../../src/cli/emulator.js';
import { createEmulator } from '../../src/emulator/emulator.js';
import { type EmulatorServer, startEmulatorServer } from '../../src/emulator/server.js';
import { defaultAccountForKey } from '../../src/emulator/standalone-auth.js';
import type { EmulatorScope } from '../../src/emulator/storage.js';
import { freshKey, rejection } from './support.js';
import { operationRequest } from './walk.js';

/**
 * `appscope emulator --stripe-mock` through the official SDK, as a suite written against
 * stripe-mock uses it. What it holds and what it makes up:
 * - an id it does not hold is answered with a fixture-like object of the right type carrying
 *   that id, and nothing is stored for it: updating or deleting it changes nothing, so the next
 *   call answers a fresh fixture again (stateless, as stripe-mock is);
 * - objects it creates are stored and read back like the plain emulator's (a suite written for
 *   stripe-mock never relies on the opposite, and one that creates then reads works against a
 *   real account too) — except a create that Stripe's business rules would refuse (an empty
 *   balance, a missing price), which is answered as stripe-mock answers it and not stored;
 * - parameters are still checked against the description, and card declines stay.
 */

let server: EmulatorServer;
beforeAll(async () => {
  server = await startEmulatorServer({ port: 0, emulator: createEmulator({ stripeMock: true }) });
});
afterAll(async () => {
  await server.close();
});

function client(key = freshKey()): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

function scopeOf(key: string): EmulatorScope {
  return { account: defaultAccountForKey(key), livemode: false };
}

describe('ids it does not hold', () => {
  it('retrieves objects of the right type carrying the id, modelled and generic alike', async () => {
    const stripe = client();
    const cases: [Promise<{ id?: string; object: string }>, string, string][] = [
      [stripe.customers.retrieve('cus_nothere'), 'customer', 'cus_nothere'],
      [stripe.charges.retrieve('ch_nothere'), 'charge', 'ch_nothere'],
      [stripe.invoices.retrieve('in_nothere'), 'invoice', 'in_nothere'],
      [stripe.paymentIntents.retrieve('pi_nothere'), 'payment_intent', 'pi_nothere'],
      [stripe.subscriptions.retrieve('sub_nothere'), 'subscription', 'sub_nothere'],
      [stripe.products.retrieve('prod_nothere'), 'product', 'prod_nothere'],
      [stripe.coupons.retrieve('25OFF'), 'coupon', '25OFF'],
      [stripe.taxRates.retrieve('txr_nothere'), 'tax_rate', 'txr_nothere'],
      [stripe.issuing.cards.retrieve('ic_nothere'), 'issuing.card', 'ic_nothere'],
      [stripe.refunds.retrieve('re_nothere'), 'refund', 're_nothere'],
      [stripe.sigma.scheduledQueryRuns.retrieve('sqr_nothere'), 'scheduled_query_run', 'sqr_nothere'],
    ];
    for (const [call, object, id] of cases) {
      const answer = await call;
      expect(answer, object).toMatchObject({ object, id });
      // An optional `error` field would make SDKs read the answer as a failed request.
      expect(answer, object).not.toHaveProperty('error');
    }
  });

  it('answers nested objects under the parent the path names', async () => {
    const stripe = client();
    const taxId = await stripe.customers.retrieveTaxId('cus_parent', 'txi_nothere');
    expect(taxId).toMatchObject({ object: 'tax_id', id: 'txi_nothere', customer: 'cus_parent' });
  });

  it('updates them, reflecting the parameters, and stores nothing', async () => {
    const key = freshKey();
    const stripe = client(key);
    const customer = await stripe.customers.update('cus_nothere', {
      description: 'reflected',
      metadata: { order_id: '6735' },
    });
    expect(customer).toMatchObject({
      object: 'customer',
      id: 'cus_nothere',
      description: 'reflected',
      metadata: { order_id: '6735' },
    });
    const rate = await stripe.taxRates.update('txr_nothere', { display_name: 'VAT', active: false });
    expect(rate).toMatchObject({ object: 'tax_rate', id: 'txr_nothere', display_name: 'VAT', active: false });
    const card = await stripe.issuing.cards.update('ic_nothere', { status: 'inactive' });
    expect(card).toMatchObject({ object: 'issuing.card', id: 'ic_nothere', status: 'inactive' });

    // Stateless: the next call answers a fresh fixture, and the storage holds none of them.
    expect((await stripe.customers.retrieve('cus_nothere')) as Stripe.Customer).toMatchObject({
      description: null,
      metadata: {},
    });
    expect((await stripe.taxRates.retrieve('txr_nothere')).display_name).not.toBe('VAT');
    const storage = server.emulator.storage;
    expect(await storage.get(scopeOf(key), 'customer', 'cus_nothere')).toBeUndefined();
    expect(await storage.get(scopeOf(key), 'tax_rate', 'txr_nothere')).toBeUndefined();
    expect(await storage.get(scopeOf(key), 'issuing.card', 'ic_nothere')).toBeUndefined();
  });

  it('deletes them', async () => {
    const stripe = client();
    expect(await stripe.customers.del('cus_nothere')).toEqual({
      id: 'cus_nothere',
      object: 'customer',
      deleted: true,
    });
    expect(await stripe.products.del('prod_nothere')).toMatchObject({ id: 'prod_nothere', deleted: true });
    expect(await stripe.coupons.del('25OFF')).toMatchObject({ id: '25OFF', object: 'coupon', deleted: true });
    expect(await stripe.customers.retrieve('cus_nothere')).toMatchObject({ id: 'cus_nothere' });
  });

  it('runs actions on them', async () => {
    const stripe = client();
    const invoice = await stripe.invoices.finalizeInvoice('in_nothere');
    expect(invoice).toMatchObject({ object: 'invoice', id: 'in_nothere', status: 'open' });
    const intent = await stripe.paymentIntents.cancel('pi_nothere');
    expect(intent).toMatchObject({ object: 'payment_intent', id: 'pi_nothere', status: 'canceled' });
    const reader = await stripe.terminal.readers.cancelAction('tmr_nothere');
    expect(reader).toMatchObject({ object: 'terminal.reader', id: 'tmr_nothere' });
  });

  it('expands ids it does not hold into objects', async () => {
    const stripe = client();
    // Refused by the modelled create (no such customer), so answered as stripe-mock answers it.
    const intent = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'usd',
      customer: 'cus_expandme',
      expand: ['customer'],
    });
    expect(intent).toMatchObject({ object: 'payment_intent', amount: 500 });
    expect(intent.customer).toMatchObject({ object: 'customer', id: 'cus_expandme' });

    const schedule = await stripe.subscriptionSchedules.create({
      customer: 'cus_other',
      expand: ['customer'],
    });
    expect(schedule.customer).toMatchObject({ object: 'customer', id: 'cus_other' });
  });
});

describe('every operation of the description', () => {
  it('answers on an empty emulator: ids it does not hold as objects of the right type, lists with an item', async () => {
    const emulator = createEmulator({ stripeMock: true });
    const scope: EmulatorScope = { account: 'acct_1Walk', livemode: false };
    // Ids nobody made: each path names made-up ids (`walk_customer`, …).
    const state = { ids: new Map<string, string>(), now: Math.floor(Date.now() / 1000) };
    const wrong: string[] = [];
    for (const { method, path, plan } of emulator.coverage) {
      const request = operationRequest(plan, state);
      const post = method === 'POST';
      const response = await emulator.handle({
        method,
        path: request.path,
        query: post ? '' : request.form,
        body: post ? request.form : '',
        ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
        ...scope,
      });
      const label = `${method} ${path}`;
      if (response.status !== 200) {
        wrong.push(`${label}: ${response.status} ${JSON.stringify(response.body)}`);
        continue;
      }
      if (Buffer.isBuffer(response.body)) continue; // a quote's PDF
      const body = response.body as { object?: string; id?: string; data?: { object?: string }[] };
      const named = ['retrieve', 'update', 'delete', 'action'].includes(plan.kind);
      if (named && !plan.types.includes(String(body.object))) wrong.push(`${label}: a ${body.object}`);
      if (named && !request.path.endsWith(`/${body.id}`) && !request.path.includes(`/${body.id}/`))
        wrong.push(`${label}: id ${body.id} for ${request.path}`);
      if (named && plan.kind !== 'delete' && (await emulator.storage.get(scope, plan.types[0]!, body.id!)))
        wrong.push(`${label}: stored ${body.id}`);
      if (plan.kind === 'list' || plan.kind === 'search') {
        const types = (body.data ?? []).map((item) => item.object);
        // At least one (objects the walk created are listed too: events of its creates).
        if (types.length === 0 || types.some((type) => !plan.types.includes(String(type))))
          wrong.push(`${label}: listed ${types.join(', ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('lists and searches', () => {
  it('answer list objects with an item of the right type when nothing is held', async () => {
    const stripe = client();
    const cases: [Promise<Stripe.ApiList<{ object: string }>>, string, string][] = [
      [stripe.customers.list({ limit: 3 }), 'customer', '/v1/customers'],
      [stripe.charges.list(), 'charge', '/v1/charges'],
      [stripe.invoices.list(), 'invoice', '/v1/invoices'],
      [stripe.taxRates.list(), 'tax_rate', '/v1/tax_rates'],
      [stripe.issuing.cards.list(), 'issuing.card', '/v1/issuing/cards'],
    ];
    for (const [call, object, url] of cases) {
      const list = await call;
      expect(list, object).toMatchObject({ object: 'list', has_more: false, url });
      expect(list.data.map((item) => item.object)).toEqual([object]);
    }
  });

  it('answers a search result with one match and a total_count', async () => {
    const result = await client().charges.search({ query: 'currency:"usd"' });
    expect(result).toMatchObject({ object: 'search_result', total_count: 1, has_more: false });
    expect(result.data.map((charge) => charge.object)).toEqual(['charge']);
  });

  it('lists what it holds instead of a fixture', async () => {
    const stripe = client();
    const created = await stripe.taxRates.create({ display_name: 'GST', percentage: 5, inclusive: false });
    const customer = await stripe.customers.create({ email: 'held@example.com' });
    expect((await stripe.taxRates.list()).data.map((r) => r.id)).toEqual([created.id]);
    expect((await stripe.customers.list()).data.map((c) => c.id)).toEqual([customer.id]);
  });
});

describe('creates', () => {
  it('reflect their parameters, and objects it creates can be read back', async () => {
    const key = freshKey();
    const stripe = client(key);
    const rate = await stripe.taxRates.create({
      display_name: 'VAT',
      percentage: 19,
      inclusive: true,
      jurisdiction: 'DE',
      metadata: { k: 'v' },
    });
    expect(rate).toMatchObject({
      object: 'tax_rate',
      display_name: 'VAT',
      percentage: 19,
      inclusive: true,
      jurisdiction: 'DE',
      metadata: { k: 'v' },
    });
    expect(rate.id).toMatch(/^txr_/);
    expect(await stripe.taxRates.retrieve(rate.id)).toEqual(rate);
    const updated = await stripe.taxRates.update(rate.id, { display_name: 'MwSt' });
    expect((await stripe.taxRates.retrieve(rate.id)).display_name).toBe('MwSt');
    expect(updated.display_name).toBe('MwSt');

    const customer = await stripe.customers.create({ email: 'ada@example.com', name: 'Ada' });
    expect(customer).toMatchObject({ object: 'customer', email: 'ada@example.com', name: 'Ada' });
    expect(await stripe.customers.retrieve(customer.id)).toEqual(customer);

    const card = await stripe.issuing.cards.create({ currency: 'usd', type: 'virtual', cardholder: 'ich_1' });
    expect(card).toMatchObject({ object: 'issuing.card', currency: 'usd', type: 'virtual' });
    expect(await server.emulator.storage.get(scopeOf(key), 'issuing.card', card.id)).toBeDefined();

    // Deleting what it holds removes it; the id is then one it does not hold.
    await stripe.customers.del(customer.id);
    expect(await server.emulator.storage.get(scopeOf(key), 'customer', customer.id)).toBeUndefined();
  });

  it('answer, without storing, creates that only Stripe business rules would refuse', async () => {
    const key = freshKey();
    const stripe = client(key);
    // An empty balance: stripe-mock pays out anyway.
    const payout = await stripe.payouts.create({ amount: 1100, currency: 'usd' });
    expect(payout).toMatchObject({ object: 'payout', amount: 1100, currency: 'usd' });
    expect(await server.emulator.storage.get(scopeOf(key), 'payout', payout.id)).toBeUndefined();
    // `payment` mode without line items, and a price it does not hold.
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://example.com/success',
      cancel_url: 'https://example.com/cancel',
    });
    expect(session).toMatchObject({ object: 'checkout.session', mode: 'payment' });
    const withPrice = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://example.com/success',
      cancel_url: 'https://example.com/cancel',
      line_items: [{ price: 'price_nothere', quantity: 2 }],
    });
    expect(withPrice.object).toBe('checkout.session');
  });

  it('answer a create naming an id it holds as stripe-mock does, keeping the held object', async () => {
    const stripe = client();
    const first = await stripe.coupons.create({ id: 'TWICE', percent_off: 10, duration: 'once' });
    const second = await stripe.coupons.create({ id: 'TWICE', percent_off: 20, duration: 'once' });
    expect(second).toMatchObject({ id: 'TWICE', percent_off: 20 });
    expect(await stripe.coupons.retrieve('TWICE')).toEqual(first);
  });
});

describe('what stays checked', () => {
  it('refuses unknown parameters with 400 parameter_unknown', async () => {
    const stripe = client();
    const calls: Promise<unknown>[] = [
      stripe.customers.update('cus_nothere', { bogus: 1 } as Stripe.CustomerUpdateParams),
      stripe.customers.retrieve('cus_nothere', { bogus: 1 } as Stripe.CustomerRetrieveParams),
      stripe.taxRates.create({ display_name: 'x', percentage: 1, inclusive: false, bogus: 1 } as never),
      stripe.payouts.create({ amount: 1, currency: 'usd', bogus: 1 } as never),
      stripe.issuing.cards.retrieve('ic_nothere', { bogus: 1 } as never),
    ];
    for (const call of calls) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'bogus' });
    }
  });

  it('refuses missing and malformed parameters as the description says', async () => {
    const stripe = client();
    const missing = await rejection(stripe.taxRates.create({ display_name: 'x' } as never));
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing' });
    const malformed = await rejection(
      stripe.taxRates.create({ display_name: 'x', percentage: 'many' as never, inclusive: false }),
    );
    expect(malformed).toMatchObject({ statusCode: 400 });
  });

  it('keeps card declines (402), which a test asks for on purpose', async () => {
    const error = await rejection(
      client().paymentIntents.create({
        amount: 500,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      }),
    );
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined' });
  });

  it('answers 404 for ids it does not hold, and refuses restricted keys, when not in stripe-mock mode', async () => {
    const plain = await startEmulatorServer({ port: 0 });
    try {
      const stripe = new Stripe(freshKey(), {
        host: '127.0.0.1',
        port: plain.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      const error = await rejection(stripe.taxRates.retrieve('txr_nothere'));
      expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
      expect((await stripe.taxRates.list()).data).toEqual([]);
      const restricted = new Stripe('rk_test_123', {
        host: '127.0.0.1',
        port: plain.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      expect(await rejection(restricted.customers.list())).toMatchObject({ statusCode: 401 });
    } finally {
      await plain.close();
    }
  });
});

describe('the server', () => {
  it('accepts any sk_test_ key, and restricted rk_test_ keys as stripe-mock does', async () => {
    for (const key of ['sk_test_123', 'sk_test_anything_at_all', 'rk_test_123']) {
      expect(await client(key).customers.retrieve('cus_1'), key).toMatchObject({ id: 'cus_1' });
    }
  });

  it('refuses a request without a key, still saying it is stripe-mock', async () => {
    const response = await fetch(`${server.url}/`, { method: 'HEAD' });
    expect(response.status).toBe(401);
    expect(response.headers.get('stripe-mock-version')).toBe('master');
  });

  it("sends stripe-mock's headers and reads doubled slashes", async () => {
    const response = await fetch(`${server.url}//v1/charges/ch_1`, {
      headers: { authorization: 'Bearer sk_test_123', 'idempotency-key': 'key-1' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('stripe-mock-version')).toBe('master');
    expect(response.headers.get('idempotency-key')).toBe('key-1');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(await response.json()).toMatchObject({ object: 'charge', id: 'ch_1' });
  });

  it("listens on stripe-mock's port by default (the CLI's help says so: test/cli/emulator.test.ts)", () => {
    expect(DEFAULT_EMULATOR_PORT).toBe(12111);
  });
});
