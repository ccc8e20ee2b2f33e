import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { uninstallApp } from '../../src/domain/installs.js';
import { createInstallKey, revokeKey, setKeyExpiry } from '../../src/domain/keys.js';
import { type GatewayWorld, rejection, startGateway } from './support.js';

/**
 * End to end with the official `stripe` SDK against the real server: installs with different
 * grants call SDK methods through the gateway to the in-process emulator. Each allowed call
 * succeeds; each denied call is a `StripePermissionError` naming the permission to request.
 */

const catalog = defaultCatalog();

type Client = Stripe;
interface Fixture {
  customer: string;
  product: string;
  price: string;
}

interface Call {
  readonly name: string;
  /** The requirement: every group needs one of its permissions. */
  readonly needs: readonly (readonly string[])[];
  /** The permission the denial message must name when the grant holds none of the first unmet group. */
  readonly run: (stripe: Client, fixture: Fixture, merchant: Client) => Promise<unknown>;
}

const CALLS: readonly Call[] = [
  { name: 'customers.list', needs: [['customer_read']], run: (s) => s.customers.list({ limit: 3 }) },
  {
    name: 'customers.create',
    needs: [['customer_write']],
    run: (s) => s.customers.create({ email: 'new@example.com' }),
  },
  { name: 'customers.retrieve', needs: [['customer_read']], run: (s, f) => s.customers.retrieve(f.customer) },
  {
    name: 'customers.retrieve expand default_source',
    needs: [['customer_read'], ['customer_read', 'source_read']],
    run: (s, f) => s.customers.retrieve(f.customer, { expand: ['default_source'] }),
  },
  {
    name: 'customers.retrieve expand invoice_settings.default_payment_method',
    needs: [['customer_read'], ['payment_method_read']],
    run: (s, f) => s.customers.retrieve(f.customer, { expand: ['invoice_settings.default_payment_method'] }),
  },
  {
    name: 'customers.update',
    needs: [['customer_write']],
    run: (s, f) => s.customers.update(f.customer, { metadata: { touched: 'yes' } }),
  },
  {
    name: 'customers.del',
    needs: [['customer_write']],
    run: async (s, _f, merchant) => s.customers.del((await merchant.customers.create({})).id),
  },
  { name: 'products.list', needs: [['product_read']], run: (s) => s.products.list() },
  { name: 'products.create', needs: [['product_write']], run: (s) => s.products.create({ name: 'Widget' }) },
  {
    name: 'prices.retrieve expand product',
    needs: [['plan_read'], ['product_read']],
    run: (s, f) => s.prices.retrieve(f.price, { expand: ['product'] }),
  },
  {
    name: 'prices.list expand data.product',
    needs: [['plan_read'], ['product_read']],
    run: (s) => s.prices.list({ expand: ['data.product'] }),
  },
  {
    name: 'products.update',
    needs: [['product_write']],
    run: (s, f) => s.products.update(f.product, { description: 'updated' }),
  },
  { name: 'invoices.list', needs: [['invoice_read']], run: (s) => s.invoices.list() },
  {
    name: 'charges.list expand data.customer',
    needs: [['charge_read'], ['customer_read']],
    run: (s) => s.charges.list({ expand: ['data.customer'] }),
  },
];

const GRANTS: Readonly<Record<string, readonly string[]>> = {
  reader: ['customer_read'],
  writer: ['customer_write'],
  catalog: ['product_write', 'plan_read'],
  payments: ['charge_read', 'payment_method_read'],
  billing: ['invoice_read', 'customer_read', 'product_read'],
};

function allowed(grant: readonly string[], needs: Call['needs']): boolean {
  const effective = catalog.closure(grant);
  return needs.every((group) => group.some((name) => effective.has(catalog.indexOf(name))));
}

/** The first unmet group's permissions: what the denial must name. */
function firstMissing(grant: readonly string[], needs: Call['needs']): readonly string[] {
  const effective = catalog.closure(grant);
  return needs.find((group) => !group.some((name) => effective.has(catalog.indexOf(name))))!;
}

let w: GatewayWorld;
let merchant: Client;
let fixture: Fixture;
const keys: Record<string, string> = {};

beforeAll(async () => {
  w = await startGateway();
  merchant = w.stripe(w.merchant.sk.test);
  const customer = await merchant.customers.create({ email: 'ada@example.com', source: 'tok_visa' });
  const product = await merchant.products.create({ name: 'Book' });
  const price = await merchant.prices.create({ product: product.id, unit_amount: 500, currency: 'usd' });
  await merchant.charges.create({ amount: 1000, currency: 'usd', customer: customer.id });
  fixture = { customer: customer.id, product: product.id, price: price.id };
  for (const [name, grant] of Object.entries(GRANTS)) {
    await w.publish(`com.example.${name}`, '1.0.0', grant);
    const { key } = await w.install(`com.example.${name}`);
    keys[name] = key!.secret;
  }
});

afterAll(async () => {
  await w.close();
});

describe('a matrix of grants × SDK calls', () => {
  for (const [grantName, grant] of Object.entries(GRANTS)) {
    for (const call of CALLS) {
      const expected = allowed(grant, call.needs);
      it(`${grantName} (${grant.join(', ')}) ${expected ? 'may' : 'may not'} ${call.name}`, async () => {
        const stripe = w.stripe(keys[grantName]!);
        const before = w.upstreamSeen.length;
        if (expected) {
          const result = (await call.run(stripe, fixture, merchant)) as { object?: string };
          expect(result.object).toBeDefined();
          return;
        }
        const error = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
          call.run(stripe, fixture, merchant),
        );
        expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
        expect(error.statusCode).toBe(403);
        expect(error.code).toBe('more_permissions_required');
        expect(error.requestId).toMatch(/^req_/);
        const missing = firstMissing(grant, call.needs);
        expect(error.message).toMatch(
          /^The provided key 'rk_test_\*\*\*…[0-9A-Za-z]{4}' does not have the required permissions for this endpoint on account 'acct_[0-9A-Za-z]+'\. Having /,
        );
        for (const name of missing) expect(error.message).toContain(`'${name}'`);
        expect(error.message).toMatch(/would allow this request to continue\.$/);
        const required = (error.raw as { required_permissions: { any_of: string[] }[] }).required_permissions;
        expect(required.some((r) => missing.every((name) => r.any_of.includes(name)))).toBe(true);
        expect(error.headers?.['appscope-accepted-permissions']).toContain(missing[0]!);
        // a denied call never reaches the upstream (deleting made one merchant call first)
        const upstreamCalls = w.upstreamSeen
          .slice(before)
          .filter((r) => r.method !== 'POST' || r.path !== '/v1/customers');
        expect(upstreamCalls).toEqual([]);
      });
    }
  }
});

describe('denial format', () => {
  it('names every accepted alternative in the body and the header, including implying permissions', async () => {
    const error = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      w.stripe(keys['catalog']!).customers.retrieve(fixture.customer),
    );
    expect(error.message).toBe(
      `The provided key '${maskOf(keys['catalog']!)}' does not have the required permissions for this endpoint on account '${w.merchant.id}'. Having the 'customer_read' permission would allow this request to continue.`,
    );
    expect(error.raw).toMatchObject({
      type: 'invalid_request_error',
      code: 'more_permissions_required',
      required_permissions: [
        {
          any_of: ['customer_read', 'customer_write'],
          reason: 'GET /v1/customers/{customer} reads customer',
        },
      ],
    });
    expect(error.headers?.['appscope-accepted-permissions']).toBe('customer_read, customer_write');
  });

  it('uses the multi-permission wording for several unmet groups', async () => {
    const error = await rejection<Error>(
      w.stripe(keys['writer']!).charges.list({ expand: ['data.invoice'] }),
    );
    expect(error.message).toMatch(/Having the 'charge_read', 'invoice_read' permissions would allow/);
    const header = (error as unknown as { headers: Record<string, string> }).headers[
      'appscope-accepted-permissions'
    ]!;
    expect(header.split('; ')).toHaveLength(2);
    expect(header.split('; ')[0]!.split(', ')).toContain('charge_write');
  });

  it('says when no permission can allow an endpoint', async () => {
    const error = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      w.stripe(keys['reader']!).accounts.create({ type: 'custom' }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.code).toBe('not_available_to_apps');
    expect(error.message).toContain('POST /v1/accounts is not available to apps');
    expect(error.message).toMatch(/No permission an app can request would allow this request to continue\.$/);
    expect(error.headers?.['appscope-accepted-permissions']).toBeUndefined();
  });
});

describe('credentials', () => {
  it("an account's own sk_ has full access to its own data, no app involved", async () => {
    const customer = await merchant.customers.create({ email: 'full@example.com' });
    expect((await merchant.customers.retrieve(customer.id, { expand: ['default_source'] })).id).toBe(
      customer.id,
    );
    await merchant.customers.del(customer.id);
    expect((await merchant.invoices.list()).object).toBe('list');
  });

  it("another account's sk_ sees none of the merchant's data", async () => {
    const stranger = w.stripe(w.stranger.sk.test);
    const error = await rejection<Error>(stranger.customers.retrieve(fixture.customer));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((error as unknown as { statusCode: number }).statusCode).toBe(404);
    const naming = await rejection<Error>(
      w.stripe(w.stranger.sk.test, { stripeAccount: w.merchant.id }).customers.list(),
    );
    expect(naming).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((naming as unknown as { code: string }).code).toBe('account_invalid');
  });

  it('refuses unknown, malformed and missing keys with 401, the key masked', async () => {
    const unknown = await rejection<Error>(w.stripe(`rk_test_${'A'.repeat(42)}`).customers.list());
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(unknown.message).toMatch(/rk_test_\*\*\*…AAAA/);
    expect(unknown.message).not.toContain('A'.repeat(10));
    const response = await fetch(`${w.url}/v1/customers`);
    expect(response.status).toBe(401);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });

  it('accepts Basic auth with the key as the user name', async () => {
    const response = await fetch(`${w.url}/v1/customers?limit=1`, {
      headers: { authorization: `Basic ${Buffer.from(`${keys['reader']!}:`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
  });

  it('a platform app acts on an installing account with Stripe-Account, within its grant', async () => {
    await w.publish('com.example.platform', '1.0.0', ['customer_read'], 'platform');
    await w.install('com.example.platform');
    const appKey = await w.appKey('com.example.platform');
    const platform = w.stripe(appKey, { stripeAccount: w.merchant.id });
    expect((await platform.customers.retrieve(fixture.customer)).id).toBe(fixture.customer);
    const denied = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      platform.customers.create({ email: 'x@example.com' }),
    );
    expect(denied).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(denied.message).toBe(
      `This application does not have the required permissions for this endpoint on account '${w.merchant.id}'. Having the 'customer_write' permission would allow this request to continue.`,
    );
    expect(denied.message).not.toContain('read_only');

    const noHeader = await rejection<Error>(w.stripe(appKey).customers.list());
    expect(noHeader).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((noHeader as unknown as { code: string }).code).toBe('stripe_account_required');

    const notInstalled = await rejection<Error>(
      w.stripe(appKey, { stripeAccount: w.stranger.id }).customers.list(),
    );
    expect(notInstalled).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(notInstalled.message).toBe(
      `This application is not installed on account '${w.stranger.id}' in test mode (or that account does not exist).`,
    );
    const nowhere = await rejection<Error>(
      w.stripe(appKey, { stripeAccount: 'acct_doesnotexist000000000000' }).customers.list(),
    );
    expect(nowhere.message).toBe(
      "This application is not installed on account 'acct_doesnotexist000000000000' in test mode (or that account does not exist).",
    );
  });

  it('an rk_ key naming another account with Stripe-Account is refused', async () => {
    const error = await rejection<Error>(
      w.stripe(keys['reader']!, { stripeAccount: w.stranger.id }).customers.list(),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((error as unknown as { code: string }).code).toBe('account_invalid');
    // naming its own account is harmless
    const own = await w.stripe(keys['reader']!, { stripeAccount: w.merchant.id }).customers.list();
    expect(own.object).toBe('list');
  });
});

describe('current state on the very next request', () => {
  it('a revoked key is refused on the next call', async () => {
    await w.publish('com.example.revoke', '1.0.0', ['customer_read']);
    const { key } = await w.install('com.example.revoke');
    const stripe = w.stripe(key!.secret);
    expect((await stripe.customers.list()).object).toBe('list');
    await revokeKey(w.domain, { actor: w.merchant.actor.test, key: key!.id });
    const error = await rejection<Error>(stripe.customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.message).toBe(`The API key \`${maskOf(key!.secret)}\` has been revoked`);
  });

  it('an uninstall ends every key at once', async () => {
    await w.publish('com.example.uninstall', '1.0.0', ['customer_read']);
    const { install, key } = await w.install('com.example.uninstall');
    const stripe = w.stripe(key!.secret);
    expect((await stripe.customers.list()).object).toBe('list');
    await uninstallApp(w.domain, { actor: w.merchant.actor.test, install: install.id });
    expect(await rejection<Error>(stripe.customers.list())).toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it('a narrowed key is held to its narrowing', async () => {
    const wide = await createInstallKey(w.domain, {
      actor: w.merchant.actor.test,
      install: (await installOf('com.example.billing')).id,
      permissions: ['invoice_read'],
    });
    const stripe = w.stripe(wide.secret);
    expect((await stripe.invoices.list()).object).toBe('list');
    const error = await rejection<Error>(stripe.customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.message).toContain("'customer_read'");
  });

  it('a pending permission is refused with its own wording until approved, then allowed', async () => {
    await w.publish('com.example.upgrade', '1.0.0', ['customer_read']);
    const { install, key } = await w.install('com.example.upgrade');
    const stripe = w.stripe(key!.secret);
    expect((await stripe.customers.list()).object).toBe('list');
    await w.publish('com.example.upgrade', '1.1.0', ['customer_read', 'customer_write']);

    const pending = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      stripe.customers.create({ email: 'p@example.com' }),
    );
    expect(pending).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(pending.code).toBe('permission_pending_approval');
    expect(pending.message).toBe(
      `The provided key '${maskOf(key!.secret)}' does not have the required permissions for this endpoint on account '${w.merchant.id}'. The 'customer_write' permission this request needs is pending the account admin's approval: the app requested it, and an admin of '${w.merchant.id}' must approve the app's new permissions (reauthorize install '${install.id}') before this request can continue.`,
    );
    expect(pending.raw).toMatchObject({
      required_permissions: [{ any_of: ['customer_write'], pending: ['customer_write'] }],
    });

    // the admin approves through the Install API; the very next call is allowed
    const approve = await fetch(`${w.url}/v1/apps/installs/${install.id}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${w.merchant.sk.test}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'expected_pending[0]=customer_write',
    });
    expect(approve.status).toBe(200);
    expect((await stripe.customers.create({ email: 'p@example.com' })).object).toBe('customer');
  });

  it('an expired key is refused as soon as it expires, even when cached', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clocked = await startGateway({ clock: () => now });
    try {
      await clocked.publish('com.example.expiry', '1.0.0', ['customer_read']);
      const { key } = await clocked.install('com.example.expiry');
      await setKeyExpiry(clocked.domain, {
        actor: clocked.merchant.actor.test,
        key: key!.id,
        expiresAt: Math.floor(now / 1000) + 60,
      });
      const stripe = clocked.stripe(key!.secret);
      expect((await stripe.customers.list()).object).toBe('list');
      now += 61_000;
      const error = await rejection<Error>(stripe.customers.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error.message).toMatch(/has expired$/);
    } finally {
      await clocked.close();
    }
  });
});

describe('test and live modes', () => {
  it('test keys reach test data only, live keys live data only', async () => {
    await w.publish('com.example.modes', '1.0.0', ['customer_read']);
    const test = await w.install('com.example.modes', 'test');
    const live = await w.install('com.example.modes', 'live');
    const liveMerchant = w.stripe(w.merchant.sk.live);
    const liveCustomer = await liveMerchant.customers.create({ email: 'live@example.com' });
    expect(liveCustomer.livemode).toBe(true);
    const liveApp = w.stripe(live.key!.secret);
    const testApp = w.stripe(test.key!.secret);
    expect(((await liveApp.customers.retrieve(liveCustomer.id)) as Stripe.Customer).livemode).toBe(true);
    expect(await rejection<Error>(testApp.customers.retrieve(liveCustomer.id))).toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    expect(await rejection<Error>(liveApp.customers.retrieve(fixture.customer))).toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    expect((await liveApp.customers.list()).data.map((c) => c.livemode)).toEqual([true]);
    expect((await testApp.customers.list({ limit: 100 })).data.every((c) => !c.livemode)).toBe(true);
  });

  it('a platform app key reaches only installs of its own mode', async () => {
    await w.publish('com.example.live-platform', '1.0.0', ['customer_read'], 'platform');
    await w.install('com.example.live-platform', 'live');
    const testKey = await w.appKey('com.example.live-platform', 'test');
    const error = await rejection<Error>(
      w.stripe(testKey, { stripeAccount: w.merchant.id }).customers.list(),
    );
    expect(error.message).toContain('not installed on account');
    expect(error.message).toContain('in test mode');
    const liveKey = await w.appKey('com.example.live-platform', 'live');
    const list = await w.stripe(liveKey, { stripeAccount: w.merchant.id }).customers.list();
    expect(list.data.every((c) => c.livemode)).toBe(true);
  });
});

describe('decision records', () => {
  it('records every field of every decision, allowed and denied', async () => {
    const before = w.decisions.length;
    const stripe = w.stripe(keys['reader']!);
    await stripe.customers.list({ limit: 1 });
    await rejection(stripe.customers.create({}));
    const [allowedRecord, deniedRecord] = w.decisions.slice(before);
    const install = await installOf('com.example.reader');
    expect(allowedRecord).toMatchObject({
      account: w.merchant.id,
      install: install.id,
      app: 'com.example.reader',
      keyHint: maskOf(keys['reader']!),
      livemode: false,
      method: 'GET',
      route: '/v1/customers',
      path: '/v1/customers',
      requirement: [['customer_read']],
      outcome: 'allowed',
      missing: [],
      status: 200,
    });
    expect(deniedRecord).toMatchObject({
      method: 'POST',
      route: '/v1/customers',
      requirement: [['customer_write']],
      outcome: 'denied',
      missing: [['customer_write']],
      status: 403,
    });
    for (const record of [allowedRecord!, deniedRecord!]) {
      expect(record.requestId).toMatch(/^req_/);
      expect(record.latencyMs).toBeGreaterThanOrEqual(0);
      expect(record.time).toBeGreaterThan(Date.UTC(2025, 0, 1));
      expect(JSON.stringify(record)).not.toContain(keys['reader']!);
    }
  });
});

async function installOf(app: string) {
  const { listInstalls } = await import('../../src/domain/installs.js');
  const page = await listInstalls(w.domain, { actor: w.merchant.actor.test, app, status: 'installed' });
  return page.data[0]!;
}

function maskOf(secret: string): string {
  return `${secret.slice(0, 8)}***…${secret.slice(-4)}`;
}
