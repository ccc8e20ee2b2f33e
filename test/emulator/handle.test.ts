import { describe, expect, it, vi } from 'vitest';
import { createEmulator, type EmulatorRequest, type EmulatorResponse } from '../../src/emulator/emulator.js';
import { createMemoryStorage } from '../../src/emulator/memory-storage.js';
import type { EmulatorStorage } from '../../src/emulator/storage.js';

type Body = Record<string, unknown> & { error?: Record<string, unknown>; id?: string; data?: Body[] };

function caller(emulator = createEmulator(), scope: Partial<EmulatorRequest> = {}) {
  return async (
    method: string,
    path: string,
    params: { query?: string; body?: string; idempotencyKey?: string } = {},
  ): Promise<EmulatorResponse & { body: Body }> => {
    const response = await emulator.handle({
      method,
      path,
      query: params.query ?? '',
      body: params.body ?? '',
      account: 'acct_1Handle',
      livemode: false,
      ...scope,
      ...(params.idempotencyKey === undefined ? {} : { idempotencyKey: params.idempotencyKey }),
    });
    return response as EmulatorResponse & { body: Body };
  };
}

describe('createEmulator().handle', () => {
  it('accepts expand[] and expand[0] alike, in the query for GET and in the body for POST, and refuses percent-encoded brackets', async () => {
    const call = caller();
    const customer = (await call('POST', '/v1/customers', { body: 'source=tok_visa&email=a%40example.com' }))
      .body;
    const byBrackets = await call('GET', `/v1/customers/${customer.id}`, {
      query: 'expand[]=default_source',
    });
    const byIndex = await call('GET', `/v1/customers/${customer.id}`, {
      query: 'expand[0]=default_source',
    });
    expect(byBrackets.status).toBe(200);
    expect(byBrackets.body['default_source']).toMatchObject({ object: 'card', last4: '4242' });
    expect(byIndex.body).toEqual(byBrackets.body);
    const encoded = await call('GET', `/v1/customers/${customer.id}`, {
      query: 'expand%5B0%5D=default_source',
    });
    expect(encoded.status).toBe(400);
    expect(encoded.body).toMatchObject({ error: { code: 'parameter_invalid_name', param: 'expand%5B0%5D' } });

    const list = await call('GET', '/v1/customers', { query: 'expand[0]=data.default_source&limit=1' });
    expect(list.body.data?.[0]?.['default_source']).toMatchObject({ object: 'card' });

    const posted = await call('POST', `/v1/customers/${customer.id}`, {
      body: 'name=A&expand[]=default_source',
    });
    expect(posted.body['default_source']).toMatchObject({ object: 'card' });
    const postedIndexed = await call('POST', `/v1/customers/${customer.id}`, {
      body: 'expand[0]=default_source',
    });
    expect(postedIndexed.body['default_source']).toMatchObject({ object: 'card' });
  });

  it('reads nested form bodies: a[b][0][c]=v, lists and metadata', async () => {
    const call = caller();
    const price = (
      await call('POST', '/v1/prices', {
        body: 'currency=usd&unit_amount=900&recurring[interval]=month&recurring[interval_count]=3&product_data[name]=Box&product_data[metadata][sku]=B1',
      })
    ).body;
    expect(price).toMatchObject({ recurring: { interval: 'month', interval_count: 3 } });
    const product = (await call('GET', `/v1/products/${price['product']}`)).body;
    expect(product).toMatchObject({ name: 'Box', metadata: { sku: 'B1' } });

    const customer = (
      await call('POST', '/v1/customers', {
        body: 'shipping[name]=Ada&shipping[address][line1]=1%20Main%20St&shipping[address][city]=Paris&preferred_locales[0]=fr&preferred_locales[1]=en&invoice_settings[custom_fields][0][name]=PO&invoice_settings[custom_fields][0][value]=42',
      })
    ).body;
    expect(customer).toMatchObject({
      shipping: { name: 'Ada', address: { line1: '1 Main St', city: 'Paris', country: null } },
      preferred_locales: ['fr', 'en'],
    });

    const subscription = await call('POST', '/v1/subscriptions', {
      body: `customer=${customer.id}&items[0][price]=${price.id}&items[0][quantity]=2&items[0][metadata][seat]=lead&payment_behavior=default_incomplete`,
    });
    expect(subscription.status).toBe(200);
    expect(subscription.body['items']).toMatchObject({
      data: [{ quantity: 2, metadata: { seat: 'lead' }, price: { id: price.id } }],
    });
    const unknownNested = await call('POST', '/v1/subscriptions', {
      body: `customer=${customer.id}&items[0][price]=${price.id}&items[0][colour]=red`,
    });
    expect(unknownNested.body.error).toMatchObject({ code: 'parameter_unknown', param: 'items[0][colour]' });
  });

  it('takes an invoice item price as `price` (2022-04-12) or `pricing[price]` (newer SDKs), not both', async () => {
    const call = caller();
    const customer = (await call('POST', '/v1/customers', { body: 'email=a' })).body;
    const price = (
      await call('POST', '/v1/prices', { body: 'currency=usd&unit_amount=250&product_data[name]=Pen' })
    ).body;
    const old = await call('POST', '/v1/invoiceitems', {
      body: `customer=${customer.id}&price=${price.id}&quantity=2`,
    });
    const newer = await call('POST', '/v1/invoiceitems', {
      body: `customer=${customer.id}&pricing[price]=${price.id}`,
    });
    expect(old.body).toMatchObject({ amount: 500, quantity: 2, description: 'Pen', price: { id: price.id } });
    expect(newer.body).toMatchObject({ amount: 250, quantity: 1, price: { id: price.id } });
    const both = await call('POST', '/v1/invoiceitems', {
      body: `customer=${customer.id}&price=${price.id}&pricing[price]=${price.id}`,
    });
    expect(both.body.error).toMatchObject({ code: 'parameters_exclusive' });
  });

  it('refuses parameters in the wrong place, so a request reads one way only', async () => {
    const call = caller();
    const getWithBody = await call('GET', '/v1/customers', { body: 'limit=1' });
    expect(getWithBody.status).toBe(400);
    const postWithQuery = await call('POST', '/v1/customers', { query: 'expand[]=default_source' });
    expect(postWithQuery.status).toBe(400);
    expect(postWithQuery.body.error).toMatchObject({ code: 'parameter_misplaced' });
    expect((await call('GET', '/v1/customers')).body.data).toEqual([]);
  });

  it('checks expand before any write, with Stripe’s messages and depth limit', async () => {
    const call = caller();
    const bad = await call('POST', '/v1/customers', { body: 'email=x&expand[]=email' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      message: 'This property cannot be expanded (email).',
      param: 'expand',
    });
    expect((await call('GET', '/v1/customers')).body.data).toEqual([]);
    const deep = await call('GET', '/v1/balance_transactions', {
      query: 'expand[]=data.source.customer.default_source.customer.default_source',
    });
    expect(deep.status).toBe(400);
    expect(String(deep.body.error?.['message'])).toMatch(/more than 4 levels/);
    const ok = await call('GET', '/v1/balance_transactions', {
      query: 'expand[]=data.source.customer.default_source',
    });
    expect(ok.status).toBe(200);
  });

  it('answers unknown paths and methods with Stripe’s 404, and unknown ids with resource_missing', async () => {
    const call = caller();
    const unknown = await call('GET', '/v1/foo');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({
      type: 'invalid_request_error',
      message:
        'Unrecognized request URL (GET: /v1/foo). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
    });
    expect((await call('DELETE', '/v1/prices/price_123')).status).toBe(404);
    expect((await call('PATCH', '/v1/customers')).status).toBe(404);
    const missing = await call('GET', '/v1/charges/ch_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: "No such charge: 'ch_nope'",
      param: 'id',
    });
    expect(missing.headers?.['request-id']).toMatch(/^req_/);
  });

  it('uses the given clock and id generator', async () => {
    let n = 0;
    const emulator = createEmulator({
      clock: () => 1_700_000_000_000,
      idGenerator: (prefix) => `${prefix}_${++n}`,
    });
    const call = caller(emulator);
    const customer = await call('POST', '/v1/customers', { body: 'email=a' });
    expect(customer.body).toMatchObject({ id: 'cus_1', created: 1_700_000_000 });
    const events = await call('GET', '/v1/events');
    expect(events.body.data?.map((e) => e.id)).toEqual(['evt_2']);
    expect((await call('GET', '/v1/customers', { query: 'created[gte]=1700000000' })).body.data).toHaveLength(
      1,
    );
    expect((await call('GET', '/v1/customers', { query: 'created[gt]=1700000000' })).body.data).toHaveLength(
      0,
    );
    expect((await call('GET', '/v1/customers', { query: 'created=1700000000' })).body.data).toHaveLength(1);
  });

  it('keeps accounts and modes apart', async () => {
    const emulator = createEmulator();
    const a = caller(emulator, { account: 'acct_A' });
    const aLive = caller(emulator, { account: 'acct_A', livemode: true });
    const b = caller(emulator, { account: 'acct_B' });
    const customer = (await a('POST', '/v1/customers', { body: 'email=a' })).body;
    expect((await a('GET', `/v1/customers/${customer.id}`)).status).toBe(200);
    expect((await aLive('GET', `/v1/customers/${customer.id}`)).status).toBe(404);
    expect((await b('GET', `/v1/customers/${customer.id}`)).status).toBe(404);
    expect((await b('POST', `/v1/customers/${customer.id}`, { body: 'name=x' })).status).toBe(404);
    expect((await b('DELETE', `/v1/customers/${customer.id}`)).status).toBe(404);
    expect((await b('GET', '/v1/events')).body.data).toEqual([]);
  });

  it('replays idempotent POSTs, refuses a reused key with another request, and runs concurrent duplicates once', async () => {
    const call = caller();
    const first = await call('POST', '/v1/customers', { body: 'email=a', idempotencyKey: 'k' });
    const replay = await call('POST', '/v1/customers', { body: 'email=a', idempotencyKey: 'k' });
    expect(replay.body).toEqual(first.body);
    expect(replay.headers).toMatchObject({
      'idempotent-replayed': 'true',
      'original-request': first.headers?.['request-id'],
    });
    const otherBody = await call('POST', '/v1/customers', { body: 'email=b', idempotencyKey: 'k' });
    expect(otherBody.status).toBe(400);
    expect(otherBody.body.error).toMatchObject({ type: 'idempotency_error' });
    const otherPath = await call('POST', '/v1/products', { body: 'email=a', idempotencyKey: 'k' });
    expect(otherPath.body.error).toMatchObject({ type: 'idempotency_error' });

    const together = await Promise.all(
      [1, 2, 3, 4].map(() => call('POST', '/v1/customers', { body: 'email=c', idempotencyKey: 'together' })),
    );
    expect(new Set(together.map((r) => r.body.id)).size).toBe(1);
    expect((await call('GET', '/v1/customers', { query: 'email=c' })).body.data).toHaveLength(1);
    const long = await call('POST', '/v1/customers', { body: 'email=a', idempotencyKey: 'x'.repeat(256) });
    expect(long.status).toBe(400);
  });

  it('serializes writes per scope over an asynchronous storage, so concurrent refunds never overdraw', async () => {
    const memory = createMemoryStorage();
    const tick = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
    const slow: EmulatorStorage = {
      get: async (...args) => {
        await tick();
        return memory.get(...args);
      },
      put: async (...args) => {
        await tick();
        return memory.put(...args);
      },
      delete: async (...args) => {
        await tick();
        return memory.delete(...args);
      },
      list: async (...args) => {
        await tick();
        return memory.list(...args);
      },
    };
    const call = caller(createEmulator({ storage: slow }));
    const intent = (
      await call('POST', '/v1/payment_intents', {
        body: 'amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true',
      })
    ).body;
    const refunds = await Promise.all(
      Array.from({ length: 6 }, () =>
        call('POST', '/v1/refunds', { body: `charge=${intent['latest_charge']}&amount=300` }),
      ),
    );
    expect(refunds.filter((r) => r.status === 200)).toHaveLength(3);
    const charge = (await call('GET', `/v1/charges/${intent['latest_charge']}`)).body;
    expect(charge).toMatchObject({ amount_refunded: 900, refunded: false });
  });

  it('answers an unexpected failure with a plain 500 and reports it', async () => {
    const onInternalError = vi.fn();
    const broken: EmulatorStorage = {
      get: () => Promise.reject(new Error('disk on fire')),
      put: () => Promise.reject(new Error('disk on fire')),
      delete: () => Promise.reject(new Error('disk on fire')),
      list: () => Promise.reject(new Error('disk on fire')),
    };
    const call = caller(createEmulator({ storage: broken, onInternalError }));
    const response = await call('GET', '/v1/customers/cus_1');
    expect(response.status).toBe(500);
    expect(response.body.error).toMatchObject({ type: 'api_error' });
    expect(JSON.stringify(response.body)).not.toContain('disk on fire');
    expect(onInternalError).toHaveBeenCalledOnce();
  });

  it('lists the routes it serves', () => {
    const { routes } = createEmulator();
    expect(routes).toContainEqual({ method: 'GET', path: '/v1/balance' });
    expect(routes).toContainEqual({ method: 'POST', path: '/v1/payment_intents/:id/confirm' });
    expect(routes).not.toContainEqual({ method: 'DELETE', path: '/v1/prices/:id' });
  });
});
